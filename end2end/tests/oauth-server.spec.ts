// The site as an identity provider: another application (fixtures/oauth-client.ts, registered
// dynamically as an MCP client would) sends the browser to the project's auth server, which sends
// it to the app's consent page (/oauth/consent). The person signs in, allows or denies with plain
// forms, and the browser goes back to the application, which exchanges the code, verifies the ID
// token, reads userinfo and refreshes; /account takes the access back. With and without
// JavaScript, and the refusals: a redirect URI not registered, a code without its verifier,
// someone else's request, a decision posted from another site.
import { expect, test } from './fixtures/test';
import { LoginPage, PASSWORD, confirmedUser } from './fixtures/auth';
import { ExampleClient } from './fixtures/oauth-client';
import type { Page } from '@playwright/test';

let client: ExampleClient;

test.beforeEach(async () => {
  client = await ExampleClient.start(`Example Planner ${crypto.randomUUID().slice(0, 8)}`);
});

test.afterEach(async () => {
  await client.stop();
});

/** The consent page the auth server sent the browser to, for a person who is signed in. */
async function consentPage(page: Page, scope?: string) {
  await page.goto(client.authorizeUrl(scope));
  await expect(page).toHaveURL(/\/oauth\/consent\?authorization_id=/);
  await expect(page.getByTestId('consent-client')).toHaveText(client.name);
  return new URL(page.url()).searchParams.get('authorization_id')!;
}

test('an application signs a person in through the consent page, then loses access from /account', async ({
  page,
  request,
}) => {
  // Signed out: the consent page sends the person to sign in, and back.
  await page.goto(client.authorizeUrl());
  await expect(page).toHaveURL(/\/auth\/login\?next=%2Foauth%2Fconsent/);
  const email = await (async () => {
    const context = await page.context().browser()!.newContext();
    const other = await context.newPage();
    const address = await confirmedUser(other, request, 'oauth-server');
    await context.close();
    return address;
  })();
  await new LoginPage(page).signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/oauth\/consent\?authorization_id=/);

  // What the application asks, in words.
  await expect(page.getByTestId('consent-client')).toHaveText(client.name);
  await expect(page.getByTestId('consent-who')).toHaveText(email);
  await expect(page.getByTestId('consent-redirect-host')).toHaveText('localhost');
  await expect(page.getByTestId('consent-scopes').locator('li')).toHaveText([
    'Confirm who you are',
    'See your email address',
    'See your name, picture and profile',
  ]);
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page.getByRole('heading', { name: `Back at ${client.name}` })).toBeVisible();

  // The application's side: code → tokens → verified ID token → userinfo → refresh.
  const { code } = client.lastCallback();
  expect(code).toBeTruthy();
  const exchanged = await client.exchange(code!);
  expect(exchanged.status).toBe(200);
  const tokens = await exchanged.json();
  const idToken = await client.verifiedIdToken(tokens.id_token);
  expect(idToken.email).toBe(email);
  expect(idToken.email_verified).toBe(true);
  const info = await (await client.userinfo(tokens.access_token)).json();
  expect(info.sub).toBe(idToken.sub);
  expect(info.email).toBe(email);
  const again = await client.exchange(code!);
  expect(again.status, 'a code works once').toBe(400);
  const refreshed = await client.refresh(tokens.refresh_token);
  expect(refreshed.status).toBe(200);
  const fresh = await refreshed.json();
  expect(fresh.refresh_token).not.toBe(tokens.refresh_token);

  // Asked again for no more, the person is not asked: straight back to the application.
  await page.goto(client.authorizeUrl('openid email'));
  await expect(page.getByRole('heading', { name: `Back at ${client.name}` })).toBeVisible();
  expect(client.lastCallback().code).toBeTruthy();

  // /account lists the application and takes its access back: its sessions end.
  await page.goto('/account');
  const row = page.getByTestId('apps').locator('li', { hasText: client.name });
  await expect(row).toContainText('openid, email, profile');
  await row.getByRole('button', { name: `Remove ${client.name}` }).click();
  await expect(page.getByRole('status')).toHaveText(
    'The application no longer has access, and is signed out.',
  );
  await expect(page.getByTestId('apps-none')).toBeVisible();
  expect((await client.refresh(fresh.refresh_token)).status).toBe(400);
  expect((await client.userinfo(fresh.access_token)).status).toBe(403);
});

