import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

const baseURL = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3000';
// A server already running at the URLs is used; in CI a fresh one is started, unless the caller
// started it on purpose (`cargo xtask test`'s production smoke sets E2E_REUSE_SERVER).
const reuseExistingServer = !process.env.CI || !!process.env.E2E_REUSE_SERVER;

// The test servers' local-auth listens below Linux's ephemeral port range (32768-60999), where a
// client socket of any test could already hold the port; the fixtures read these too. Against a
// server you started yourself (`cargo leptos watch --split`: 54321 and 54324), set them to its addresses.
process.env.E2E_AUTH_URL ??= 'http://127.0.0.1:24321/auth/v1';
process.env.E2E_MAILBOX_URL ??= 'http://127.0.0.1:24324';
const authAddr = new URL(process.env.E2E_AUTH_URL).host;
const mailboxAddr = new URL(process.env.E2E_MAILBOX_URL).host;
/** The second server (HttpOnly cookies): off cargo-leptos's live-reload port 3001. */
export const HTTP_ONLY_URL = 'http://127.0.0.1:3002';

// The distribution's Chromium where there is one (`cargo xtask test` installs it on Debian and
// Ubuntu, where Playwright cannot always download its own); elsewhere Playwright's bundled browser.
const systemChromium =
  process.env.CHROMIUM_PATH ??
  ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

const launchOptions = {
  executablePath: systemChromium,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

// local-auth settings for the tests: several mails and texts to one address within seconds, and
// passwords need a letter and a digit. Roles come from the database, as on a project (the roles
// hook in supabase/config.toml, which needs LOCAL_AUTH_DATABASE_URL). Its rate limits are
// upstream's defaults: the app trusts `x-forwarded-for` as a proxy's, and the test fixture
// gives each test's browser an address of its own (fixtures/test.ts), which the app forwards
// with the secret key as on a project. The app's own per-client attempt limit is raised for the
// contexts a test makes by hand, which share 127.0.0.1 (the Rust tests cover that limit).
const testAuthSettings = {
  TRUSTED_PROXY_IP_HEADER: 'x-forwarded-for',
  AUTH_ATTEMPTS_PER_CLIENT: '100000',
  NO_DOTENV: '1',
  LOCAL_AUTH_EMAIL_MAX_FREQUENCY: '0',
  LOCAL_AUTH_SMS_MAX_FREQUENCY: '0',
  LOCAL_AUTH_MFA_PHONE_MAX_FREQUENCY: '0',
  // Password rules on, so the forms' sentences for a refused password are tested.
  LOCAL_AUTH_PASSWORD_REQUIREMENTS: 'letters_digits',
  // Single sign-on, with the development provider for one domain (sso.spec.ts).
  LOCAL_AUTH_SAML_ENABLED: 'true',
  LOCAL_AUTH_SAML_DEV_DOMAINS: 'sso.example.test',
  // Clerk's tokens trusted too, local-auth's development issuer standing in (third-party.spec.ts).
  LOCAL_AUTH_THIRD_PARTY_AUTH: 'clerk:clerk.example.test',
  // The example OAuth client registers itself, as an MCP client does (oauth-server.spec.ts).
  LOCAL_AUTH_OAUTH_SERVER_ALLOW_DYNAMIC_REGISTRATION: 'true',
};

/** The same build with HttpOnly session cookies, its own local-auth and data (http-only.spec.ts),
 * and CAPTCHA on (captcha.spec.ts, a wallet sign-in among them): hCaptcha's documented test site key and secret, whose test
 * answer the widget stub of fixtures/test.ts gives. */
const httpOnlyServer = {
  command: process.env.E2E_SERVER_COMMAND ?? 'target/debug/server',
  cwd: '..',
  url: HTTP_ONLY_URL,
  reuseExistingServer,
  timeout: 10 * 60_000,
  stdout: 'pipe' as const,
  env: {
    ...process.env,
    ...testAuthSettings,
    LEPTOS_SITE_ADDR: new URL(HTTP_ONLY_URL).host,
    AUTH_COOKIE_HTTP_ONLY: 'true',
    LOCAL_AUTH_API_ADDR: '127.0.0.1:24331',
    LOCAL_AUTH_MAILBOX_ADDR: '127.0.0.1:24334',
    LOCAL_AUTH_DATA_DIR: 'target/e2e-http-only-auth',
    CAPTCHA_PROVIDER: 'hcaptcha',
    CAPTCHA_SITE_KEY: '10000000-ffff-ffff-ffff-000000000001',
    LOCAL_AUTH_CAPTCHA_PROVIDER: 'hcaptcha',
    LOCAL_AUTH_CAPTCHA_SECRET: '0x0000000000000000000000000000000000000000',
    // Its localhost twin, where wallets sign (captcha.spec.ts).
    LOCAL_AUTH_ADDITIONAL_REDIRECT_URLS: 'http://localhost:3002/**',
  } as Record<string, string>,
};

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  // In CI a test that fails is run once more; one that then passes is reported as flaky, and
  // `cargo xtask test` names its failed attempt under the Playwright step.
  retries: process.env.CI ? 1 : 0,
  workers: process.env.CI ? 2 : undefined,
  reporter: 'list',
  use: {
    baseURL,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: { ...devices['Desktop Chrome'], launchOptions },
    },
    {
      // The same auth flows as plain HTML forms: every page must work before the WASM arrives.
      name: 'chromium-no-js',
      testMatch: /(^|\/)(auth|oauth|oauth-server|sso|third-party|account|guest|phone|mfa-phone|admin|notes)\.spec\.ts$/,
      use: { ...devices['Desktop Chrome'], launchOptions, javaScriptEnabled: false },
    },
  ],
  webServer: [
    {
      // `cargo xtask test` builds the site first and names the built binary here; on its own,
      // `npx playwright test` builds and serves with cargo-leptos (or reuses a running `cargo leptos watch --split`).
      command: process.env.E2E_SERVER_COMMAND ?? 'cargo leptos serve --split',
      cwd: '..',
      url: baseURL,
      reuseExistingServer,
      timeout: 10 * 60_000,
      stdout: 'pipe',
      env: {
        ...process.env,
        ...testAuthSettings,
        LOCAL_AUTH_API_ADDR: authAddr,
        LOCAL_AUTH_MAILBOX_ADDR: mailboxAddr,
        // The suite's users and mails stay out of the store `cargo xtask dev` shows.
        LOCAL_AUTH_DATA_DIR: 'target/e2e-auth',
      } as Record<string, string>,
    },
    // Not beside a production folder started by hand (`cargo xtask test`'s smoke path), whose
    // suite needs only it.
    ...(process.env.E2E_REUSE_SERVER ? [] : [httpOnlyServer]),
  ],
});
