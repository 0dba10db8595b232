// The same app with HttpOnly session cookies (AUTH_COOKIE_HTTP_ONLY=true, a second server on port
// 3002): scripts cannot read the token, so the browser widget is hidden, and everything works
// through server functions.
import { expect, test } from './fixtures/test';
import { authCookies, expectSignedIn, expectSignedOut, signUp } from './fixtures/auth';
import { freshEmail, waitForMail } from './fixtures/mailbox';

test.use({ baseURL: 'http://127.0.0.1:3002' });

test('with HttpOnly cookies the app works through the server alone', async ({ page, context, request }) => {
  const email = freshEmail('http-only');
  await signUp(page, email);
  const mail = await waitForMail(request, email, 1, 'http://127.0.0.1:24334');
  await page.goto(mail.link);

  await expect(page).toHaveURL('/protected');
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  await expectSignedIn(page, email);
  await expect(page.getByRole('row', { name: /Email/ })).toContainText(email);
  const cookies = await authCookies(context);
  expect(cookies.length).toBeGreaterThan(0);
  expect(cookies.every((cookie) => cookie.httpOnly)).toBe(true);
  expect(await page.evaluate(() => document.cookie)).not.toContain('sb-');
  // The server renders no browser-side check, and hands the page nothing to reach Supabase Auth with.
  await expect(page.getByRole('button', { name: 'Verify from the browser' })).toHaveCount(0);
  expect(await page.content()).not.toContain('publishable_key');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);
});
