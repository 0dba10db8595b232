// OAuth sign-in with PKCE through local-auth's development identity provider, which stands in for
// GitHub and Google. Plain forms all the way, so it runs with and without JavaScript.
import { expect, test } from './fixtures/test';
import { authCookies, expectSignedIn, expectSignedOut } from './fixtures/auth';
import { freshEmail } from './fixtures/mailbox';
import type { Page } from '@playwright/test';

/** On the provider's page: sign in as `email` and approve (or deny). */
async function decideAtProvider(page: Page, provider: string, email: string, approve = true) {
  await expect(page.getByRole('heading', { name: `Sign in with ${provider} (development)` })).toBeVisible();
  if (approve) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Name').fill('Octo Cat');
  }
  await page.getByRole('button', { name: approve ? 'Approve' : 'Deny' }).click();
}

test('sign in with GitHub: approve on the provider and land signed in', async ({ page, context }) => {
  const email = freshEmail('octo');
  await page.goto('/auth/login?next=/protected');

  await page.getByRole('button', { name: 'Continue with GitHub' }).click();
  await decideAtProvider(page, 'GitHub', email);

  await expect(page).toHaveURL('/protected');
  await expectSignedIn(page, email);
  const names = (await authCookies(context)).map((cookie) => cookie.name);
  expect(names.filter((name) => name.includes('code-verifier')), 'the verifier is gone').toEqual([]);
});

test('denying on the provider comes back signed out with the reason', async ({ page }) => {
  await page.goto('/auth/login');

  await page.getByRole('button', { name: 'Continue with Google' }).click();
  await decideAtProvider(page, 'Google', '', false);

  await expect(page).toHaveURL(/\/auth\/error\?code=access_denied/);
  await expect(page.getByText('Sign-in was cancelled.')).toBeVisible();
  await page.goto('/');
  await expectSignedOut(page);
});

test('sign-in flows started in two tabs both complete', async ({ context }) => {
  const [first, second] = [await context.newPage(), await context.newPage()];
  for (const tab of [first, second]) {
    await tab.goto('/auth/login');
    await tab.getByRole('button', { name: 'Continue with GitHub' }).click();
    await expect(tab.getByRole('button', { name: 'Approve' })).toBeVisible();
  }
  const [firstEmail, secondEmail] = [freshEmail('tab-one'), freshEmail('tab-two')];

  // The tab started last finishes first; the first tab's verifier must still be there.
  await decideAtProvider(second, 'GitHub', secondEmail);
  await expect(second).toHaveURL('/protected');
  await decideAtProvider(first, 'GitHub', firstEmail);
  await expect(first).toHaveURL('/protected');

  await first.reload();
  await expectSignedIn(first, firstEmail);
});
