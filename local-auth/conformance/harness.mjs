// Starts the local-auth binary on free ports with a fresh data directory, and reads its mailbox.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthClient } from '@supabase/auth-js';

const binary = process.env.LOCAL_AUTH_BIN ?? new URL('../../target/debug/local-auth', import.meta.url).pathname;

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

/** Starts local-auth with `env` added to its configuration; resolves once it serves. */
export async function startLocalAuth(env = {}) {
  const [apiPort, mailboxPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'local-auth-'));
  const child = spawn(binary, [], {
    env: {
      ...process.env,
      NO_COLOR: '1',
      RUST_LOG: 'info',
      LOCAL_AUTH_API_ADDR: `127.0.0.1:${apiPort}`,
      LOCAL_AUTH_MAILBOX_ADDR: `127.0.0.1:${mailboxPort}`,
      LOCAL_AUTH_DATA_DIR: dataDir,
      LOCAL_AUTH_BCRYPT_COST: '4',
      LOCAL_AUTH_EMAIL_MAX_FREQUENCY: '0',
      LOCAL_AUTH_EMAIL_LINKS: 'verify',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keys = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk.toString().replace(/\x1b\[[0-9;]*m/g, '');
      const publishable = output.match(/publishable key: (\S+)/);
      const secret = output.match(/secret key: +(\S+)/);
      if (publishable && secret) resolve({ publishable: publishable[1], secret: secret[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`local-auth exited with ${code}:\n${output}`)));
  });
  const url = `http://127.0.0.1:${apiPort}/auth/v1`;
  const mailbox = `http://127.0.0.1:${mailboxPort}`;
  return {
    url,
    mailbox,
    publishableKey: keys.publishable,
    secretKey: keys.secret,
    /** A client configured like an app's: the publishable key, an in-memory session store. */
    client(options = {}) {
      const store = new Map();
      return new AuthClient({
        url,
        headers: { apikey: keys.publishable, Authorization: `Bearer ${keys.publishable}` },
        autoRefreshToken: false,
        persistSession: true,
        storage: {
          getItem: (key) => store.get(key) ?? null,
          setItem: (key, value) => store.set(key, value),
          removeItem: (key) => store.delete(key),
        },
        ...options,
      });
    },
    /** A client for the admin API: the secret key as `apikey` and bearer, as a server uses it. */
    adminClient() {
      return new AuthClient({
        url,
        headers: { apikey: keys.secret, Authorization: `Bearer ${keys.secret}` },
        autoRefreshToken: false,
        persistSession: false,
      });
    },
    /**
     * What a browser does from a provider URL (as signInWithOAuth or linkIdentity return it):
     * follows /authorize to the development identity provider, submits its form as `who`
     * (approving or denying), follows /callback; returns the URL it finally lands on in the app.
     */
    async throughProvider(providerUrl, who, approve = true) {
      let location = providerUrl;
      if (location.startsWith(`${url}/authorize`)) {
        location = (await fetch(location, { redirect: 'manual' })).headers.get('location');
      }
      const page = await fetch(location);
      if (!page.ok || !(await page.text()).includes('name="email"')) {
        throw new Error(`no sign-in page at ${location}`);
      }
      const form = new URLSearchParams();
      for (const [key, value] of new URL(location).searchParams) {
        if (['provider', 'state', 'redirect_uri', 'scope'].includes(key)) form.set(key, value);
      }
      form.set('email', who);
      form.set('name', 'Octo Cat');
      form.set('decision', approve ? 'approve' : 'deny');
      const decided = await fetch(location, { method: 'POST', body: form, redirect: 'manual' });
      const callback = await fetch(decided.headers.get('location'), { redirect: 'manual' });
      return new URL(callback.headers.get('location'));
    },
    /** The newest message to `address`: its subject, text, code and link. */
    async latestMail(address) {
      const list = await (await fetch(`${mailbox}/api/v1/messages`)).json();
      const summary = list.messages.find((message) => message.To[0].Address === address);
      if (!summary) throw new Error(`no mail to ${address}`);
      const message = await (await fetch(`${mailbox}/api/v1/message/${summary.ID}`)).json();
      const code = message.Text.match(/(?:enter the code: |Your code is )(\d+)/)?.[1];
      const link = message.Text.split('\n').find((line) => line.startsWith('http'));
      return { subject: message.Subject, text: message.Text, code, link };
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh address per test. */
export function email(name) {
  return `${name}-${crypto.randomUUID()}@example.com`;
}

/** The current 6-digit TOTP code of a base32 `secret` (RFC 6238: SHA-1, 30-second steps). */
export function totp(secret, unix = Date.now() / 1000) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of secret.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unix / 30)));
  const digest = createHmac('sha1', key).update(counter).digest();
  const offset = digest[digest.length - 1] & 0xf;
  const value = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}
