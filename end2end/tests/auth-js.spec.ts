// What JavaScript adds to the auth forms: submits without a reload, pending states, and a
// hydrated page with no console errors. (Run by the JavaScript project only.)
import { expect, test } from './fixtures/test';
import { LoginPage, PASSWORD, expectSignedIn, expectSignedOut, signUp } from './fixtures/auth';
import { freshEmail, waitForMail } from './fixtures/mailbox';

test('with JavaScript, forms submit without a reload and show their pending state', async ({ page, request }) => {
  const email = freshEmail('spa');
  await signUp(page, email);
  await page.goto((await waitForMail(request, email)).link);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);
  const login = new LoginPage(page);
  await login.goto();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/auth/sign-in', async (route) => {
    await held;
    await route.continue();
  });

  await login.signIn(email, PASSWORD);
  const button = page.getByRole('button', { name: 'Signing in…' });
  await expect(button).toBeDisabled();
  release();

  await expect(page).toHaveURL('/protected');
  await expectSignedIn(page, email);
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
});

test('the hydrated app reads the session the server rendered without asking again', async ({ page, request }) => {
  const email = freshEmail('serialized');
  await signUp(page, email);
  const sessionCalls: string[] = [];
  page.on('request', (sent) => {
    if (sent.url().includes('/api/session')) sessionCalls.push(sent.url());
  });

  await page.goto((await waitForMail(request, email)).link);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');

  await expectSignedIn(page, email);
  expect(sessionCalls).toEqual([]);
});

test('client-side navigation to the protected page while signed out goes to sign in', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));

  await page.getByRole('link', { name: 'Protected page' }).click();

  await expect(page).toHaveURL('/auth/login?next=%2Fprotected');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7);
});
