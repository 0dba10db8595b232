// /account: profile, email and password changes, linked identities and sign-out scopes. Plain
// forms, so this runs with and without JavaScript.
import { expect, test } from './fixtures/test';
import { LoginPage, PASSWORD, confirmedUser, expectSignedIn, expectSignedOut } from './fixtures/auth';
import { freshEmail, waitForMail } from './fixtures/mailbox';

test('the display name is saved to the profile', async ({ page, request }) => {
  await confirmedUser(page, request, 'profile');
  await page.goto('/account');

  await page.getByLabel('Display name').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Save the profile' }).click();

  await expect(page.getByRole('status')).toHaveText('Your profile is saved.');
  await page.reload();
  await expect(page.getByLabel('Display name')).toHaveValue('Ada Lovelace');
});

test('an email change is confirmed from both addresses', async ({ page, request }) => {
  const email = await confirmedUser(page, request, 'old-address');
  const newEmail = freshEmail('new-address');
  await page.goto('/account');

  await page.getByLabel('New email address').fill(newEmail);
  await page.getByRole('button', { name: 'Change the email address' }).click();
  await expect(page.getByRole('status')).toContainText('Confirm the change');
  await expect(page.getByTestId('pending-email')).toContainText(newEmail);

  const toOld = await waitForMail(request, email, 2);
  const toNew = await waitForMail(request, newEmail);
  await page.goto(toOld.link);
  await page.goto(toNew.link);
  await page.goto('/account');

  await expect(page.getByTestId('account-who')).toHaveText(newEmail);
  await expectSignedIn(page, newEmail);
});

test('the password is changed and the new one signs in', async ({ page, request }) => {
  const email = await confirmedUser(page, request, 'password-change');
  await page.goto('/account');

  await page.getByLabel('New password', { exact: true }).fill('another long password 2');
  await page.getByLabel('Repeat the new password').fill('another long password 2');
  await page.getByRole('button', { name: 'Change the password' }).click();
  await expect(page.getByRole('status')).toContainText('Your password is changed');
  await page.getByRole('button', { name: 'Sign out of this device' }).click();
  await expectSignedOut(page);

  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, 'another long password 2');
  await expect(page).toHaveURL('/protected');
});

test('a new password that breaks the password rules is refused, naming the rule', async ({ page, request }) => {
  const email = await confirmedUser(page, request, 'weak-change');
  await page.goto('/account');

  await page.getByLabel('New password', { exact: true }).fill('only letters here');
  await page.getByLabel('Repeat the new password').fill('only letters here');
  await page.getByRole('button', { name: 'Change the password' }).click();

  await expect(page.getByRole('alert')).toHaveText('Choose a stronger password: include a letter and a digit.');
  await page.getByRole('button', { name: 'Sign out of this device' }).click();
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, PASSWORD);
  await expect(page).toHaveURL('/protected');
});

test('a provider is linked and unlinked, but the last way to sign in stays', async ({ page, request }) => {
  const email = await confirmedUser(page, request, 'linker');
  await page.goto('/account');

  await page.getByRole('button', { name: 'Link GitHub' }).click();
  await page.getByLabel('Email').fill(freshEmail('linked-github'));
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page).toHaveURL('/account');
  await expect(page.locator('li[data-provider="github"]')).toBeVisible();
  await expectSignedIn(page, email);

  await page.getByRole('button', { name: 'Unlink GitHub' }).click();
  await expect(page.getByRole('status')).toHaveText('The sign-in method is unlinked.');
  await expect(page.locator('li[data-provider="github"]')).toHaveCount(0);

  // The last way to sign in offers no unlinking (the auth server would refuse it too).
  await expect(page.locator('li[data-provider="email"]')).toContainText('Your only way to sign in');
  await expect(page.getByRole('button', { name: 'Unlink Email' })).toHaveCount(0);
});

test('signing out of all other devices ends the session in another browser', async ({ page, request, browser }) => {
  const email = await confirmedUser(page, request, 'two-devices');
  const other = await browser.newContext();
  const elsewhere = await other.newPage();
  await new LoginPage(elsewhere).goto();
  await new LoginPage(elsewhere).signIn(email, PASSWORD);
  await expect(elsewhere).toHaveURL('/protected');

  await page.goto('/account');
  await page.getByRole('button', { name: 'Sign out of all other devices' }).click();
  await expect(page.getByRole('status')).toHaveText('Every other device is signed out.');

  await elsewhere.goto('/account');
  await expect(elsewhere.getByRole('alert')).toHaveText('Your session has ended. Sign in again.');
  await elsewhere.goto('/');
  await expectSignedOut(elsewhere);
  await page.reload();
  await expectSignedIn(page, email);
  await other.close();
});

test('signing out of all devices ends this session and the one in another browser', async ({ page, request, browser }) => {
  const email = await confirmedUser(page, request, 'everywhere');
  const other = await browser.newContext();
  const elsewhere = await other.newPage();
  await new LoginPage(elsewhere).goto();
  await new LoginPage(elsewhere).signIn(email, PASSWORD);
  await expect(elsewhere).toHaveURL('/protected');

  await page.goto('/account');
  await page.getByRole('button', { name: 'Sign out of all devices' }).click();

  await expect(page).toHaveURL('/?signed-out=1');
  await expect(page.getByRole('status')).toHaveText('You are signed out.');
  await expectSignedOut(page);
  await elsewhere.goto('/account');
  await expect(elsewhere.getByRole('alert')).toHaveText('Your session has ended. Sign in again.');
  await other.close();
});