test('denying sends the application a refusal and grants nothing', async ({ page, request }) => {
  await confirmedUser(page, request, 'oauth-deny');
  await consentPage(page);
  await page.getByRole('button', { name: 'Deny' }).click();
  await expect(page.getByRole('heading', { name: `Back at ${client.name}` })).toBeVisible();
  const callback = client.lastCallback();
  expect(callback.error).toBe('access_denied');
  expect(callback.code).toBeUndefined();
  await page.goto('/account');
  await expect(page.getByTestId('apps-none')).toBeVisible();
});

test('a code is worthless without its verifier, and a request is its first reader’s alone', async ({
  page,
  request,
  browser,
}) => {
  await confirmedUser(page, request, 'oauth-owner');
  const authorizationId = await consentPage(page);

  // Someone else opening the same request (a link passed on) sees nothing to decide.
  const context = await browser.newContext();
  const intruder = await context.newPage();
  await confirmedUser(intruder, request, 'oauth-intruder');
  await intruder.goto(`/oauth/consent?authorization_id=${authorizationId}`);
  await expect(intruder.getByTestId('consent-error')).toContainText('not yours');
  await expect(intruder.getByRole('button', { name: 'Allow' })).toHaveCount(0);
  await context.close();

  // The owner allows; an interceptor holding the code but not the verifier gets nothing, and the
  // code still works for the application.
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page.getByRole('heading', { name: `Back at ${client.name}` })).toBeVisible();
  const { code } = client.lastCallback();
  const intercepted = await client.exchange(code!, 'an-interceptors-guess-at-the-verifier-0123456789');
  expect(intercepted.status).toBe(400);
  expect((await intercepted.json()).error).toBe('invalid_grant');
  expect((await client.exchange(code!)).status).toBe(200);

  // Back on the consent page of a decided request: nothing to decide.
  await page.goto(`/oauth/consent?authorization_id=${authorizationId}`);
  await expect(page.getByTestId('consent-error')).toContainText('already answered');
});

test('the auth server never sends the browser to a redirect URI not registered, nor for an unknown application', async ({
  page,
  request,
}) => {
  test.info().annotations.push({ type: 'page-errors-expected', description: 'a 400 page' });
  await confirmedUser(page, request, 'oauth-redirect');
  for (const hostile of [
    'https://evil.example/callback',
    `http://localhost:${client.port}/callback/../steal`,
    `http://localhost:${client.port}/callbackx`,
    `http://127.0.0.1:${client.port}/callback`,
  ]) {
    const response = await page.goto(client.authorizeUrl('email', hostile));
    expect(response?.status(), hostile).toBe(400);
    expect(new URL(page.url()).host, hostile).toBe(new URL(client.discovery.issuer).host);
    await expect(page.locator('body')).toContainText('invalid redirect_uri');
  }
  // Nor for an application that does not exist.
  const unknown = new URL(client.authorizeUrl('email'));
  unknown.searchParams.set('client_id', crypto.randomUUID());
  const response = await page.goto(unknown.toString());
  expect(response?.status()).toBe(400);
  await expect(page.locator('body')).toContainText('invalid client_id');
});

test('a consent form posted from another site decides nothing', async ({ page, request, baseURL }) => {
  test.info().annotations.push({ type: 'page-errors-expected', description: 'a 403 page' });
  await confirmedUser(page, request, 'oauth-csrf');
  const authorizationId = await consentPage(page);
  // The person, still signed in, visits another site whose page posts "approve" to the app.
  await page.goto(client.crossSitePage(`${baseURL}/api/oauth/consent`, authorizationId));
  await page.getByRole('button', { name: 'Claim your prize' }).click();
  await expect(page.locator('body')).toContainText('cross-site request refused');
  expect(() => client.lastCallback()).toThrow('the browser never came back');
  // The request is still the person's to decide.
  await page.goto(`/oauth/consent?authorization_id=${authorizationId}`);
  await expect(page.getByRole('button', { name: 'Allow' })).toBeVisible();
});
