// A role-gated page: only tokens carrying the claim `user_role: admin` open it. The claim comes
// from the roles migration's custom access token hook (supabase/migrations/*_rbac.sql, enabled in
// supabase/config.toml), which reads `public.user_roles`: the test grants the role as the README
// says, in SQL as the database's superuser, and signs in again for a token that carries it.
import { execFileSync } from 'node:child_process';
import { expect, test } from './fixtures/test';
import { LoginPage, PASSWORD, confirmedUser, expectSignedOut } from './fixtures/auth';

/** Gives the user with `email` an application role, as the README's "make yourself an admin". */
function grantRole(email: string, role: string) {
  const url = process.env.E2E_SUPERUSER_DATABASE_URL;
  if (!url) {
    throw new Error('E2E_SUPERUSER_DATABASE_URL is not set: `cargo xtask test` sets it');
  }
  // psql binds the values as literals (:'email'), never as SQL text.
  execFileSync('psql', ['--no-psqlrc', '--quiet', '-v', 'ON_ERROR_STOP=1', '-v', `email=${email}`, '-v', `role=${role}`, url], {
    input:
      "insert into public.user_roles (user_id, role) select id, :'role' from auth.users where email = :'email';",
  });
}

test('the admin page opens for a token with the admin role claim', async ({ page, request }) => {
  const email = await confirmedUser(page, request, 'admin');
  grantRole(email, 'admin');
  // The role reaches the next token: sign in again.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, PASSWORD);
  await expect(page).toHaveURL('/protected');

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
