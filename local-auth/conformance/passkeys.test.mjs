// Passkeys and the WebAuthn MFA factor through auth-js's own passkey and mfa.webauthn APIs, with
// a software authenticator in place of the browser's.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GoTrueAdminApi, isAuthApiError } from '@supabase/auth-js';
import { SoftwareAuthenticator } from './authenticator.mjs';
import { email, startLocalAuth } from './harness.mjs';

const PASSWORD = 'correct-horse-battery';
// With the site at a loopback IP, the relying party is `localhost` and its origin the site's
// `localhost` twin (browsers refuse IP addresses as relying parties).
const SITE = 'http://127.0.0.1:3000';
const ORIGIN = 'http://localhost:3000';
const passkeyOptions = { experimental: { passkey: true } };

describe('passkeys through auth-js', () => {
  let auth;
  let admin;
  before(async () => {
    auth = await startLocalAuth({
      LOCAL_AUTH_SITE_URL: SITE,
      LOCAL_AUTH_EMAIL_ENABLE_CONFIRMATIONS: 'false',
      LOCAL_AUTH_PASSKEY_ENABLED: 'true',
      LOCAL_AUTH_MFA_WEB_AUTHN_ENROLL_ENABLED: 'true',
      LOCAL_AUTH_MFA_WEB_AUTHN_VERIFY_ENABLED: 'true',
    });
    admin = new GoTrueAdminApi({
      url: auth.url,
      headers: { apikey: auth.secretKey, Authorization: `Bearer ${auth.secretKey}` },
      ...passkeyOptions,
    });
  });
  after(() => auth.stop());

  async function signedUp() {
    const client = auth.client(passkeyOptions);
    const { data, error } = await client.signUp({ email: email('passkey'), password: PASSWORD });
    assert.equal(error, null);
    return { client, user: data.user };
  }

  async function register(client, authenticator) {
    const { data: options, error } = await client.passkey.startRegistration();
    assert.equal(error, null);
    const credential = authenticator.create(options.options);
    return client.passkey.verifyRegistration({ challengeId: options.challenge_id, credential });
  }

  async function signIn(authenticator, getOptions) {
    const client = auth.client(passkeyOptions);
    const { data: options, error } = await client.passkey.startAuthentication();
    assert.equal(error, null);
    const credential = authenticator.get(options.options, getOptions);
    const result = await client.passkey.verifyAuthentication({
      challengeId: options.challenge_id,
      credential,
    });
    return { client, ...result };
  }

  test('register, list, rename, sign in with the passkey, remove it', async () => {
    const { client, user } = await signedUp();
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });

    const { data: options } = await client.passkey.startRegistration();
    assert.equal(options.options.rp.id, 'localhost');
    assert.equal(options.options.authenticatorSelection.residentKey, 'required');
    assert.ok(options.options.pubKeyCredParams.some((param) => param.alg === -7));
    assert.ok(options.expires_at > Date.now() / 1000);
    const created = await client.passkey.verifyRegistration({
      challengeId: options.challenge_id,
      credential: authenticator.create(options.options),
    });
    assert.equal(created.error, null);
    const passkeyId = created.data.id;

    const renamed = await client.passkey.update({ passkeyId, friendlyName: 'Laptop' });
    assert.equal(renamed.data.friendly_name, 'Laptop');
    const { data: listed } = await client.passkey.list();
    assert.deepEqual(
      listed.map((passkey) => [passkey.id, passkey.friendly_name, passkey.last_used_at]),
      [[passkeyId, 'Laptop', undefined]],
    );

    const { client: signedIn, data, error } = await signIn(authenticator);
    assert.equal(error, null);
    assert.equal(data.user.id, user.id);
    const { data: claims } = await signedIn.getClaims();
    assert.deepEqual(claims.claims.amr.map((entry) => entry.method), ['passkey']);
    assert.equal(claims.claims.aal, 'aal1');
    assert.ok((await client.passkey.list()).data[0].last_used_at);

    assert.equal((await client.passkey.delete({ passkeyId })).error, null);
    assert.deepEqual((await client.passkey.list()).data, []);
    const removed = await signIn(authenticator);
    assert.equal(removed.error.code, 'webauthn_verification_failed');
  });

  test('answers that do not check out are refused with webauthn_* codes', async () => {
    const { client } = await signedUp();
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    assert.equal((await register(client, authenticator)).error, null);

    // An assertion made for another site.
    const phished = await signIn(authenticator, { origin: 'https://evil.example' });
    assert.equal(phished.error.status, 400);
    assert.equal(phished.error.code, 'webauthn_verification_failed');
    // A registration made for another site.
    const { data: options } = await client.passkey.startRegistration();
    const elsewhere = new SoftwareAuthenticator({ origin: 'http://localhost:9999' });
    const wrongOrigin = await client.passkey.verifyRegistration({
      challengeId: options.challenge_id,
      credential: elsewhere.create(options.options),
    });
    assert.equal(wrongOrigin.error.code, 'webauthn_verification_failed');
    // The same challenge twice.
    const { data: start } = await auth.client(passkeyOptions).passkey.startAuthentication();
    const answer = authenticator.get(start.options);
    const verify = () =>
      auth.client(passkeyOptions).passkey.verifyAuthentication({
        challengeId: start.challenge_id,
        credential: answer,
      });
    assert.equal((await verify()).error, null);
    assert.equal((await verify()).error.code, 'webauthn_challenge_not_found');
    // A cloned authenticator: its counter goes backwards.
    const cloned = await signIn(authenticator, { counter: 1 });
    assert.equal(cloned.error.code, 'webauthn_verification_failed');
    // An authenticator that never registered, naming the real user.
    const stranger = new SoftwareAuthenticator({ origin: ORIGIN });
    const { data: unused } = await client.passkey.startRegistration();
    stranger.create(unused.options);
    assert.equal((await signIn(stranger)).error.code, 'webauthn_verification_failed');
    // Garbage in every field.
    const { data: last } = await auth.client(passkeyOptions).passkey.startAuthentication();
    const garbage = await auth.client(passkeyOptions).passkey.verifyAuthentication({
      challengeId: last.challenge_id,
      credential: { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: '!!' } },
    });
    assert.equal(garbage.error.code, 'webauthn_verification_failed');
    const unknown = await client.passkey.verifyRegistration({
      challengeId: '00000000-0000-0000-0000-000000000000',
      credential: authenticator.create((await client.passkey.startRegistration()).data.options),
    });
    assert.equal(unknown.error.code, 'webauthn_challenge_not_found');
  });

  test('managing passkeys needs a session, and only reaches your own', async () => {
    const { client: owner } = await signedUp();
    const { client: other } = await signedUp();
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const { data: created } = await register(owner, authenticator);

    const anonymous = await auth.client(passkeyOptions).passkey.startRegistration();
    assert.equal(anonymous.error.name, 'AuthSessionMissingError');
    const rename = await other.passkey.update({ passkeyId: created.id, friendlyName: 'mine now' });
    assert.equal(rename.error.status, 404);
    const remove = await other.passkey.delete({ passkeyId: created.id });
    assert.equal(remove.error.status, 404);
    assert.equal((await owner.passkey.list()).data.length, 1);
    const tooLong = await owner.passkey.update({ passkeyId: created.id, friendlyName: 'x'.repeat(121) });
    assert.equal(tooLong.error.code, 'validation_failed');
  });

  test('admin lists and deletes a user’s passkeys', async () => {
    const { client, user } = await signedUp();
    const { data: first } = await register(client, new SoftwareAuthenticator({ origin: ORIGIN }));
    const { data: second } = await register(client, new SoftwareAuthenticator({ origin: ORIGIN }));

    const { data: listed, error } = await admin.passkey.listPasskeys({ userId: user.id });
    assert.equal(error, null);
    assert.deepEqual(listed.map((passkey) => passkey.id), [first.id, second.id]);
    assert.equal((await admin.passkey.deletePasskey({ userId: user.id, passkeyId: first.id })).error, null);
    const { data: left } = await admin.passkey.listPasskeys({ userId: user.id });
    assert.deepEqual(left.map((passkey) => passkey.id), [second.id]);
  });

  test('a WebAuthn factor: registered on its first challenge, then a second factor to aal2', async () => {
    const { client, user } = await signedUp();
    const key = new SoftwareAuthenticator({ origin: ORIGIN });
    const { data: factor, error } = await client.mfa.enroll({
      factorType: 'webauthn',
      friendlyName: 'Security key',
    });
    assert.equal(error, null);
    assert.equal(factor.type, 'webauthn');
    // An enrolment whose ceremony never finished.
    const { data: stray } = await client.mfa.enroll({ factorType: 'webauthn' });

    // auth-js hands the options over as browser objects (ArrayBuffers) and sends back what the
    // credential's toJSON() gives, as a browser's does.
    const json = (options) =>
      JSON.parse(
        JSON.stringify(options, (_, value) =>
          value instanceof ArrayBuffer || ArrayBuffer.isView(value)
            ? Buffer.from(value instanceof ArrayBuffer ? value : value.buffer).toString('base64url')
            : value,
        ),
      );
    const answer = async (expectedType, respond) => {
      const { data: challenge, error } = await client.mfa.challenge({ factorId: factor.id });
      assert.equal(error, null);
      assert.equal(challenge.webauthn.type, expectedType);
      const response = respond(json(challenge.webauthn.credential_options.publicKey));
      return client.mfa.verify({
        factorId: factor.id,
        challengeId: challenge.id,
        webauthn: { type: expectedType, credential_response: { toJSON: () => response } },
      });
    };

    const enrolled = await answer('create', (options) => key.create(options));
    assert.equal(enrolled.error, null);
    // Verifying one security key clears the unfinished enrolments, as upstream does.
    const { data: factors } = await client.mfa.listFactors();
    assert.deepEqual(factors.all.map((each) => [each.id, each.status]), [[factor.id, 'verified']]);
    assert.notEqual(stray.id, factor.id);
    assert.equal((await client.mfa.getAuthenticatorAssuranceLevel()).data.currentLevel, 'aal2');

    // A new sign-in is aal1 until the key answers a `request` challenge.
    await client.signOut();
    assert.equal((await client.signInWithPassword({ email: user.email, password: PASSWORD })).error, null);
    let { data: level } = await client.mfa.getAuthenticatorAssuranceLevel();
    assert.deepEqual([level.currentLevel, level.nextLevel], ['aal1', 'aal2']);
    const phished = await answer('request', (options) =>
      key.get(options, { origin: 'https://evil.example' }),
    );
    assert.equal(phished.error.code, 'webauthn_verification_failed');
    const verified = await answer('request', (options) => {
      assert.equal(options.allowCredentials.length, 1);
      return key.get(options);
    });
    assert.equal(verified.error, null);
    ({ data: level } = await client.mfa.getAuthenticatorAssuranceLevel());
    assert.equal(level.currentLevel, 'aal2');
    const { data: claims } = await client.getClaims();
    assert.deepEqual(claims.claims.amr.map((entry) => entry.method), ['webauthn', 'password']);

    // Passkeys of a user with a verified factor are managed from aal2 only.
    await client.signOut();
    await client.signInWithPassword({ email: user.email, password: PASSWORD });
    const { error: aal1 } = await client.passkey.startRegistration();
    assert.equal(aal1.code, 'insufficient_aal');
  });

  test('with passkeys off every /passkeys route answers 404 passkey_disabled', async () => {
    const off = await startLocalAuth();
    try {
      const client = off.client(passkeyOptions);
      const { error } = await client.passkey.startAuthentication();
      assert.ok(isAuthApiError(error));
      assert.equal(error.status, 404);
      assert.equal(error.code, 'passkey_disabled');
      const { data: settings } = await (
        await fetch(`${off.url}/settings`, { headers: { apikey: off.publishableKey } })
      ).json().then((body) => ({ data: body }));
      assert.equal(settings.passkeys_enabled, false);
    } finally {
      await off.stop();
    }
  });
});
