// Third-party auth: the site trusts Clerk's tokens besides its own sessions (LOCAL_AUTH_THIRD_PARTY_AUTH
// in playwright.config.ts), local-auth's development issuer standing in for Clerk. Its page signs
// in and leaves the token in `__session`, as Clerk's script does; the app verifies it on every
// request and runs the user's notes under Row Level Security. Plain pages and forms, so it runs
// with and without JavaScript.
import { expect, test } from './fixtures/test';
import { expectSignedOut } from './fixtures/auth';
import type { BrowserContext, Page } from '@playwright/test';

/** Signs in at the development Clerk page reached from the sign-in page; lands on `next`. */
async function signInWithClerk(page: Page, email: string, next = '/protected') {
  await page.goto(`/auth/login?next=${encodeURIComponent(next)}`);
  await expect(page.getByTestId('third-party')).toContainText('This site also accepts Clerk accounts');
  await page.getByRole('link', { name: 'Sign in with Clerk (development)' }).click();
  await expect(page.getByRole('heading', { name: 'Clerk (development)' })).toBeVisible();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(next);
}

/** The token the development issuer left in `__session`. */
async function clerkToken(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((cookie) => cookie.name === '__session');
  expect(cookie, 'the provider token is in __session').toBeTruthy();
  return cookie!.value;
}

function claimRow(page: Page, name: RegExp) {
  return page.getByRole('row', { name });
}

test('a Clerk user signs in with the provider, and the token reaches pages and data', async ({ page, context }) => {
  const email = `ada-${crypto.randomUUID()}@example.com`;
  await signInWithClerk(page, email);

  // The server verified Clerk's token: its subject, the provider, no Supabase session.
  const sub = (await claimRow(page, /User id \(sub\)/).textContent()) ?? '';
  expect(sub).toMatch(/user_[0-9A-Za-z]{27}/);
  await expect(claimRow(page, /Signed in by \(amr\)/)).toContainText('Clerk');
  await expect(claimRow(page, /Role/)).toContainText('authenticated');
  await expect(page.locator('.user-status')).toContainText('Signed in as user_');
  expect((await context.cookies()).filter((cookie) => cookie.name.startsWith('sb-'))).toEqual([]);

  // Notes under Row Level Security, owned by the Clerk subject.
  await page.goto('/notes');
  await page.getByLabel('New note').fill('Written by a Clerk user');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByTestId('note')).toHaveCount(1);
  await expect(page.getByTestId('note').first()).toContainText('Written by a Clerk user');

  // The account is Clerk's: nothing to change here.
  await page.goto('/account');
  await expect(page.getByTestId('account-provider')).toHaveText('Clerk');
  await expect(page.getByTestId('account-managed')).toContainText('Clerk manages this account');
  await expect(page.getByRole('button', { name: /password/i })).toHaveCount(0);

  // Signing out forgets the token on this site.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page);
  expect((await context.cookies()).find((cookie) => cookie.name === '__session')).toBeUndefined();
  const response = await page.goto('/notes');
  expect(response?.url()).toContain('/auth/login');
});

test('another Clerk user sees none of the first one’s notes', async ({ page, browser }) => {
  await signInWithClerk(page, `owner-${crypto.randomUUID()}@example.com`, '/notes');
  await page.getByLabel('New note').fill('Private to the first Clerk user');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByTestId('note')).toHaveCount(1);

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signInWithClerk(otherPage, `other-${crypto.randomUUID()}@example.com`, '/notes');
  await expect(otherPage.getByText('Private to the first Clerk user')).toHaveCount(0);
  await other.close();
});

test('a Clerk token edited to name another user, or past its time, reaches no page', async ({ page, context, browser }) => {
  // The victim's subject, and the attacker's own valid token.
  const victim = await browser.newContext();
  const victimPage = await victim.newPage();
  await signInWithClerk(victimPage, `victim-${crypto.randomUUID()}@example.com`, '/notes');
  await victimPage.getByLabel('New note').fill('The victim’s note');
  await victimPage.getByRole('button', { name: 'Add note' }).click();
  await expect(victimPage.getByTestId('note')).toHaveCount(1);
  const victimToken = await clerkToken(victim);
  const victimSub = JSON.parse(Buffer.from(victimToken.split('.')[1], 'base64url').toString()).sub;
  await victim.close();

  await signInWithClerk(page, `mallory-${crypto.randomUUID()}@example.com`, '/protected');
  const [header, payload, signature] = (await clerkToken(context)).split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const forge = (changes: Record<string, unknown>) =>
    [header, Buffer.from(JSON.stringify({ ...claims, ...changes })).toString('base64url'), signature].join('.');
  const url = new URL(page.url());

  for (const forged of [
    forge({ sub: victimSub }),
    forge({ exp: Math.floor(Date.now() / 1000) - 60 }),
    forge({ iss: 'https://clerk.attacker.test' }),
    `${header}.${payload}.`,
  ]) {
    await context.clearCookies({ name: '__session' });
    await context.addCookies([{ name: '__session', value: forged, domain: url.hostname, path: '/' }]);
    const response = await page.goto('/notes');
    expect(response?.url(), 'sent to sign in').toContain('/auth/login');
    await expectSignedOut(page);
    await expect(page.getByText('The victim’s note')).toHaveCount(0);
  }
});
