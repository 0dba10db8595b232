// The driver of `cargo xtask bench`: starts the release server (embedded local-auth, and the
// PostgreSQL `cargo xtask bench` started as DATABASE_URL), creates a confirmed user with ten notes
// through the app's own forms, loads the pages with wrk at 32 connections, samples
// the server's memory, loads /auth/login cold in headless Chromium, then prints the figures against
// the budgets and writes them to BENCHMARKS.md; exits with 1 when a budget is missed, so a
// regression shows the day it lands (not in CI, which must not time things).
//
// Environment: SERVER_BIN (release server), SITE_ROOT (its site), SESSION_FIGURES (JSON from
// `cargo bench -p server --bench session`), BENCHMARKS_MD (where to write), POSTGRES_PID_FILE (the
// cluster's postmaster.pid, for its CPU time), CHROMIUM_PATH (optional).

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';

/** What the figures say beyond the table, kept with them in BENCHMARKS.md. */
const NOTES = `
## How the figures were reached

Where the bytes of a cold \`/auth/login\` go: almost all of it is WASM. Hydrating the whole app
made it 367 KB with brotli (Leptos's reactive graph, views, router and server-function encodings
instantiated for every page's types), so the app runs in islands mode, where the bundle holds only
the \`#[island]\` components: 156 KB with brotli when every island was in it. Now the islands only
some pages show are lazy (\`#[island(lazy)]\`, built with \`cargo leptos --split\`): each is a chunk
its page fetches as it hydrates, and the bundle every page loads holds the runtime, \`SessionSync\`
(on every page) and the submit buttons (on every form): 72 KB. Making those two lazy as well was
measured and is worse: the bundle falls to 47 KB, but \`wasm-split\` gives the code they share with
the other islands chunks of its own, and \`/auth/login\` then fetches 24 files, 103 KB of JS and
WASM against 81 KB now. The lazy chunks overlap (a page's own islands are 40–70 KB of chunks, of
which each island's own code is 2–22 KB), so a page with one is about as heavy as the one bundle was;
the sign-in page, the first page of most visits, is what fell. Islands call their server functions directly rather than
through \`ServerAction\`/\`ActionForm\`, which saved another 10 KB. The page's own script
(\`app/src/loader.js\`, in place of Leptos's \`<HydrationScripts islands>\`) starts fetching and
compiling the bundle from the top of \`<head>\` and hydrates at \`DOMContentLoaded\`; Leptos's script
waits for the stylesheet, the document and then an idle moment (medians of 220–300 ms to hydration
with it, 128 and 130 ms in two runs with this one; single loads on this 2-core machine range from
about 90 to 300 ms with what else the machine is doing). On the server, a profile of \`/auth/login\` under load showed glibc's \`malloc\` and \`free\`
at a quarter of the time: the server binary uses mimalloc, and \`AuthSessions\` (cloned several times
per request) is a single \`Arc\`; together they took \`/protected\` from about 6,300 to 10,500
requests/s and its p99 from 11–13 ms to 7–8 ms, for 8 MiB more resident memory.

Where \`/notes\` loses to its floor: not in the data path, which stands at 0.9–0.98 of the floor
without the page (\`POST /api/notes/list\`: session, one round trip, JSON). The floor adds
\`/protected\`'s cost to the statement's under pgbench, each measured alone; the table of CPU per
request above shows that beside each other both cost more: PostgreSQL spends more per statement
under the page's load than under pgbench's, and the server more per page than \`/protected\` plus
the query. Two experiments on a profiling build (no LTO, frame pointers; not kept) separate the
parts: the page with its query but nothing of the answer rendered served 2,171–2,193 requests/s
against a floor of about 3,550 (0.62), with 430–441 µs of server time per request against 229 for
\`/protected\`; the same page waiting on a future that wakes at once instead of the query served
8,464–9,334 (suspending the render costs nothing). So the query alone, under load on the same two
cores, costs the page more than the floor counts for it, before a single note is rendered: the
same render code (Leptos's Suspense, the allocator) takes two to three times the CPU beside
PostgreSQL's 16 backends as beside none. A page that lists the notes cannot reach 0.9 of this floor
on this machine. What did help: one round trip instead of four (1,708 → 2,001 requests/s); page data
as a \`Suspend\` read once instead of an \`AsyncDerived\` read in a closure, which built the ten
notes' views twice (about 5 % of server time, half of what the ten notes' views took); the note editor's state created only in the browser;
plain forms for the ten delete buttons.
`;
import { cpus, freemem, totalmem, tmpdir, release } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium } from '@playwright/test';

