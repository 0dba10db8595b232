// Where local-auth answers exactly as Supabase Auth does, found by running auth-js's own test
// suite against it: address validation, reauthentication by text, admin tokens without `exp`,
// rate limits on by default, and the JSON answers of features that are off.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { GoTrueAdminApi, isAuthApiError } from '@supabase/auth-js';
import { email, startLocalAuth } from './harness.mjs';

const PASSWORD = 'correct-horse-battery';
const JWT_SECRET = 'a-conformance-secret-of-at-least-32-characters';

/** An HS256 JWT of `claims` signed with `secret`. */
function sign(claims, secret = JWT_SECRET) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

function randomPhone() {
  return `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
}

describe('local-auth answers as Supabase Auth', () => {
  let auth;
  before(async () => {
    auth = await startLocalAuth({
      LOCAL_AUTH_JWT_SECRET: JWT_SECRET,
      LOCAL_AUTH_ENABLE_ANONYMOUS_SIGN_INS: 'true',
      LOCAL_AUTH_SMS_ENABLE_SIGNUP: 'true',
      LOCAL_AUTH_SMS_MAX_FREQUENCY: '0',
      LOCAL_AUTH_EMAIL_SECURE_PASSWORD_CHANGE: 'true',
      LOCAL_AUTH_EXTERNAL_PROVIDERS: 'google',
    });
  });
  after(() => auth.stop());

  test('an address upstream cannot validate is refused by every endpoint that takes one', async () => {
    const bad = 'xx:;x@x.x';
    const admin = auth.adminClient().admin;
    const attempts = {
      createUser: () => admin.createUser({ email: bad, password: PASSWORD }),
      inviteUserByEmail: () => admin.inviteUserByEmail(bad),
      generateLink: () => admin.generateLink({ type: 'magiclink', email: bad }),
      signUp: () => auth.client().signUp({ email: bad, password: PASSWORD }),
      signInWithOtp: () => auth.client().signInWithOtp({ email: bad }),
      resetPasswordForEmail: () => auth.client().resetPasswordForEmail(bad),
    };
    for (const [name, attempt] of Object.entries(attempts)) {
      const { error } = await attempt();
      assert.ok(isAuthApiError(error), name);
      assert.equal(error.status, 400, name);
      assert.equal(error.code, 'validation_failed', name);
      assert.equal(error.message, 'Unable to validate email address: invalid format', name);
    }
    const { data } = await admin.listUsers();
    assert.ok(!data.users.some((user) => user.email?.includes('x.x')), 'nobody was created');
  });

  test('reauthenticate texts a phone-only user, whose code then authorises a new password', async () => {
    const phone = randomPhone();
    const admin = auth.adminClient().admin;
    const created = await admin.createUser({ phone, password: PASSWORD, phone_confirm: true });
    assert.equal(created.error, null);
    const client = auth.client();
    assert.equal((await client.signInWithPassword({ phone, password: PASSWORD })).error, null);

    const refused = await client.updateUser({ password: 'a-new-password-1' });
    assert.equal(refused.error.code, 'reauthentication_needed');
    const { error } = await client.reauthenticate();
    assert.equal(error, null);
    const { subject, code } = await auth.latestMail(phone);
    assert.equal(subject, 'SMS');
    const changed = await client.updateUser({ password: 'a-new-password-1', nonce: code });
    assert.equal(changed.error, null);
    await client.signOut();
    const again = await client.signInWithPassword({ phone, password: 'a-new-password-1' });
    assert.equal(again.error, null);
  });

  test('reauthenticate without an email or a phone number is a 400', async () => {
    const guest = auth.client();
    assert.equal((await guest.signInAnonymously()).error, null);
    const { error } = await guest.reauthenticate();
    assert.equal(error.status, 400);
    assert.equal(error.code, 'validation_failed');
    assert.equal(error.message, 'Reauthentication requires the user to have an email or a phone number');
  });

  test('a correctly signed service-role token without exp is an admin; expired or forged is not', async () => {
    const admin = (token) =>
      new GoTrueAdminApi({
        url: auth.url,
        headers: { apikey: auth.publishableKey, Authorization: `Bearer ${token}` },
      });
    const now = Math.floor(Date.now() / 1000);

    const upstreams = sign({ sub: 'admin', role: 'supabase_admin' });
    assert.equal((await admin(upstreams).listUsers()).error, null);
    for (const token of [
      sign({ role: 'service_role', exp: now - 60 }),
      sign({ role: 'service_role' }, 'another-secret-of-at-least-32-characters'),
    ]) {
      const { error } = await admin(token).listUsers();
      assert.equal(error.status, 403);
      assert.equal(error.code, 'bad_jwt');
    }
  });

  test('rate limits are on by default, counted per endpoint: failed sign-ins leave sign-ups alone', async () => {
    const client = auth.client();
    for (let attempt = 0; attempt < 4; attempt++) {
      const { error } = await client.signInWithPassword({ email: email('nolimit'), password: PASSWORD });
      assert.equal(error.code, 'invalid_credentials');
    }
    const { error } = await client.signUp({ email: email('after'), password: PASSWORD });
    assert.equal(error, null);
  });

  test('features that are off answer with upstream JSON errors', async () => {
    const client = auth.client();
    const sso = await client.signInWithSSO({ domain: 'example.com' });
    assert.equal(sso.error.status, 404);
    assert.equal(sso.error.code, 'saml_provider_disabled');
    assert.equal(sso.error.message, 'SAML 2.0 is disabled');

    const web3 = await client.signInWithWeb3({
      chain: 'ethereum',
      message: 'example.com wants you to sign in',
      signature: '0x00',
    });
    assert.equal(web3.error.status, 422);
    assert.equal(web3.error.code, 'web3_provider_disabled');

    const offProvider = await client.signInWithIdToken({ provider: 'apple', token: 'an-id-token' });
    assert.equal(offProvider.error.code, 'provider_disabled');
    assert.match(offProvider.error.message, /not enabled/);
    const unverifiable = await client.signInWithIdToken({ provider: 'google', token: 'an-id-token' });
    assert.equal(unverifiable.error.status, 400);
    assert.equal(unverifiable.error.message, 'Bad ID token');

    const clients = await auth.adminClient().admin.oauth.listClients();
    assert.equal(clients.error.status, 404);
    assert.equal(clients.error.code, 'feature_disabled');

    for (const [method, path] of [
      ['GET', '/no-such-endpoint'],
      ['POST', '/sso/saml/acs'],
      ['DELETE', '/settings'],
    ]) {
      const response = await fetch(`${auth.url}${path}`, {
        method,
        headers: { apikey: auth.publishableKey },
      });
      assert.ok(response.status === 404 || response.status === 405, `${method} ${path}`);
      const body = await response.json();
      assert.equal(body.code, response.status, `${method} ${path} has a JSON body`);
      assert.ok(body.error_code && body.msg, `${method} ${path}`);
    }
  });
});
