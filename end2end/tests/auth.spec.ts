// The auth flows in a real browser. Runs in two projects, with JavaScript (the islands hydrated)
// and without: the forms are plain HTML forms either way, answered by server redirects.
import { expect, test } from './fixtures/test';
import {
  LoginPage,
  confirmedUser,
  PASSWORD,
  authCookies,
  expectSignedIn,
  expectSignedOut,
  signUp,
  submitSignUp,
} from './fixtures/auth';
import { freshEmail, waitForMail } from './fixtures/mailbox';

test('sign up, confirm by mail, and reach the protected page signed in', async ({ page, request }) => {
  const email = freshEmail('sign-up');

  await signUp(page, email);
  const mail = await waitForMail(request, email);
  expect(mail.link).toContain('/auth/confirm?token_hash=');
  await page.goto(mail.link);

  await expect(page).toHaveURL('/protected');
  await expectSignedIn(page, email);
  await expect(page.getByRole('row', { name: /Email/ })).toContainText(email);
  await expect(page.getByRole('row', { name: /Assurance level/ })).toContainText('aal1');
});

test('a sign-up whose password breaks the password rules says which rule', async ({ page }) => {
  await submitSignUp(page, freshEmail('weak'), 'only letters here');

  await expect(page.getByRole('alert')).toHaveText('Choose a stronger password: include a letter and a digit.');
  await expect(page.getByRole('heading', { name: 'Check your email' })).toHaveCount(0);
});

test('a wrong password shows the error and sets no cookie', async ({ page, context, request }) => {
  const email = await confirmedUser(page, request, 'wrong-password');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);
  const login = new LoginPage(page);
  await login.goto();

  await login.signIn(email, 'not the password');

  await expect(page.getByRole('alert')).toHaveText('That email and password do not match an account.');
  expect(await authCookies(context)).toEqual([]);
  await expect(page.getByRole('alert')).toBeFocused();
});

test('a session survives a reload and sign-out clears every auth cookie', async ({ page, context, request }) => {
  const email = await confirmedUser(page, request, 'reload');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);
  const login = new LoginPage(page);
  await login.goto();

  await login.signIn(email, PASSWORD);
  await expect(page).toHaveURL('/protected');
  await page.reload();
  await expectSignedIn(page, email);
  expect((await authCookies(context)).length).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Sign out' }).click();

  await expectSignedOut(page);
  await expect(page.getByRole('status')).toHaveText('You are signed out.');
  await expect.poll(async () => authCookies(context)).toEqual([]);
});

test('a magic link signs in', async ({ page, request }) => {
  const email = await confirmedUser(page, request, 'magic-link');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);
  const login = new LoginPage(page);
  await login.goto();

  await login.emailMeALink(email);
  await expect(page.getByRole('heading', { name: 'Enter your code' })).toBeVisible();
  const mail = await waitForMail(request, email, 2);
  await page.goto(mail.link);

  await expect(page).toHaveURL('/protected');
  await expectSignedIn(page, email);
});

test('a 6-digit code signs in', async ({ page, request }) => {
  const email = await confirmedUser(page, request, 'code');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);
  const login = new LoginPage(page);
  await login.goto();

  await login.emailMeALink(email);
  const mail = await waitForMail(request, email, 2);
  await page.getByLabel('Code', { exact: true }).fill(mail.code);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page).toHaveURL('/protected');
  await expectSignedIn(page, email);
});

test('forgot password, set a new one by mail, then sign in with it', async ({ page, request }) => {
  const email = await confirmedUser(page, request, 'reset');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);
  await page.goto('/auth/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();

  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send a reset link' }).click();
  await expect(page.getByRole('status')).toContainText('a reset link is on its way');
  const mail = await waitForMail(request, email, 2);
  await page.goto(mail.link);
  await expect(page).toHaveURL('/auth/update-password');
  await page.getByLabel('New password', { exact: true }).fill('a brand new password 3');
  await page.getByLabel('Repeat it', { exact: true }).fill('a brand new password 3');
  await page.getByRole('button', { name: 'Save the password' }).click();
  await expect(page).toHaveURL('/protected');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, 'a brand new password 3');

  await expect(page).toHaveURL('/protected');
  await expectSignedIn(page, email);
});

test('the protected page sends signed-out visitors to sign in and back', async ({ page, request }) => {
  const email = await confirmedUser(page, request, 'next');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);

  await page.goto('/protected');
  await expect(page).toHaveURL('/auth/login?next=%2Fprotected');
  await new LoginPage(page).signIn(email, PASSWORD);

  await expect(page).toHaveURL('/protected');
  await expectSignedIn(page, email);
});

test('a hostile next is neutralised', async ({ page, request }) => {
  const email = await confirmedUser(page, request, 'hostile');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);
  const login = new LoginPage(page);

  await login.goto('//evil.example/steal');
  await login.signIn(email, PASSWORD);

  await expect(page).toHaveURL('/');
  await expectSignedIn(page, email);
});

test('an access token near expiry is refreshed on navigation', async ({ page, context, request }) => {
  const email = await confirmedUser(page, request, 'refresh');
  const [cookie] = (await authCookies(context)).filter((c) => !c.name.includes('verifier'));
  const json = JSON.parse(Buffer.from(cookie.value.slice('base64-'.length), 'base64url').toString());
  // Make the stored session say it expires in a minute (inside the 90 s refresh margin).
  json.expires_at = Math.floor(Date.now() / 1000) + 60;
  const aged = `base64-${Buffer.from(JSON.stringify(json)).toString('base64url')}`;
  await context.addCookies([{ ...cookie, value: aged }]);

  await page.goto('/protected');

  await expectSignedIn(page, email);
  const [renewed] = (await authCookies(context)).filter((c) => !c.name.includes('verifier'));
  const next = JSON.parse(Buffer.from(renewed.value.slice('base64-'.length), 'base64url').toString());
  expect(next.refresh_token).not.toBe(json.refresh_token);
  expect(next.expires_at).toBeGreaterThan(json.expires_at);
});
