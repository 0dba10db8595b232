import { expect, test } from './fixtures/test';

test('the home page arrives rendered by the server', async ({ request }) => {
  const response = await request.get('/');

  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('text/html');
  const html = await response.text();
  // The name comes from app/src/site.rs; Leptos marks text from an expression with `<!>`.
  expect(html).toMatch(/<h1>Leptos \+ Supabase Auth(<!>)?<\/h1>/);
  expect(html).toMatch(/Up · version \d+\.\d+\.\d+ · running for \d+ s/);
  expect(html).toContain('Getting started');
  expect(html).toContain(`href="${process.env.E2E_MAILBOX_URL}"`);
  expect(html).toContain('The server sees no session: you are not signed in.');
});

test('the home page hydrates', async ({ homePage }) => {
  await homePage.goto();

  await homePage.expectHydrated();
  await expect(homePage.heading).toHaveText('Leptos + Supabase Auth');
});

test('checking the server again makes a round trip to the server function', async ({ homePage }) => {
  await homePage.goto();
  await homePage.expectHydrated();
  await expect(homePage.checks).toHaveAttribute('data-checks', '0');

  const response = await homePage.checkServer();

  expect(response.status()).toBe(200);
  const health = (await response.json()) as { version: string; uptime_secs: number };
  await expect(homePage.healthStatus).toHaveText(
    `Up · version ${health.version} · running for ${health.uptime_secs} s`,
  );
  await expect(homePage.checks).toHaveAttribute('data-checks', '1');
  await expect(homePage.page).toHaveURL('/');
});

test('a script injected into the page does not run', async ({ homePage, page, cspViolations }) => {
  test.info().annotations.push({ type: 'csp-violation-expected', description: 'the injection' });
  await homePage.goto();
  await homePage.expectHydrated();

  const ran = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__injected = true;';
    document.head.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });

  expect(ran).toBe(false);
  await expect.poll(() => cspViolations.join('\n')).toContain('script-src');
});
