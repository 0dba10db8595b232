// TOTP multi-factor authentication: enrol an app on /account (needs JavaScript: the secret is
// shown once), then sign-in asks for its code before any page for signed-in users opens.
import { expect, test } from './fixtures/test';
import { LoginPage, PASSWORD, confirmedUser, expectSignedOut } from './fixtures/auth';
import { freshTotp, totp } from './fixtures/totp';

test('an enrolled authenticator app is asked for at sign-in', async ({ page, request }) => {
  // The second code must come from a later 30-second step: each step is accepted once.
  test.setTimeout(120_000);
  const email = await confirmedUser(page, request, 'mfa');
  await page.goto('/account');
  await expect(page.locator('html[data-hydrated]')).toBeAttached();

  await page.getByLabel('Name for the app').fill('Test phone');
  await page.getByRole('button', { name: 'Add an authenticator app' }).click();
  await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  const secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
  const first = totp(secret);
  await page.getByLabel('Code from the app').fill(first);
  await page.getByRole('button', { name: 'Confirm the app' }).click();
  await expect(page.getByRole('status')).toHaveText('Your authenticator app is set up.');
  await expect(page.getByTestId('account-aal')).toHaveText('aal2');
  await expect(page.getByTestId('factor')).toContainText('Test phone (active)');

  await page.getByRole('button', { name: 'Sign out of this device' }).click();
  await expectSignedOut(page);
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, PASSWORD);
  await expect(page).toHaveURL('/auth/mfa?next=%2Fprotected');

  // The server keeps an aal1 session off pages for signed-in users, before anything renders.
  await page.goto('/account');
  await expect(page).toHaveURL('/auth/mfa?next=%2Faccount');
  await page.getByLabel('Code', { exact: true }).fill(await freshTotp(secret, first));
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(page).toHaveURL('/account');
  await expect(page.getByTestId('account-aal')).toHaveText('aal2');

  // From aal2 the app can be removed; the next sign-in asks for no code.
  await page.getByTestId('factor').getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByRole('status')).toHaveText('The second factor is removed.');
  await expect(page.getByTestId('factor')).toHaveCount(0);
  await page.getByRole('button', { name: 'Sign out of this device' }).click();
  await expectSignedOut(page);
  await login.goto();
  await login.signIn(email, PASSWORD);
  await expect(page).toHaveURL('/protected');
});
