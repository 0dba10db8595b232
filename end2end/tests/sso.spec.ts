// SAML single sign-on through local-auth's development SAML identity provider, which stands in
// for an organisation's Okta or Entra ID: the work email's domain finds the provider
// (sso.example.test, LOCAL_AUTH_SAML_DEV_DOMAINS in playwright.config.ts), the provider's page
// asserts who signs in, and the app exchanges the PKCE code. Plain forms all the way, so it runs
// with and without JavaScript.
import { expect, test } from './fixtures/test';
import { authCookies, expectSignedIn, expectSignedOut, signUp } from './fixtures/auth';
import { waitForMail } from './fixtures/mailbox';
import type { Page } from '@playwright/test';

const DOMAIN = 'sso.example.test';

function workEmail(name: string): string {
  return `${name}-${crypto.randomUUID()}@${DOMAIN}`;
}

/** On the identity provider's page: sign in as `email` and approve (or deny). */
async function decideAtIdentityProvider(page: Page, email: string, approve = true) {
  await expect(page.getByRole('heading', { name: 'Single sign-on (development)' })).toBeVisible();
  if (approve) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Name').fill('Ada Lovelace');
  }
  await page.getByRole('button', { name: approve ? 'Approve' : 'Deny' }).click();
}

async function startSso(page: Page, typed: string, next = '/protected') {
  await page.goto(`/auth/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Work email or domain').fill(typed);
  await page.getByRole('button', { name: 'Sign in with SSO' }).click();
}

test('sign in with SSO: the work email finds the provider, and the session reaches pages and data', async ({
  page,
  context,
}) => {
  const email = workEmail('ada');
  await startSso(page, email);
  await decideAtIdentityProvider(page, email);

  await expect(page).toHaveURL('/protected');
  await expectSignedIn(page, email);
  await expect(page.getByRole('row', { name: /Signed in by \(amr\)/ })).toContainText('sso/saml');
  const names = (await authCookies(context)).map((cookie) => cookie.name);
  expect(names.filter((name) => name.includes('code-verifier')), 'the verifier is gone').toEqual([]);

  // The SSO user's data, under Row Level Security like any other user's.
  await page.goto('/notes');
  await page.getByLabel('New note').fill('From the single sign-on');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByTestId('note')).toHaveCount(1);
  await expect(page.getByTestId('note').first()).toContainText('From the single sign-on');
});

test('an address that has a password account gets a separate SSO account', async ({ page, request, browser }) => {
  // A password account at some address, then an SSO sign-in with the same address.
  const email = workEmail('twice');
  const password = await browser.newContext();
  const passwordPage = await password.newPage();
  await signUp(passwordPage, email);
  await passwordPage.goto((await waitForMail(request, email)).link);
  await expect(passwordPage).toHaveURL('/protected');
  await passwordPage.goto('/notes');
  await passwordPage.getByLabel('New note').fill('The password account’s note');
  await passwordPage.getByRole('button', { name: 'Add note' }).click();
  await expect(passwordPage.getByTestId('note')).toHaveCount(1);
  await password.close();

  await startSso(page, email, '/notes');
  await decideAtIdentityProvider(page, email);
  await expect(page).toHaveURL('/notes');
  await expectSignedIn(page, email);
  await expect(page.getByText('No notes yet.')).toBeVisible();
});

test('a domain without single sign-on is told so, and nothing starts', async ({ page, context }) => {
  await startSso(page, 'someone@no-sso.example.test');
  await expect(page.getByText('No single sign-on is set up for that email domain.')).toBeVisible();
  await expect(page).toHaveURL(/\/auth\/login/);
  await expectSignedOut(page);
  const names = (await authCookies(context)).map((cookie) => cookie.name);
  expect(names.filter((name) => name.includes('code-verifier'))).toEqual([]);
});

test('denying at the identity provider comes back signed out with the reason', async ({ page }) => {
  await startSso(page, DOMAIN);
  await decideAtIdentityProvider(page, '', false);
  await expect(page).toHaveURL(/\/auth\/error\?code=access_denied/);
  await expect(page.getByText('Sign-in was cancelled.')).toBeVisible();
  await page.goto('/');
  await expectSignedOut(page);
});

test('the identity provider page cannot be replayed into a second session', async ({ page, browser }) => {
  const email = workEmail('replay');
  await startSso(page, email);
  await expect(page.getByRole('heading', { name: 'Single sign-on (development)' })).toBeVisible();
  const idpUrl = page.url();
  await decideAtIdentityProvider(page, email);
  await expect(page).toHaveURL('/protected');

  // Someone holding the provider page's address (its RelayState) gets nowhere.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  const response = await otherPage.goto(idpUrl);
  expect(response?.status()).toBe(404);
  await expect(otherPage.getByText('saml_relay_state_not_found')).toBeVisible();
  await other.close();
});
