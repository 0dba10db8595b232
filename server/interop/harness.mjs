// Starts the server binary (with its embedded local-auth) on free ports and a fresh data
// directory, and helps act as a browser: cookies from Set-Cookie headers, mail from the mailbox.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const binary = process.env.SERVER_BIN ?? join(root, 'target/debug/server');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts the app; resolves once it serves pages. */
export async function startApp() {
  const [appPort, apiPort, mailboxPort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'ssr-interop-'));
  const child = spawn(binary, [], {
    cwd: root,
    env: {
      ...process.env,
      NO_COLOR: '1',
      NO_DOTENV: '1',
      RUST_LOG: 'info',
      LEPTOS_OUTPUT_NAME: 'app',
      LEPTOS_SITE_ROOT: 'target/site',
      LEPTOS_SITE_ADDR: `127.0.0.1:${appPort}`,
      LOCAL_AUTH_API_ADDR: `127.0.0.1:${apiPort}`,
      LOCAL_AUTH_MAILBOX_ADDR: `127.0.0.1:${mailboxPort}`,
      LOCAL_AUTH_DATA_DIR: dataDir,
      LOCAL_AUTH_BCRYPT_COST: '4',
      LOCAL_AUTH_EMAIL_MAX_FREQUENCY: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk) => (output += chunk.toString());
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let running = true;
  const exited = new Promise((_, reject) =>
    child.once('exit', (code) => {
      running = false;
      reject(new Error(`the server exited with ${code}:\n${output}`));
    }),
  );
  const app = `http://127.0.0.1:${appPort}`;
  // Polls until the app answers; stops when the server has exited, so a failed start ends the
  // suite instead of keeping it alive.
  const ready = (async () => {
    while (running) {
      try {
        if ((await fetch(`${app}/auth/error`)).ok) return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  })();
  await Promise.race([ready, exited]);
  const supabaseUrl = `http://127.0.0.1:${apiPort}`;
  return {
    app,
    supabaseUrl,
    mailbox: `http://127.0.0.1:${mailboxPort}`,
    publishableKey: publishableKeyFrom(output),
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function publishableKeyFrom(output) {
  const found = output.match(/publishable key: (\S+)/);
  if (!found) throw new Error(`the server did not print its publishable key:\n${output}`);
  return found[1];
}

/** The text of the newest mail to `address`. */
export async function latestMail(app, address) {
  const list = await (await fetch(`${app.mailbox}/api/v1/messages`)).json();
  const summary = list.messages.find((message) => message.To[0].Address === address);
  if (!summary) throw new Error(`no mail to ${address}`);
  return (await (await fetch(`${app.mailbox}/api/v1/message/${summary.ID}`)).json()).Text;
}

/** The first link in `text`. */
export function linkIn(text) {
  return text.split('\n').find((line) => line.startsWith('http'));
}

/** A browser's cookie jar: fed by Set-Cookie headers, sent as a Cookie header. */
export class Jar {
  cookies = new Map();

  /** Applies the Set-Cookie headers of `response`; returns them. */
  take(response) {
    const lines = response.headers.getSetCookie();
    for (const line of lines) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = decodeURIComponent(pair.slice(at + 1));
      const expired = attributes.some((attribute) => /^max-age=0$/i.test(attribute));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return lines;
  }

  /** Applies cookies in the shape @supabase/ssr's `setAll` receives. */
  setAll(cookies) {
    for (const { name, value, options } of cookies) {
      if (options?.maxAge === 0 || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The cookies in the shape @supabase/ssr's `getAll` returns. */
  getAll() {
    return [...this.cookies].map(([name, value]) => ({ name, value }));
  }

  /** The Cookie header. */
  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ');
  }

  /** Names of the cookies that start with `prefix`. */
  names(prefix) {
    return [...this.cookies.keys()].filter((name) => name.startsWith(prefix)).sort();
  }
}