const CONNECTIONS = 32;
const SECONDS = 10;
const COLD_LOADS = 5;
const BROWSER_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
// What a browser sends: the server compresses pages only for clients that accept it.
const ACCEPT_ENCODING = 'gzip, deflate, br';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run this through \`cargo xtask bench\`)`);
  return value;
};

/** A free TCP port on 127.0.0.1. */
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

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sorted = (values) => [...values].sort((a, b) => a - b);
/** The middle value of sorted `values`. */
const median = (values) => values[Math.floor(values.length / 2)];

/**
 * Waits until `url` answers 200, polling every `everyMs`, while `child` runs (30 s at most);
 * milliseconds from `started` to that answer.
 */
async function firstAnswer(child, url, started, everyMs) {
  while (performance.now() - started < 30000) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const answered = await fetch(url).then((response) => response.ok, () => false);
    if (answered) return performance.now() - started;
    await sleep(everyMs);
  }
  throw new Error(`${url} did not answer within 30 s`);
}

/** Starts the folder's server with its own embedded local-auth; resolves once it answers. */
async function startServer(dataDir) {
  const [app, api, mailbox] = [await freePort(), await freePort(), await freePort()];
  const started = performance.now();
  const child = spawn(env('SERVER_BIN'), [], {
    env: {
      ...process.env,
      LEPTOS_SITE_ADDR: `127.0.0.1:${app}`,
      LEPTOS_SITE_ROOT: env('SITE_ROOT'),
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_OUTPUT_NAME: 'app',
      LEPTOS_HASH_FILES: 'true',
      LEPTOS_ENV: 'PROD',
      NO_DOTENV: '1',
      // The release build is measured with its embedded auth server, all from 127.0.0.1.
      LOCAL_AUTH_IN_PRODUCTION: 'true',
      AUTH_ATTEMPTS_PER_CLIENT: '100000',
      // Warnings, and the line naming the embedded local-auth's publishable key.
      RUST_LOG: 'warn,server::auth::backend=info',
      NO_COLOR: '1',
      LOCAL_AUTH_API_ADDR: `127.0.0.1:${api}`,
      LOCAL_AUTH_MAILBOX_ADDR: `127.0.0.1:${mailbox}`,
      LOCAL_AUTH_DATA_DIR: dataDir,
      LOCAL_AUTH_EMAIL_MAX_FREQUENCY: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const server = {
    child,
    app: `http://127.0.0.1:${app}`,
    auth: `http://127.0.0.1:${api}`,
    mailbox: `http://127.0.0.1:${mailbox}`,
  };
  child.stdout.on('data', (chunk) => {
    const text = chunk.toString();
    server.publishableKey ??= /publishable key: (\S+)/.exec(text)?.[1];
    for (const line of text.split('\n')) {
      if (line.trim() && !/\bINFO\b/.test(line)) process.stderr.write(`${line}\n`);
    }
  });
  await firstAnswer(child, `${server.app}/`, started, 100);
  return server;
}

const PRODUCTION_STARTS = 5;

/**
 * The folder's server started as production starts it (`LEPTOS_ENV=PROD`, no embedded local-auth:
 * `SUPABASE_URL` names the running one), PRODUCTION_STARTS times: milliseconds from each start to
 * its first answer, sorted.
 */
async function productionStarts(server) {
  if (!server.publishableKey) throw new Error('the server did not name its publishable key');
  const times = [];
  for (let run = 0; run < PRODUCTION_STARTS; run++) {
    const address = `127.0.0.1:${await freePort()}`;
    const started = performance.now();
    const child = spawn(env('SERVER_BIN'), [], {
      env: {
        PATH: process.env.PATH,
        LEPTOS_ENV: 'PROD',
        LEPTOS_HASH_FILES: 'true',
        LEPTOS_SITE_ROOT: env('SITE_ROOT'),
        LEPTOS_SITE_ADDR: address,
        SUPABASE_URL: server.auth,
        SUPABASE_PUBLISHABLE_KEY: server.publishableKey,
        SITE_URL: `http://${address}`,
        NO_DOTENV: '1',
        RUST_LOG: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    try {
      times.push(await firstAnswer(child, `http://${address}/`, started, 2));
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    }
  }
  return sorted(times);
}

/** `name=value` pairs of the response's Set-Cookie headers (deletions left out). */
function setCookies(response) {
  return response.headers.getSetCookie()
    .filter((line) => !/max-age=0/i.test(line))
    .map((line) => line.split(';')[0]);
}

/** Signs up through the app's form, confirms through the mailed link; returns the Cookie header. */
async function confirmedUser(server, email, password) {
  const signUp = await fetch(`${server.app}/api/auth/sign-up`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.app },
    body: new URLSearchParams({ email, password, password_repeat: password }),
  });
  if (signUp.status >= 400) throw new Error(`sign-up answered ${signUp.status}`);
  let link;
  for (let attempt = 0; attempt < 100 && !link; attempt++) {
    const list = await (await fetch(`${server.mailbox}/api/v1/messages`)).json();
    const mail = list.messages.find((message) => message.To[0].Address === email);
    if (mail) {
      const message = await (await fetch(`${server.mailbox}/api/v1/message/${mail.ID}`)).json();
      link = message.Text.split('\n').find((line) => line.startsWith('http'));
    } else {
      await sleep(50);
    }
  }
  if (!link) throw new Error('no confirmation mail arrived');
  const confirm = await fetch(link, { redirect: 'manual' });
  const cookies = setCookies(confirm);
  if (cookies.length === 0) throw new Error(`the confirmation link set no session (${confirm.status})`);
  return cookies.join('; ');
}

/** Adds `count` notes for the user of `cookie` through the notes form. */
async function addNotes(server, cookie, count) {
  for (let index = 0; index < count; index++) {
    const added = await fetch(`${server.app}/api/notes/add`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.app,
        accept: 'application/json',
        cookie,
      },
      body: new URLSearchParams({ body: `Benchmark note ${index + 1}` }),
    });
    if (added.status !== 200) throw new Error(`adding a note answered ${added.status}`);
  }
}

/** The session cookie's name and the session it holds (joined from its chunks). */
function sessionOf(cookieHeader) {
  const pairs = cookieHeader.split('; ').map((pair) => pair.split(/=(.*)/s, 2));
  const name = pairs[0][0].replace(/\.\d+$/, '');
  const chunks = pairs.filter(([key]) => key === name || key.startsWith(`${name}.`))
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  const encoded = chunks.map(([, value]) => decodeURIComponent(value)).join('');
  const session = JSON.parse(Buffer.from(encoded.replace(/^base64-/, ''), 'base64url').toString());
  return { pairs, name, session };
}

/** The claims of the session's access token, as JSON text (what the server passes as the user). */
function claimsOf(cookieHeader) {
  const { session } = sessionOf(cookieHeader);
  return Buffer.from(session.access_token.split('.')[1], 'base64url').toString();
}

/**
 * The same cookies with the session's `expires_at` in the past, as a browser holds them after
 * the access token expired: the server must refresh before it renders.
 */
function expiredSession(cookieHeader) {
  const { pairs, name, session } = sessionOf(cookieHeader);
  session.expires_at = Math.floor(Date.now() / 1000) - 60;
  const value = `base64-${Buffer.from(JSON.stringify(session)).toString('base64url')}`;
  // @supabase/ssr's chunk size; the server reads both one cookie and numbered chunks.
  const size = 3180;
  const parts = [];
  for (let offset = 0; offset < value.length; offset += size) parts.push(value.slice(offset, offset + size));
  const others = pairs.filter(([key]) => !(key === name || key.startsWith(`${name}.`)));
  const rewritten = parts.length === 1
    ? [[name, parts[0]]]
    : parts.map((part, index) => [`${name}.${index}`, part]);
  return [...others, ...rewritten].map(([key, value]) => `${key}=${value}`).join('; ');
}

const WRK_SCRIPT = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) expected = args[1]; ok = 0; other = 0 end
function response(status, headers, body)
  if status == 200 and (expected == nil or string.find(body, expected, 1, true)) then
    ok = ok + 1
  else
    other = other + 1
  end
end
function done(summary, latency, requests)
  local ok, other = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("ok"); other = other + thread:get("other")
  end
  io.write(string.format("answers-as-expected %d other %d\\n", ok, other))
end
`;

/** A wrk script that posts `body` as a form (the server function's call) and counts answers. */
const postScript = (body) => `
wrk.method = "POST"
wrk.body = ${JSON.stringify(body)}
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
${WRK_SCRIPT}`;

/**
 * Transactions per second of the SQL `script` under pgbench: 16 clients (the app's pool) as the
 * app's role, 2 threads, against the same database as the app: the database's own floor for it.
 * Also PostgreSQL's CPU time per transaction.
 */
function pgbench(server, script, seconds = SECONDS) {
  const file = join(server.dataDir, 'pgbench.sql');
  writeFileSync(file, script);
  const url = new URL(env('DATABASE_URL'));
  const before = cpuSeconds(server.child.pid);
  const output = execFileSync('pgbench', [
    '-n', '-c16', '-j2', `-T${seconds}`, '-f', file,
    '-h', url.hostname, '-p', url.port, '-U', decodeURIComponent(url.username), url.pathname.slice(1),
  ], { env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) } }).toString();
  const tps = /tps = ([\d.]+)/.exec(output);
  const done = /transactions actually processed: (\d+)/.exec(output);
  if (!tps || !done) throw new Error(`pgbench printed no tps:\n${output}`);
  return { tps: Number(tps[1]), postgresUs: cpuPer(before, cpuSeconds(server.child.pid), Number(done[1])).postgres };
}

/** Parses wrk's latency figures (`1.23ms`, `850.00us`, `1.02s`) into milliseconds. */
function ms(text) {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) return NaN;
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60000 }[match[2]];
  return Number(match[1]) * factor;
}

/**
 * Loads `url` for `seconds` (SECONDS) at CONNECTIONS connections; `expected` is text every answer
 * must contain.
 * Samples the server's RSS meanwhile.
 */
async function load(server, url, { cookie, expected, seconds = SECONDS, post } = {}) {
  let script = server.wrkScript;
  if (post !== undefined) {
    script = join(server.dataDir, 'post.lua');
    writeFileSync(script, postScript(post));
  }
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script,
    '-H', `Accept-Encoding: ${ACCEPT_ENCODING}`];
  if (post !== undefined) args.push('-H', `Origin: ${server.app}`);
  if (cookie) args.push('-H', `Cookie: ${cookie}`);
  args.push(url);
  if (expected) args.push('--', expected);
  let peakRss = 0;
  const cpuBefore = cpuSeconds(server.child.pid);
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssKiB(server.child.pid));
  }, 100);
  const output = await new Promise((resolve, reject) => {
    const wrk = spawn('wrk', args);
    let text = '';
    wrk.stdout.on('data', (chunk) => { text += chunk; });
    wrk.on('error', reject);
    wrk.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}`))));
  });
  clearInterval(sampler);
  const cpuAfter = cpuSeconds(server.child.pid);
  const field = (prefix) => output.split('\n').map((line) => line.trim())
    .find((line) => line.startsWith(prefix))?.slice(prefix.length).trim().split(/\s+/)[0];
  const answers = /answers-as-expected (\d+) other (\d+)/.exec(output);
  return {
    rate: Number(field('Requests/sec:')),
    p50: ms(field('50%')),
    p99: ms(field('99%')),
    expected: Number(answers[1]),
    other: Number(answers[2]),
    peakRssMiB: peakRss / 1024,
    cpuUs: cpuPer(cpuBefore, cpuAfter, Number(answers[1]) + Number(answers[2])),
  };
}

