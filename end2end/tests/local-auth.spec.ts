import { expect, test } from './fixtures/test';

// The server starts local-auth in-process when no Supabase project is configured.
const authUrl = process.env.E2E_AUTH_URL ?? 'http://127.0.0.1:24321/auth/v1';
const mailboxUrl = process.env.E2E_MAILBOX_URL ?? 'http://127.0.0.1:24324';

test('the embedded local-auth publishes its ES256 signing key', async ({ request }) => {
  const response = await request.get(`${authUrl}/.well-known/jwks.json`);

  expect(response.status()).toBe(200);
  const jwks = (await response.json()) as { keys: { alg: string; kid: string }[] };
  expect(jwks.keys).toHaveLength(1);
  expect(jwks.keys[0].alg).toBe('ES256');
});

test('the embedded local-auth refuses API calls without a key', async ({ request }) => {
  const response = await request.get(`${authUrl}/settings`);

  expect(response.status()).toBe(401);
  expect(await response.json()).toMatchObject({ message: 'No API key found in request' });
});

test('the development mailbox is served beside the app', async ({ page }) => {
  await page.goto(mailboxUrl);

  await expect(page.getByRole('heading', { name: 'Mailbox' })).toBeVisible();
});

test('a page that just sent mail links the development mailbox', async ({ page }) => {
  await page.goto('/auth/sign-up-success');

  await expect(page.getByTestId('dev-mailbox').getByRole('link')).toHaveAttribute('href', mailboxUrl);
});
