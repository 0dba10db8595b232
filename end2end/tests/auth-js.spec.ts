// What JavaScript adds to the server-rendered pages (islands): submit buttons that show that
// their form is posting, and islands that hydrate from the HTML without asking the server.
// (Run by the JavaScript project only.)
import { expect, test } from './fixtures/test';
import { LoginPage, PASSWORD, expectSignedIn, expectSignedOut, signUp } from './fixtures/auth';
import { freshEmail, waitForMail } from './fixtures/mailbox';

test('with JavaScript, a submitted form shows its pending state until the next page', async ({ page, request }) => {
  const email = freshEmail('pending');
  await signUp(page, email);
  await page.goto((await waitForMail(request, email)).link);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);
  const login = new LoginPage(page);
  await login.goto();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/auth/sign-in', async (route) => {
    await held;
    // `fallback`: the context's route still adds the test's client address.
    await route.fallback();
  });
  // While the post is on its way the page cannot be inspected from the test (Playwright waits for
  // the navigation), so the page reports the button's state itself.
  await page.evaluate(() => {
    const button = document.querySelector('form:has(#login-password) button[type=submit]')!;
    new MutationObserver(() => {
      const state = `${button.textContent} disabled=${button.hasAttribute('disabled')} busy=${button.getAttribute('aria-busy')}`;
      console.log(`sign-in button: ${state}`);
    }).observe(button, { attributes: true, childList: true, subtree: true, characterData: true });
  });
  const pending = page.waitForEvent('console', (message) =>
    message.text() === 'sign-in button: Signing in… disabled=true busy=true',
  );

  const submitted = login.signIn(email, PASSWORD);
  await pending;
  release();
  await submitted;

  await expect(page).toHaveURL('/protected');
  await expectSignedIn(page, email);
});

test('a form the browser refuses to submit leaves its button ready', async ({ page }) => {
  const login = new LoginPage(page);
  await login.goto();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');

  await page.getByRole('button', { name: 'Sign in', exact: true }).click();

  await expect(page.getByLabel('Email').first()).toBeFocused();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Signing in…' })).toHaveCount(0);
});

test('the islands hydrate from the page the server rendered without asking it again', async ({ page, request }) => {
  const email = freshEmail('islands');
  await signUp(page, email);
  const calls: string[] = [];
  page.on('request', (sent) => {
    if (new URL(sent.url()).pathname.startsWith('/api/')) calls.push(sent.url());
  });

  await page.goto((await waitForMail(request, email)).link);
  await expect(page).toHaveURL('/protected');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');

  await expectSignedIn(page, email);
  await expect(page.getByRole('button', { name: 'Verify from the browser' })).toBeVisible();
  expect(calls).toEqual([]);
});
