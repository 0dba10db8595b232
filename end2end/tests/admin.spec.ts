// A role-gated page: only tokens carrying the custom claim `user_role: admin` (added by
// local-auth's custom claims file, as Supabase's custom access token hook would) open it.
import { expect, test } from './fixtures/test';
import { LoginPage, PASSWORD, confirmedUser, signUp } from './fixtures/auth';
import { waitForMail } from './fixtures/mailbox';

/** An address the custom claims file (end2end/custom-claims.json) makes an admin: one per
 * project, since the projects run at the same time. */
const admin = () =>
  test.info().project.name === 'chromium' ? 'admin@example.com' : 'admin-no-js@example.com';

test('the admin page opens for a token with the admin role claim', async ({ page, request }) => {
  // The same address on every run: sign up the first time, sign in after that.
  const ADMIN = admin();
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(ADMIN, PASSWORD);
  if (!(await page.waitForURL('/protected', { timeout: 5_000 }).then(() => true, () => false))) {
    await signUp(page, ADMIN);
    await page.goto((await waitForMail(request, ADMIN)).link);
  }

  const response = await page.goto('/admin');

  expect(response?.status()).toBe(200);
  await expect(page.getByTestId('admin-welcome')).toContainText('user_role = admin');
});

test('the admin page refuses a token without the role claim', async ({ page, request }) => {
  await confirmedUser(page, request, 'not-admin');

  const response = await page.goto('/admin');

  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toContainText('needs a role your account does not have');
  await expect(page.getByTestId('admin-welcome')).toHaveCount(0);
});
