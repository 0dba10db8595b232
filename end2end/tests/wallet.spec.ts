// Sign in with Ethereum and with Solana through test wallets injected into the page
// (fixtures/wallets.ts), as MetaMask and Phantom inject theirs. A signed message must come from
// HTTPS or localhost, so these tests open the site at `localhost`. local-auth checks the
// signature, the site and the times; the app refuses a message it exchanged before.
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, test } from './fixtures/test';
import { expectSignedOut } from './fixtures/auth';
import {
  ethereumKey,
  installEthereumWallet,
  installSolanaWallet,
  signInMessage,
  solanaKey,
} from './fixtures/wallets';

const SITE = new URL(process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3000');
SITE.hostname = 'localhost';
const at = (path: string) => new URL(path, SITE).toString();

/** Each test's wallets get keys of their own. */
let seeds = Math.floor(Math.random() * 200) + 20;
const freshSeed = () => ++seeds;

async function openSignIn(page: Page, next = '/protected') {
  await page.goto(at(`/auth/login?next=${encodeURIComponent(next)}`));
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** A nonce for a wallet sign-in in `request`'s browser (its cookie), as the island asks. */
async function nonceFor(request: APIRequestContext): Promise<string> {
  const response = await request.post(at('/api/auth/wallet/nonce'), { headers: { Origin: SITE.origin } });
  expect(response.ok()).toBe(true);
  return JSON.parse(await response.text());
}

/** Posts a signed message to the app's wallet sign-in, as its island does. */
function postSigned(request: APIRequestContext, chain: string, message: string, signature: string) {
  return request.post(at('/api/auth/wallet'), {
    form: { chain, message, signature, next: '/protected' },
    headers: { Origin: SITE.origin },
  });
}

test('Sign in with Ethereum: the wallet signs, the server keeps the session, pages and data follow', async ({
  page,
}) => {
  const wallet = await installEthereumWallet(page, freshSeed());
  const chunks: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('wallet_sign_in')) chunks.push(request.url());
  });
  await openSignIn(page);
  expect(chunks, 'with a wallet, the island fetches its code').toHaveLength(1);

  await page.getByRole('button', { name: 'Sign in with Ethereum' }).click();

  await expect(page).toHaveURL(at('/protected'));
  await expect(page.getByRole('row', { name: /Signed in by \(amr\)/ })).toContainText('web3');
  expect(wallet.signed).toHaveLength(1);
  expect(wallet.signed[0].message).toContain(`${SITE.host} wants you to sign in with your Ethereum account:`);
  expect(wallet.signed[0].message).toContain(wallet.address);

  await page.goto(at('/notes'));
  await page.getByLabel('New note').fill('Signed with a wallet');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByTestId('note')).toHaveCount(1);
});

test('Sign in with Solana, then again as the same wallet', async ({ page, browser }) => {
  const seed = freshSeed();
  await installSolanaWallet(page, seed);
  await openSignIn(page);
  await page.getByRole('button', { name: 'Sign in with Solana' }).click();
  await expect(page).toHaveURL(at('/protected'));
  const userId = await page.getByRole('row', { name: /User id/ }).innerText();

  const other = await browser.newContext();
  const again = await other.newPage();
  await installSolanaWallet(again, seed);
  await openSignIn(again);
  await again.getByRole('button', { name: 'Sign in with Solana' }).click();
  await expect(again).toHaveURL(at('/protected'));
  expect(await again.getByRole('row', { name: /User id/ }).innerText()).toBe(userId);
  await other.close();
});

test('without a wallet, or without JavaScript, there is no wallet button', async ({ page, browser }) => {
  // Without a wallet the island's code is not even fetched.
  const chunks: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('wallet_sign_in')) chunks.push(request.url());
  });
  await openSignIn(page);
  expect(chunks).toEqual([]);
  await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Sign in with (Ethereum|Solana)/ })).toHaveCount(0);

  const noScript = await browser.newContext({ javaScriptEnabled: false });
  const plain = await noScript.newPage();
  await installEthereumWallet(plain, freshSeed());
  await plain.goto(at('/auth/login'));
  await expect(plain.getByRole('heading', { name: 'Sign in', exact: true })).toBeVisible();
  await expect(plain.getByRole('button', { name: /Sign in with (Ethereum|Solana)/ })).toHaveCount(0);
  await noScript.close();
});

test('a forged signature is refused by the auth server, and nobody is signed in', async ({ page }) => {
  // The wallet names one address and signs with another key.
  const seed = freshSeed();
  await installEthereumWallet(page, seed, seed + 1000);
  await openSignIn(page);
  await page.getByRole('button', { name: 'Sign in with Ethereum' }).click();
  await expect(page.getByRole('alert')).toContainText("The wallet's signature was not accepted.");
  await page.goto(at('/'));
  await expectSignedOut(page);
});

test("another site's message and a stale one are refused by the auth server", async ({ browser }) => {
  // Well-formed for the app (this browser's nonce), refused by local-auth.
  const context = await browser.newContext();
  const key = ethereumKey(freshSeed());
  const twentyMinutesAgo = new Date(Date.now() - 20 * 60 * 1000);
  for (const [uri, issued] of [
    ['https://evil.example', new Date()],
    [SITE.origin, twentyMinutesAgo],
  ] as const) {
    const message = signInMessage('ethereum', key.address, uri, await nonceFor(context.request), issued);
    const response = await postSigned(context.request, 'ethereum', message, key.sign(message));
    expect(response.status()).toBe(422);
    expect(await response.text()).toContain('WalletRefused');
  }
  const solana = solanaKey(freshSeed());
  const old = signInMessage('solana', solana.address, SITE.origin, await nonceFor(context.request), twentyMinutesAgo);
  const response = await postSigned(context.request, 'solana', old, solana.sign(old));
  expect(await response.text()).toContain('WalletRefused');
  expect((await context.cookies()).filter((cookie) => cookie.name.includes('auth-token'))).toEqual([]);
  await context.close();
});

test('a signed message that signed in once is refused by the app when replayed', async ({ page, browser }) => {
  const wallet = await installEthereumWallet(page, freshSeed());
  await openSignIn(page);
  await page.getByRole('button', { name: 'Sign in with Ethereum' }).click();
  await expect(page).toHaveURL(at('/protected'));

  // Someone who saw the message and its signature (still valid for the auth server) tries them:
  // their browser holds no such nonce.
  const thief = await browser.newContext();
  const [{ message, signature }] = wallet.signed;
  const replayed = await postSigned(thief.request, 'ethereum', message, signature);
  expect(replayed.status()).toBe(422);
  expect(await replayed.text()).toContain('WalletRefused');
  // Nor does copying the nonce into their cookie help: the message was used.
  const nonce = /Nonce: (\S+)/.exec(message)?.[1] ?? '';
  await thief.addCookies([{ name: 'wallet-nonce', value: nonce, url: SITE.origin }]);
  const copied = await postSigned(thief.request, 'ethereum', message, signature);
  expect(copied.status()).toBe(422);
  expect(await copied.text()).toContain('WalletMessageUsed');
  expect((await thief.cookies()).filter((cookie) => cookie.name.includes('auth-token'))).toEqual([]);
  await thief.close();
});
