// Renders every page, light and dark, into test-results/screenshots/ so a person can look at
// them after a run, and writes the README's two pictures into docs/screenshots/, so they show
// the pages as they are. Each shot also checks that the page shows its main heading.
import { expect, test } from './fixtures/test';

// The README's pictures, by the name of the shot they are.
const forReadme: Record<string, string> = {
  'home-light': '../docs/screenshots/home.png',
  'auth-login-dark': '../docs/screenshots/sign-in-dark.png',
};

const pages: [string, string][] = [
  ['/', 'Leptos + Supabase Auth'],
  ['/auth/login', 'Sign in'],
  ['/auth/sign-up', 'Create an account'],
  ['/auth/sign-up-success', 'Check your email'],
  ['/auth/otp?email=ada%40example.com', 'Enter your code'],
  ['/auth/phone', 'Sign in with your phone'],
  ['/auth/phone?phone=%2B15550102030', 'Sign in with your phone'],
  ['/auth/forgot-password', 'Reset your password'],
  ['/auth/update-password', 'Choose a new password'],
  ['/auth/error?code=otp_expired', 'That did not work'],
];

for (const scheme of ['light', 'dark'] as const) {
  for (const [path, heading] of pages) {
    test(`screenshot of ${path} (${scheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: 420, height: 900 });

      await page.goto(path);

      await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      // Islands hydrated first: the picture shows the page as a visitor sees it, and the README
      // shot's text below is rewritten only once hydration no longer reads the server's nodes
      // (rewritten before, the health island's lazy hydration finds them changed and panics).
      await expect(page.locator('html[data-hydrated]')).toBeAttached();
      const name = path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'home';
      await page.screenshot({ path: `test-results/screenshots/${name}-${scheme}.png`, fullPage: true });
      const readme = forReadme[`${name}-${scheme}`];
      if (readme) {
        // The server's uptime is the one thing that differs from run to run: fixed, so an
        // unchanged page leaves the picture unchanged.
        await page
          .locator('.health-status[data-state="up"]')
          .evaluateAll((lines) =>
            lines.forEach((line) => {
              line.textContent = (line.textContent ?? '').replace(/running for \d+ s/, 'running for 12 s');
            }),
          );
        await page.screenshot({ path: readme, fullPage: true });
      }
    });
  }
}
