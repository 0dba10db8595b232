// Passkeys and security keys in a real browser, with Chromium's virtual authenticator (DevTools
// Protocol `WebAuthn`). Browsers bind passkeys to a domain, never an IP address, so these tests
// open the site at `localhost` (the relying party local-auth derives from 127.0.0.1).
import type { CDPSession, Page } from '@playwright/test';
import { expect, test } from './fixtures/test';
import { LoginPage, PASSWORD, expectSignedIn, expectSignedOut, signUp } from './fixtures/auth';
import { freshEmail, waitForMail } from './fixtures/mailbox';

const IP_SITE = new URL(process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3000');
const SITE = new URL(IP_SITE);
SITE.hostname = 'localhost';

/** Attaches a platform authenticator that holds passkeys and verifies the user without asking. */
async function addAuthenticator(cdp: CDPSession): Promise<string> {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

/** The page's DevTools session with WebAuthn on, and a first authenticator. */
async function virtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  return { cdp, authenticatorId: await addAuthenticator(cdp) };
}

/** A confirmed account, signed in at `localhost` through its confirmation link. */
async function confirmedAtLocalhost(page: Page, request: Parameters<typeof waitForMail>[0]) {
  const email = freshEmail('passkey');
  await signUp(page, email);
  const mail = await waitForMail(request, email);
  const link = new URL(mail.link);
  link.host = SITE.host;
  await page.goto(link.toString());
  await expect(page).toHaveURL(/\/protected$/);
  return email;
}

/** A virtual authenticator, and a confirmed account signed in at `localhost` on its live
 * (hydrated) account page. */
async function onAccountWithAuthenticator(page: Page, request: Parameters<typeof waitForMail>[0]) {
  const authenticator = await virtualAuthenticator(page);
  const email = await confirmedAtLocalhost(page, request);
  await page.goto('/account');
  await hydrated(page);
  return { ...authenticator, email };
}

async function hydrated(page: Page) {
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
}

async function signOut(page: Page) {
  await page.goto('/account');
  await page.getByRole('button', { name: 'Sign out of this device' }).click();
  await expectSignedOut(page);
}

test.describe('with JavaScript', () => {
  test.use({ baseURL: SITE.origin });

  test('add a passkey, sign in with it from the autofill, rename and remove it', async ({
    page,
    request,
  }) => {
    const { email } = await onAccountWithAuthenticator(page, request);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(page.getByRole('status')).toHaveText('Your passkey is added. Next time, sign in with it.');
    await expect(page.getByTestId('passkey')).toHaveCount(1);
    await expect(page.getByTestId('passkey')).toContainText('never used');

    // The sign-in page asks for passkeys in the email field's autofill (conditional mediation);
    // the virtual authenticator picks the one it holds, as a person picking it there would.
    await signOut(page);
    await page.goto('/auth/login');
    await expect(page).toHaveURL(/\/protected$/);
    await expectSignedIn(page, email);

    await page.goto('/account');
    const passkey = page.getByTestId('passkey');
    await expect(passkey).toContainText('last used');
    await passkey.getByLabel('New name').fill('Work laptop');
    await passkey.getByRole('button', { name: 'Rename' }).click();
    await expect(page.getByRole('status')).toHaveText('The passkey is renamed.');
    await expect(page.getByTestId('passkey')).toContainText('Work laptop');

    await page.getByTestId('passkey').getByRole('button', { name: 'Remove' }).click();
    await expect(page.getByRole('status')).toHaveText('The passkey is removed.');
    await expect(page.getByTestId('passkey')).toHaveCount(0);

    // The authenticator still holds the credential; the auth server no longer knows it.
    await signOut(page);
    await page.goto('/auth/login');
    await expect(page.getByRole('alert')).toHaveText(
      'That passkey was not accepted. Try again, or sign in another way.',
    );
    await expectSignedOut(page);
  });

  test('the button signs in with a passkey from a prompt', async ({ page, request }) => {
    const { cdp, authenticatorId, email } = await onAccountWithAuthenticator(page, request);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(page.getByTestId('passkey')).toHaveCount(1);
    await signOut(page);

    // The passkey moves to an authenticator attached once the page's autofill request is already
    // waiting (with none to offer), so that the button's prompt is what finds it.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    await page.goto('/auth/login');
    await hydrated(page);
    const second = await addAuthenticator(cdp);
    await cdp.send('WebAuthn.addCredential', { authenticatorId: second, credential: credentials[0] });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect(page).toHaveURL(/\/protected$/);
    await expectSignedIn(page, email);
  });

  test('a security key as second factor is asked for after a password or a passkey', async ({
    page,
    request,
  }) => {
    const { email } = await onAccountWithAuthenticator(page, request);
    await page.getByRole('button', { name: 'Add a security key' }).click();
    await expect(page.getByRole('status')).toHaveText('Your security key is set up as a second factor.');
    await expect(page.getByTestId('account-aal')).toHaveText('aal2');
    await expect(page.getByTestId('factor')).toContainText('Security key (active)');

    await signOut(page);
    const login = new LoginPage(page);
    await login.goto();
    await login.signIn(email, PASSWORD);
    await expect(page).toHaveURL('/auth/mfa?next=%2Fprotected');
    await hydrated(page);
    await page.getByRole('button', { name: 'Use your security key' }).click();
    await expect(page).toHaveURL(/\/protected$/);
    await page.goto('/account');
    await expect(page.getByTestId('account-aal')).toHaveText('aal2');

    // A passkey is one factor: after signing in with one, the security key is still asked for.
    await hydrated(page);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(page.getByTestId('passkey')).toHaveCount(1);
    await signOut(page);
    await page.goto('/auth/login');
    await expect(page).toHaveURL(/\/auth\/mfa\?next=%2Fprotected$/);
    await hydrated(page);
    await page.getByRole('button', { name: 'Use your security key' }).click();
    await expect(page).toHaveURL(/\/protected$/);
    await expectSignedIn(page, email);
  });
});

test('at an IP address the browser refuses the ceremony, and says where passkeys work', async ({
  page,
}) => {
  await virtualAuthenticator(page);
  await page.goto(new URL('/auth/login', IP_SITE).toString());
  await hydrated(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByRole('alert')).toContainText('Passkeys do not work at this address.');
  await expectSignedOut(page);
});

test.describe('without JavaScript', () => {
  test.use({ baseURL: SITE.origin, javaScriptEnabled: false });

  test('there are no passkey buttons, and the password still signs in', async ({ page, request }) => {
    const email = await confirmedAtLocalhost(page, request);
    await page.goto('/account');
    await expect(page.getByRole('heading', { name: 'Passkeys' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Add a passkey' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Add a security key' })).toHaveCount(0);
    await signOut(page);
    await page.goto('/auth/login');
    await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toHaveCount(0);
    // The field where browsers with JavaScript offer passkeys in the autofill.
    await expect(page.getByLabel('Email').first()).toHaveAttribute('autocomplete', 'username webauthn');
    const login = new LoginPage(page);
    await login.signIn(email, PASSWORD);
    await expect(page).toHaveURL(/\/protected$/);
    await expectSignedIn(page, email);
  });
});
