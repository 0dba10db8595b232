// @supabase/ssr (the official package) and this server share sessions through cookies, in both
// directions, for sessions small and large, and for the PKCE verifier.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServerClient } from '@supabase/ssr';
import ws from 'ws';
import { Jar, latestMail, linkIn, startApp } from './harness.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.stop();
});

const email = (name) => `${name}-${crypto.randomUUID()}@example.com`;
// Big enough for 3 chunks, small enough for Node's 16 KB limit on response headers.
const bigMetadata = () => ({ bio: 'x'.repeat(2000) });

/** A server client of @supabase/ssr whose cookies live in `jar`. */
function ssrClient(jar) {
  return createServerClient(app.supabaseUrl, app.publishableKey, {
    cookies: { getAll: () => jar.getAll(), setAll: (cookies) => jar.setAll(cookies) },
    // supabase-js builds a realtime client even when unused; Node 20 has no WebSocket of its own.
    realtime: { transport: ws },
  });
}

/** Signs `address` up through the Auth API; the confirmation mail links to this app. */
async function signUp(address, data = {}) {
  const response = await fetch(`${app.supabaseUrl}/auth/v1/signup`, {
    method: 'POST',
    headers: { apikey: app.publishableKey, 'content-type': 'application/json' },
    body: JSON.stringify({ email: address, password: 'correct horse', data }),
  });
  assert.equal(response.status, 200, await response.text());
}

/** Opens the confirmation link on this server; returns the jar holding what it set. */
async function confirmThroughServer(address) {
  const link = linkIn(await latestMail(app, address));
  assert.ok(link.startsWith(`${app.app}/auth/confirm?`), link);
  const jar = new Jar();
  const response = await fetch(link, { redirect: 'manual' });
  assert.equal(response.status, 303);
  jar.take(response);
  return jar;
}

async function renderedHome(jar) {
  return (await fetch(`${app.app}/`, { headers: { cookie: jar.header() } })).text();
}

for (const [size, data] of [['a normal', {}], ['a chunked', bigMetadata()]]) {
  test(`${size} session set by the server is read by createServerClient`, async () => {
    const address = email('server-to-ssr');
    await signUp(address, data);
    const jar = await confirmThroughServer(address);
    const chunked = jar.names('sb-127-auth-token.').length;
    assert.equal(chunked >= 2, size === 'a chunked', jar.names('sb-'));

    const { data: answer, error } = await ssrClient(jar).auth.getUser();

    assert.equal(error, null);
    assert.equal(answer.user.email, address);
    const { data: stored } = await ssrClient(jar).auth.getSession();
    assert.deepEqual(stored.session.user.user_metadata.bio, data.bio);
  });

  test(`${size} session written by createServerClient is accepted by the server`, async () => {
    const address = email('ssr-to-server');
    await signUp(address, data);
    await confirmThroughServer(address);
    const jar = new Jar();

    const { error } = await ssrClient(jar).auth.signInWithPassword({
      email: address,
      password: 'correct horse',
    });

    assert.equal(error, null);
    assert.equal(jar.names('sb-127-auth-token.').length >= 2, size === 'a chunked', jar.names('sb-'));
    const html = await renderedHome(jar);
    assert.ok(html.includes(`Signed in as ${address}`), html);
  });
}

test('a PKCE verifier cookie written by @supabase/ssr is exchanged by /auth/callback', async () => {
  const address = email('pkce');
  await signUp(address);
  await confirmThroughServer(address);
  const jar = new Jar();

  const { error } = await ssrClient(jar).auth.signInWithOtp({
    email: address,
    options: { emailRedirectTo: `${app.app}/auth/callback?next=/somewhere` },
  });

  assert.equal(error, null);
  assert.deepEqual(jar.names('sb-127-auth-token-code-verifier'), ['sb-127-auth-token-code-verifier']);
  // The mail links to this app's /auth/confirm; the same token through the Auth API's /verify
  // ends the PKCE flow with a code for /auth/callback, as a provider redirect would.
  const link = new URL(linkIn(await latestMail(app, address)));
  const verify = new URL(`${app.supabaseUrl}/auth/v1/verify`);
  verify.searchParams.set('token', link.searchParams.get('token_hash'));
  verify.searchParams.set('type', link.searchParams.get('type'));
  verify.searchParams.set('redirect_to', `${app.app}/auth/callback?next=/somewhere`);
  const verified = await fetch(verify, { redirect: 'manual' });
  const callback = verified.headers.get('location');
  assert.ok(callback.startsWith(`${app.app}/auth/callback?`), callback);
  assert.ok(new URL(callback).searchParams.get('code'), callback);

  const response = await fetch(callback, { redirect: 'manual', headers: { cookie: jar.header() } });

  assert.equal(response.status, 303);
  assert.equal(response.headers.get('location'), '/somewhere');
  jar.take(response);
  assert.deepEqual(jar.names('sb-127-auth-token-code-verifier'), []);
  const { data: answer } = await ssrClient(jar).auth.getUser();
  assert.equal(answer.user.email, address);
  assert.ok((await renderedHome(jar)).includes(`Signed in as ${address}`));
});
