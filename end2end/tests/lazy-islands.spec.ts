// The islands that only some pages show are lazy: each is a WASM chunk of its own, fetched by the
// pages that show it and by no other (`cargo leptos … --split`; see app/src/loader.js).
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures/test';
import { confirmedUser } from './fixtures/auth';

/** The chunks of lazy islands a page fetches, by island (`split_<island>_loader_…`). */
function lazyIslandsFetched(page: Page): string[] {
  const islands: string[] = [];
  page.on('request', (request) => {
    const name = new URL(request.url()).pathname.split('/').pop() ?? '';
    const island = /^split_(.+)_loader_\d+\./.exec(name)?.[1];
    if (island) islands.push(island);
  });
  return islands;
}

async function visit(page: Page, path: string, fetched: string[]): Promise<string[]> {
  fetched.length = 0;
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  return [...new Set(fetched)].sort();
}

test('each page fetches the chunks of the lazy islands it shows, and no others', async ({
  page,
  request,
}) => {
  const fetched = lazyIslandsFetched(page);

  // The session sync and the submit buttons are in the bundle every page loads; passkeys are on
  // (`[auth.passkey]` in supabase/config.toml), so the sign-in page has that island too. Wallets
  // are on as well, but this browser has none, so the wallet island's chunk is not fetched.
  expect(await visit(page, '/auth/login', fetched)).toEqual(['passkey_sign_in']);
  expect(await visit(page, '/auth/sign-up', fetched)).toEqual([]);
  expect(await visit(page, '/', fetched)).toEqual(['health_panel']);

  await confirmedUser(page, request, 'lazy-islands');
  expect(await visit(page, '/protected', fetched)).toEqual(['browser_check']);
  expect(await visit(page, '/account', fetched)).toEqual([
    'add_authenticator',
    'add_passkey',
    'add_security_key',
  ]);
  await page.goto('/notes');
  await page.getByLabel('New note').fill('lazy');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByTestId('note')).toHaveCount(1);
  expect(await visit(page, '/notes', fetched)).toEqual(['note_text']);
  // The chunk's island is live: "Edit" appears only once it hydrates.
  await expect(page.getByRole('button', { name: 'Edit' })).toBeVisible();
});

test('a lazy island whose chunk cannot be fetched stays as the server rendered it', async ({
  homePage,
  page,
}) => {
  test.info().annotations.push({ type: 'page-errors-expected', description: 'the lost chunk' });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.route(/\/split_health_panel_loader_[^/]*\.wasm$/, (route) => route.abort());

  await homePage.goto();

  // The page says why, and keeps what the server rendered: "Check again" is a plain form then,
  // posted by the browser, and the server sends it back to the page, checked again.
  await expect.poll(() => errors.join('\n')).toContain('Failed to fetch');
  await expect(homePage.healthStatus).toHaveText(/Up · version/);
  await Promise.all([
    page.waitForRequest((request) => request.url().endsWith('/api/health') && request.method() === 'POST'),
    homePage.checkAgain.click(),
  ]);
  await expect(page).toHaveURL(/\/\??$/);
  await expect(homePage.healthStatus).toHaveText(/Up · version/);
});