/** The resident set of `pid` in KiB. */
function rssKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Clock ticks per second of the times in \`/proc/<pid>/stat\`. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** The fields of \`/proc/<pid>/stat\` after the command name (field 3 on), or null. */
function procStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * CPU seconds spent so far by the server (\`pid\`) and by PostgreSQL: the postmaster, its live
 * backends, and the backends that have exited (which the postmaster has reaped into its own
 * children's times). \`postgres\` is null without POSTGRES_PID_FILE.
 */
function cpuSeconds(pid) {
  // Fields 14-17 of /proc/<pid>/stat (utime, stime, cutime, cstime) are at 11-14 here.
  const own = (fields) => Number(fields[11]) + Number(fields[12]);
  const server = own(procStat(pid) ?? []) / CLOCK_TICKS;
  const pidFile = process.env.POSTGRES_PID_FILE;
  if (!pidFile || !existsSync(pidFile)) return { server, postgres: null };
  const postmaster = readFileSync(pidFile, 'utf8').split('\n')[0].trim();
  const main = procStat(postmaster);
  if (!main) return { server, postgres: null };
  let ticks = own(main) + Number(main[13]) + Number(main[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = procStat(entry);
    if (fields?.[1] === postmaster) ticks += own(fields);
  }
  return { server, postgres: ticks / CLOCK_TICKS };
}

/** Microseconds of CPU per request between two \`cpuSeconds\` readings. */
function cpuPer(before, after, count) {
  const per = (key) => (before[key] === null || !count ? NaN : ((after[key] - before[key]) * 1e6) / count);
  return { server: per('server'), postgres: per('postgres') };
}

/** The refresh calls local-auth has answered so far (its request counters). */
async function refreshCalls(server) {
  const metrics = await (await fetch(`${server.mailbox}/metrics`)).text();
  const line = metrics.split('\n').find((entry) => entry.startsWith('local_auth_requests_total{')
    && entry.includes('route="/auth/v1/token"') && entry.includes('grant_type="refresh_token"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** The pages whose cold load is measured besides `/auth/login`, signed in or not. */
const COLD_PAGES = [
  { path: '/', signedIn: false },
  { path: '/protected', signedIn: true },
  { path: '/account', signedIn: true },
  { path: '/notes', signedIn: true },
];

/**
 * One cold load of `url` in a fresh context (cache disabled): the bytes on the wire by kind (the
 * WASM split into the bundle every page loads and the chunks of the page's lazy islands), and when
 * the app marked `<html data-hydrated>`, relative to navigation start.
 */
async function coldLoad(browser, url, cookie) {
  const context = await browser.newContext();
  if (cookie) {
    await context.addCookies(cookie.split('; ').map((pair) => {
      const [name, value] = pair.split(/=(.*)/s, 2);
      return { name, value, url };
    }));
  }
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const requests = new Map();
  cdp.on('Network.responseReceived', ({ requestId, type, response }) => {
    requests.set(requestId, { type, url: response.url, encoding: response.headers['content-encoding'] });
  });
  const bytes = { HTML: 0, JS: 0, WASM: 0, 'WASM chunks': 0, CSS: 0, other: 0 };
  const encodings = {};
  cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
    const request = requests.get(requestId);
    if (!request) return;
    const name = new URL(request.url).pathname.split('/').pop();
    const kind = request.type === 'Document' ? 'HTML'
      : name.endsWith('.wasm') ? (/^app[._]/.test(name) ? 'WASM' : 'WASM chunks')
        : name.endsWith('.js') ? 'JS'
          : name.endsWith('.css') ? 'CSS' : 'other';
    bytes[kind] += encodedDataLength;
    encodings[kind] = request.encoding ?? 'identity';
  });
  // Init scripts run before <html> exists, so the whole document is observed.
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.documentElement?.dataset.hydrated) {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
  });
  const response = await page.goto(url);
  if (!response.ok() || new URL(page.url()).pathname !== new URL(url).pathname) {
    throw new Error(`${url} answered ${response.status()} at ${page.url()}`);
  }
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 15000 });
  const hydratedMs = await page.evaluate(() => window.__hydratedAt);
  await page.waitForLoadState('networkidle');
  await context.close();
  return { bytes, encodings, hydratedMs };
}

/**
 * Cold loads: `/auth/login` COLD_LOADS times (bytes and hydration; its first load is also its row
 * in the pages' table), then each other page once.
 */
async function coldLoads(server, cookie) {
  const executablePath = process.env.CHROMIUM_PATH
    ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
  const browser = await chromium.launch({ executablePath, args: BROWSER_ARGS });
  try {
    const loads = [];
    for (let run = 0; run < COLD_LOADS; run++) loads.push(await coldLoad(browser, `${server.app}/auth/login`));
    const pages = [{ path: '/auth/login', signedIn: false, ...loads[0] }];
    for (const { path, signedIn } of COLD_PAGES) {
      pages.push({ path, signedIn, ...(await coldLoad(browser, `${server.app}${path}`, signedIn ? cookie : undefined)) });
    }
    const times = sorted(loads.map((entry) => entry.hydratedMs));
    return { ...loads[0], pages, hydrationTimes: times, hydratedMedianMs: median(times) };
  } finally {
    await browser.close();
  }
}

/** Where the figures come from. */
function machine() {
  const version = (command, args) => {
    try {
      return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim().split('\n')[0];
    } catch (error) {
      // `wrk -v` prints its version and exits with 1.
      return error.stdout?.trim().split('\n')[0] || 'unknown';
    }
  };
  return {
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free at start)`,
    kernel: release(),
    rustc: version('rustc', ['--version']),
    chromium: version(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version']),
    wrk: version('wrk', ['-v']).replace(/ \[.*/, ''),
    node: process.version,
  };
}

