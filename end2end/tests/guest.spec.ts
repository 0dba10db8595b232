// Guest (anonymous) sign-in, and turning the guest into a permanent account with the same id.
import { expect, test } from './fixtures/test';
import { LoginPage, PASSWORD, expectSignedIn, expectSignedOut } from './fixtures/auth';
import { freshEmail, waitForMail } from './fixtures/mailbox';

test('a guest keeps their account by adding an email and password', async ({ page, request }) => {
  await page.goto('/auth/login');
  await page.getByRole('button', { name: 'Continue as guest' }).click();
  await expect(page).toHaveURL('/account');
  await expect(page.getByTestId('account-who')).toHaveText('Guest');
  const guestId = await page.getByTestId('account-id').textContent();
  const email = freshEmail('guest');

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat the password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Keep my account' }).click();
  await expect(page.getByRole('status')).toContainText('follow the link we mailed you');
  const mail = await waitForMail(request, email);
  await page.goto(mail.link);
  await page.goto('/account');

  await expect(page.getByTestId('account-who')).toHaveText(email);
  await expect(page.getByTestId('account-id')).toHaveText(guestId ?? '');
  await page.getByRole('button', { name: 'Sign out of this device' }).click();
  await expectSignedOut(page);
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, PASSWORD);
  await expect(page).toHaveURL('/protected');
  await expectSignedIn(page, email);
  await page.goto('/account');
  await expect(page.getByTestId('account-id')).toHaveText(guestId ?? '');
});

test('a guest keeps their account by linking a provider', async ({ page }) => {
  await page.goto('/auth/login');
  await page.getByRole('button', { name: 'Continue as guest' }).click();
  await expect(page).toHaveURL('/account');
  const guestId = await page.getByTestId('account-id').textContent();
  const email = freshEmail('guest-github');

  await page.getByRole('button', { name: 'Link GitHub' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Approve' }).click();

  await expect(page).toHaveURL('/account');
  await expect(page.getByTestId('account-who')).toHaveText(email);
  await expect(page.getByTestId('account-id')).toHaveText(guestId ?? '');
  await expectSignedIn(page, email);
});
