// The hydrated app calls Supabase Auth from the browser with the session the server set, read
// from the @supabase/ssr cookie in Rust/WASM; near expiry it has the server renew it first.
import { expect, test } from './fixtures/test';
import { ageSession, confirmedUser, expectSignedIn, storedSession } from './fixtures/auth';

test('the browser verifies the session with Supabase Auth itself', async ({ page, request }) => {
  const email = await confirmedUser(page, request, 'browser');
  await expect(page.locator('html[data-hydrated]')).toBeAttached();

  await page.getByRole('button', { name: 'Verify from the browser' }).click();

  await expect(page.getByTestId('browser-verified')).toContainText(email);
});

test('near expiry the server renews the session before the browser uses it', async ({ page, context, request }) => {
  const email = await confirmedUser(page, request, 'browser-renew');
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  const aged = await ageSession(context, 30);

  await page.getByRole('button', { name: 'Verify from the browser' }).click();

  await expect(page.getByTestId('browser-verified')).toContainText(email);
  const { session: renewed } = await storedSession(context);
  expect(renewed.refresh_token).not.toBe(aged.refresh_token);
  expect(renewed.expires_at).toBeGreaterThan(aged.expires_at);
  // The cookies the server wrote still carry the session.
  await page.reload();
  await expectSignedIn(page, email);
});