const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const kb = (bytes) => (bytes / 1000).toFixed(1);
const verdict = (ok) => (ok ? 'met' : '**missed**');
const calls = (count) => `${count} refresh call${count === 1 ? '' : 's'}`;

async function main() {
  const session = JSON.parse(readFileSync(env('SESSION_FIGURES'), 'utf8'));
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-local-auth-'));
  const server = await startServer(dataDir);
  server.wrkScript = join(dataDir, 'count.lua');
  server.dataDir = dataDir;
  writeFileSync(server.wrkScript, WRK_SCRIPT);
  try {
    const email = `bench-${Date.now()}@example.com`;
    const cookie = await confirmedUser(server, email, 'benchmark-password');
    // Warm up the page caches and the JIT-free paths once, then measure.
    await fetch(`${server.app}/protected`, { headers: { cookie } });

    const home = await load(server, `${server.app}/`);
    const login = await load(server, `${server.app}/auth/login`);
    const refreshesBefore = await refreshCalls(server);
    const signedIn = await load(server, `${server.app}/protected`, { cookie, expected: email });
    const refreshesSignedIn = (await refreshCalls(server)) - refreshesBefore;
    await addNotes(server, cookie, 10);
    // The app opens its database connections as load arrives (up to 16): open them first, so the
    // figures are the steady state's (the first second otherwise waits on connection set-up).
    await load(server, `${server.app}/notes`, { cookie, seconds: 2 });
    const notes = await load(server, `${server.app}/notes`, { cookie, expected: 'Benchmark note 10' });
    // The same read without the page: the server function `list_notes` answers JSON.
    const listed = await load(server, `${server.app}/api/notes/list`, { cookie, expected: 'Benchmark note 10', post: '' });
    // The write: changing a note's text (`/api/notes/edit`), one round trip too.
    const noteId = (await (await fetch(`${server.app}/api/notes/list`, {
      method: 'POST', headers: { origin: server.app, accept: 'application/json', cookie },
    })).json())[0].id;
    const edit = await load(server, `${server.app}/api/notes/edit`, {
      cookie, expected: 'Benchmark edit', post: new URLSearchParams({ note_id: noteId, body: 'Benchmark edit' }).toString(),
    });
    // The database's floor for the same statements, as the same role, on the same machine.
    const claims = `$claims$${claimsOf(cookie)}$claims$`;
    const floors = {
      read: pgbench(server, `select * from app.list_notes('authenticated', ${claims}, 200);\n`),
      readFourTrips: pgbench(server, [
        'begin;',
        `select app.become('authenticated', ${claims});`,
        "select n.id::text, n.body, to_char(n.created_at at time zone 'utc', 'YYYY-MM-DD HH24:MI'), "
          + "n.user_id = (select auth.jwt() ->> 'sub') from public.notes n order by n.created_at desc, n.id limit 200;",
        'commit;',
        '',
      ].join('\n')),
      write: pgbench(server, `select body from app.edit_note('authenticated', ${claims}, '${noteId}', 'Benchmark edit');\n`),
    };
    const stampedeCookie = expiredSession(cookie);
    const stampede = await load(server, `${server.app}/protected`, { cookie: stampedeCookie, expected: email });
    const refreshesStampede = (await refreshCalls(server)) - refreshesBefore - refreshesSignedIn;
    const cold = await coldLoads(server, cookie);
    const starts = await productionStarts(server);
    process.exitCode = report({
      session, home, login, signedIn, refreshesSignedIn, notes, listed, edit, floors, stampede, refreshesStampede, cold,
      starts,
    }) ? 0 : 1;
  } finally {
    server.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(figures) {
  const {
    session, home, login, signedIn, refreshesSignedIn, notes, listed, edit, floors, stampede, refreshesStampede, cold,
    starts,
  } = figures;
  const firstAnswerMs = median(starts);
  const megabytes = (bytes) => (Number(bytes) / 1e6).toFixed(1);
  const total = Object.values(cold.bytes).reduce((sum, bytes) => sum + bytes, 0);
  const ratio = signedIn.rate / home.rate;
  // The page and the database share the machine: a request costs the page's work (what
  // `/protected` measures) plus the statement's (what pgbench measures), so the floor is the two
  // costs added.
  const floor = (database) => 1 / (1 / signedIn.rate + 1 / database);
  const readFloor = floor(floors.read.tps);
  const writeFloor = floor(floors.write.tps);
  const budgets = [];
  const budget = (name, measured, met) => {
    budgets.push(met);
    return `| ${name} | ${measured} | ${verdict(met)} |`;
  };
  const cpuRow = (name, cpu) => `| ${name} | ${fmt(cpu.server)} | ${fmt(cpu.postgres)} |`;
  const row = (name, run, extra = '') => `| ${name} | ${fmt(run.rate)} | ${fmt(run.p50, 2)} | ${fmt(run.p99, 2)} | ${run.expected} / ${run.other} | ${extra} |`;
  const lines = [
    `## Load (wrk, ${CONNECTIONS} connections, ${SECONDS} s each, \`Accept-Encoding: ${ACCEPT_ENCODING}\`)`,
    '',
    '| page | requests/s | p50 ms | p99 ms | answers as expected / other | auth-server calls |',
    '| --- | --- | --- | --- | --- | --- |',
    row('`/` (public)', home),
    row('`/auth/login`', login),
    row('`/protected`, valid session', signedIn, calls(refreshesSignedIn)),
    row('`/notes`, valid session, 10 notes read as the user under RLS (PostgreSQL on the same machine)', notes),
    row('`POST /api/notes/list`, the same 10 notes as JSON (the read without the page)', listed),
    row('`POST /api/notes/edit`, the same note\'s text changed as the user', edit),
    row('`/protected`, expired access token, one shared refresh token', stampede, calls(refreshesStampede)),
    '',
    '## The data path against its floor (pgbench, 16 clients as `app_server`, the same statements)',
    '',
    '| statement | database alone, transactions/s | page + database floor, requests/s | measured | share of the floor |',
    '| --- | --- | --- | --- | --- |',
    `| read: \`app.list_notes\` (one round trip) | ${fmt(floors.read.tps)} | ${fmt(readFloor)} | ${fmt(notes.rate)} | ${fmt(notes.rate / readFloor, 2)} |`,
    `| the same read without the page (\`POST /api/notes/list\`) | ${fmt(floors.read.tps)} | ${fmt(readFloor)} | ${fmt(listed.rate)} | ${fmt(listed.rate / readFloor, 2)} |`,
    `| read as four round trips (begin, \`app.become\`, select, commit), for comparison | ${fmt(floors.readFourTrips.tps)} | ${fmt(floor(floors.readFourTrips.tps))} | | |`,
    `| write: \`app.edit_note\` (one round trip) | ${fmt(floors.write.tps)} | ${fmt(writeFloor)} | ${fmt(edit.rate)} | ${fmt(edit.rate / writeFloor, 2)} |`,
    '',
    '### Where the time goes: CPU per request (from `/proc`, all threads, both cores)',
    '',
    'The floor adds two costs measured apart: `/protected` alone and the statement under pgbench alone.',
    'Beside each other each costs more, as this shows.',
    '',
    '| load | server, µs per request | PostgreSQL, µs per request |',
    '| --- | --- | --- |',
    cpuRow('`/protected`, signed in', signedIn.cpuUs),
    cpuRow('`/notes` (the page and `app.list_notes`)', notes.cpuUs),
    cpuRow('`POST /api/notes/list` (the read without the page)', listed.cpuUs),
    cpuRow('pgbench, `app.list_notes` (per transaction; its client is not the server)', { server: NaN, postgres: floors.read.postgresUs }),
    cpuRow('`POST /api/notes/edit`', edit.cpuUs),
    cpuRow('pgbench, `app.edit_note` (per transaction)', { server: NaN, postgres: floors.write.postgresUs }),
    '',
    `Server memory (RSS, local-auth in-process): peak ${fmt(signedIn.peakRssMiB, 1)} MiB during the signed-in run, `
      + `${fmt(stampede.peakRssMiB, 1)} MiB during the stampede run.`,
    '',
    `## Cold load of \`/auth/login\` in headless Chromium (cache disabled, ${COLD_LOADS} loads)`,
    '',
    '| resource | bytes on the wire | encoding |',
    '| --- | --- | --- |',
    ...['HTML', 'JS', 'WASM', 'WASM chunks', 'CSS', 'other'].filter((kind) => cold.bytes[kind] > 0)
      .map((kind) => `| ${kind} | ${kb(cold.bytes[kind])} KB | ${cold.encodings[kind]} |`),
    `| **total** | **${kb(total)} KB** | |`,
    '',
    `Hydrated after ${fmt(cold.hydratedMedianMs)} ms from navigation start (median; all: `
      + `${cold.hydrationTimes.map((time) => fmt(time)).join(', ')} ms).`,
    '',
    '### Each page cold (KB on the wire; one load each)',
    '',
    'The bundle every page loads (JS and WASM: the runtime, the session sync and the submit buttons) is',
    `${kb(cold.bytes.JS + cold.bytes.WASM)} KB; a page that shows a lazy island adds that island's chunks, and no other's.`,
    '',
    '| page | HTML | JS | WASM bundle | WASM chunks | CSS | total | hydrated, ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...cold.pages.map(({ path, signedIn, bytes, hydratedMs }) => {
      const sum = Object.values(bytes).reduce((all, value) => all + value, 0);
      return `| \`${path}\`${signedIn ? ', signed in' : ''} | ${kb(bytes.HTML)} | ${kb(bytes.JS)} | ${kb(bytes.WASM)} | `
        + `${kb(bytes['WASM chunks'])} | ${kb(bytes.CSS)} | ${kb(sum)} | ${fmt(hydratedMs)} |`;
    }),
    '',
    '## The production folder',
    '',
    `\`cargo xtask dist --with-local-auth\`: ${megabytes(env('FOLDER_BYTES'))} MB, the server binary `
      + `${megabytes(env('BINARY_BYTES'))} MB (\`cargo xtask dist\` leaves local-auth out by default; the README `
      + 'gives that folder\'s size, which `cargo xtask test` measures). Started as production starts it '
      + '(`LEPTOS_ENV=PROD`, `SUPABASE_URL` naming an auth server already running), its first answer came '
      + `${fmt(firstAnswerMs)} ms after start (median of ${PRODUCTION_STARTS}; all: ${starts.map((time) => fmt(time)).join(', ')} ms).`,
    '',
    '## Session layer (`cargo bench -p server --bench session`)',
    '',
    '| step | µs per request |',
    '| --- | --- |',
    `| decode the cookie (${session.cookie_bytes} bytes: parse, base64, JSON) | ${fmt(session.decode_us, 1)} |`,
    `| verify a new ES256 access token | ${fmt(session.first_verify_us, 1)} |`,
    `| verify a token seen before | ${fmt(session.remembered_verify_us, 1)} |`,
    `| whole middleware, signed in (minus signed out) | ${fmt(session.middleware_us, 1)} |`,
    `| verify a new third-party token (Clerk's shape, RS256) | ${fmt(session.third_party_first_verify_us, 1)} |`,
    `| refuse a forged third-party token (a published key id) | ${fmt(session.third_party_forged_us, 1)} |`,
    `| whole middleware, signed in by a third-party token (minus signed out) | ${fmt(session.third_party_middleware_us, 1)} |`,
    '',
    '## Budgets',
    '',
    '| budget | measured | |',
    '| --- | --- | --- |',
    budget('`/protected` signed in ≥ 4,000 requests/s', fmt(signedIn.rate), signedIn.rate >= 4000),
    budget('`/protected` signed in p99 ≤ 10 ms', `${fmt(signedIn.p99, 2)} ms`, signedIn.p99 <= 10),
    budget('`/notes` ≥ 0.9 × its floor (the page plus `app.list_notes` under pgbench)', `${fmt(notes.rate / readFloor, 2)} × ${fmt(readFloor)}`, notes.rate >= 0.9 * readFloor),
    budget('`POST /api/notes/edit` ≥ 0.9 × its floor (the page plus `app.edit_note` under pgbench)', `${fmt(edit.rate / writeFloor, 2)} × ${fmt(writeFloor)}`, edit.rate >= 0.9 * writeFloor),
    budget('`/notes` signed in p99 ≤ 50 ms (PostgreSQL on the same 2 cores)', `${fmt(notes.p99, 2)} ms`, notes.p99 <= 50),
    budget('every notes answer as expected', `${notes.other + edit.other} other`, notes.other === 0 && edit.other === 0),
    budget("signed in ≥ half the public home page's throughput", fmt(ratio, 2), ratio >= 0.5),
    budget('no auth-server call per signed-in request', refreshesSignedIn, refreshesSignedIn === 0),
    budget('stampede: one refresh call, every answer signed in', `${refreshesStampede} call, ${stampede.other} not signed in`, refreshesStampede === 1 && stampede.other === 0),
    budget('stampede ≥ 0.8 × the signed-in `/protected`', `${fmt(stampede.rate / signedIn.rate, 2)}`, stampede.rate >= 0.8 * signedIn.rate),
    budget('server RSS ≤ 64 MB under load', `${fmt(signedIn.peakRssMiB, 1)} MiB`, signedIn.peakRssMiB * 1.048576 <= 64),
    budget('`/auth/login` ≤ 100 KB on the wire', `${kb(total)} KB`, total <= 100000),
    budget('production folder: first answer ≤ 100 ms after start', `${fmt(firstAnswerMs)} ms`, firstAnswerMs <= 100),
    budget(`hydrated ≤ 150 ms after navigation start (median of ${COLD_LOADS})`, `${fmt(cold.hydratedMedianMs)} ms`, cold.hydratedMedianMs <= 150),
  ];
  const text = lines.join('\n');
  console.log(`\n${text}\n`);
  const host = machine();
  const markdown = [
    '# Benchmarks',
    '',
    'Written by `cargo xtask bench` (release build, embedded local-auth, wrk and the load on the same',
    'machine as the server). Repeat with:',
    '',
    '```sh',
    'cargo xtask bench',
    '```',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on: ${host.cpu}; ${host.memory}; `
      + `Linux ${host.kernel}; ${host.rustc}; ${host.chromium}; ${host.wrk}; Node ${host.node}.`,
    '',
    text,
    NOTES,
  ].join('\n');
  writeFileSync(env('BENCHMARKS_MD'), markdown);
  console.log(`wrote ${env('BENCHMARKS_MD')}`);
  const missed = budgets.filter((met) => !met).length;
  if (missed > 0) console.error(`${missed} budget(s) missed`);
  return missed === 0;
}

await main();
