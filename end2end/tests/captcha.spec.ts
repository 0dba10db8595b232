// CAPTCHA in the forms (the HttpOnly server on port 3002 runs with it: hCaptcha's test site key in
// the app, its test secret in local-auth). The widget's script is the stub of fixtures/test.ts,
// served in place of hCaptcha's; its answer reaches the auth server, which checks it.
import { expect, test } from './fixtures/test';
import {
  LoginPage,
  PASSWORD,
  expectSignedIn,
  expectSignedOut,
  signUp,
  submitSignUp,
} from './fixtures/auth';
import { freshEmail, waitForMail } from './fixtures/mailbox';
import { installEthereumWallet } from './fixtures/wallets';

test.use({ baseURL: 'http://127.0.0.1:3002' });

test('every form the auth server protects carries the widget, and the policy admits only its provider', async ({ page }) => {
  const response = await page.goto('/auth/login');

  // Password, email link, single sign-on and guest sign-in.
  await expect(page.locator('form .h-captcha[data-sitekey="10000000-ffff-ffff-ffff-000000000001"]')).toHaveCount(4);
  const policy = response?.headers()['content-security-policy'] ?? '';
  const widget = 'https://hcaptcha.com https://*.hcaptcha.com';
  expect(policy).toContain(`frame-src ${widget};`);
  expect(policy).toMatch(new RegExp(`script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval' ${widget.replace(/[.*]/g, '\\$&')};`));
  expect(policy).not.toContain('challenges.cloudflare.com');
  for (const path of ['/auth/sign-up', '/auth/forgot-password', '/auth/phone']) {
    await page.goto(path);
    await expect(page.locator('form .h-captcha')).toHaveCount(1);
    await expect(page.locator('form .h-captcha[data-answered]')).toHaveCount(1);
    // The widget is there, so the sentence for browsers without JavaScript is not.
    await expect(page.getByText('This form is protected by a CAPTCHA check')).toBeHidden();
  }
});

test('with the widget answered, sign-up and sign-in go through', async ({ page, request }) => {
  const email = freshEmail('captcha');
  await signUp(page, email);
  await page.goto((await waitForMail(request, email, 1, 'http://127.0.0.1:24334')).link);
  await expectSignedIn(page, email);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);

  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, PASSWORD);

  await expect(page).toHaveURL('/protected');
  await expectSignedIn(page, email);
});

test('without JavaScript the forms say they need it, and a post without an answer is refused', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL: 'http://127.0.0.1:3002' });
  const page = await context.newPage();
  await page.goto('/auth/sign-up');

  await expect(page.getByText('This form is protected by a CAPTCHA check, which needs JavaScript').first()).toBeVisible();
  await submitSignUp(page, freshEmail('captcha-no-js'));

  await expect(page.getByRole('alert')).toHaveText('Complete the CAPTCHA check, then send the form again.');
  await context.close();
});


test('a wallet sign-in sends the answer of the widget beside its buttons', async ({ page }) => {
  await installEthereumWallet(page, 77);
  await page.goto('http://localhost:3002/auth/login');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator('.wallet-sign-in .h-captcha[data-answered]')).toHaveCount(1);

  await page.getByRole('button', { name: 'Sign in with Ethereum' }).click();

  await expect(page).toHaveURL('http://localhost:3002/protected');
  await expect(page.getByRole('row', { name: /Signed in by \(amr\)/ })).toContainText('web3');
});
