// The official @supabase/auth-js client against local-auth, flow by flow.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthApiError,
  AuthWeakPasswordError,
  isAuthApiError,
  isAuthSessionMissingError,
} from '@supabase/auth-js';
import { email, startLocalAuth, totp } from './harness.mjs';
import { ethereumWallet, solanaWallet } from './wallets.mjs';

const PASSWORD = 'correct-horse-battery';

describe('@supabase/auth-js against local-auth (ES256)', () => {
  let auth;
  before(async () => {
    auth = await startLocalAuth();
  });
  after(() => auth.stop());

  /** Signs up and confirms through the mailed code; returns a signed-in client. */
  async function confirmedClient(address, options) {
    const client = auth.client(options);
    const { error } = await client.signUp({ email: address, password: PASSWORD });
    assert.equal(error, null);
    const { code } = await auth.latestMail(address);
    const verified = await client.verifyOtp({ email: address, token: code, type: 'signup' });
    assert.equal(verified.error, null);
    return client;
  }

  test('signUp waits for confirmation, verifyOtp confirms and signs in', async () => {
    const address = email('signup');
    const client = auth.client();

    const { data, error } = await client.signUp({
      email: address,
      password: PASSWORD,
      options: { data: { name: 'Ada' } },
    });
    assert.equal(error, null);
    assert.equal(data.session, null);
    assert.equal(data.user.email, address);
    assert.equal(data.user.user_metadata.name, 'Ada');

    const mail = await auth.latestMail(address);
    assert.equal(mail.subject, 'Confirm Your Signup');
    const verified = await client.verifyOtp({ email: address, token: mail.code, type: 'signup' });
    assert.equal(verified.error, null);
    assert.ok(verified.data.session.access_token);
    assert.ok(verified.data.user.email_confirmed_at);

    const { data: current } = await client.getUser();
    assert.equal(current.user.email, address);
  });

  test('signInWithPassword surfaces error codes as AuthApiError', async () => {
    const address = email('errors');
    const client = auth.client();
    await client.signUp({ email: address, password: PASSWORD });

    const unconfirmed = await client.signInWithPassword({ email: address, password: PASSWORD });
    assert.ok(unconfirmed.error instanceof AuthApiError);
    assert.equal(unconfirmed.error.code, 'email_not_confirmed');
    assert.equal(unconfirmed.error.status, 400);

    const wrong = await client.signInWithPassword({ email: email('nobody'), password: PASSWORD });
    assert.ok(isAuthApiError(wrong.error));
    assert.equal(wrong.error.code, 'invalid_credentials');
    assert.equal(wrong.error.message, 'Invalid login credentials');
  });

  test('weak passwords surface as AuthWeakPasswordError with reasons', async () => {
    const { error } = await auth.client().signUp({ email: email('weak'), password: '123' });

    assert.ok(error instanceof AuthWeakPasswordError, `${error?.constructor?.name}: ${error?.message}`);
    assert.equal(error.code, 'weak_password');
    assert.deepEqual(error.reasons, ['length']);
  });

  test('signInWithPassword, getClaims verified locally through the JWKS, refreshSession', async () => {
    const address = email('claims');
    await confirmedClient(address);
    const client = auth.client();

    const signedIn = await client.signInWithPassword({ email: address, password: PASSWORD });
    assert.equal(signedIn.error, null);

    const { data, error } = await client.getClaims();
    assert.equal(error, null);
    assert.equal(data.header.alg, 'ES256');
    assert.ok(data.header.kid);
    assert.equal(data.claims.email, address);
    assert.equal(data.claims.aal, 'aal1');
    assert.equal(data.claims.role, 'authenticated');

    const refreshed = await client.refreshSession();
    assert.equal(refreshed.error, null);
    assert.notEqual(refreshed.data.session.refresh_token, signedIn.data.session.refresh_token);
    assert.equal(refreshed.data.user.email, address);
  });

  test('updateUser merges metadata and changes the password', async () => {
    const address = email('update');
    const client = await confirmedClient(address);

    const metadata = await client.updateUser({ data: { theme: 'dark' } });
    assert.equal(metadata.error, null);
    assert.equal(metadata.data.user.user_metadata.theme, 'dark');

    const same = await client.updateUser({ password: PASSWORD });
    assert.equal(same.error?.code, 'same_password');

    const changed = await client.updateUser({ password: 'a-brand-new-password' });
    assert.equal(changed.error, null);
    const signIn = await auth.client().signInWithPassword({ email: address, password: 'a-brand-new-password' });
    assert.equal(signIn.error, null);
  });

  test('magic link with PKCE: the link redirects with a code that exchangeCodeForSession accepts', async () => {
    const address = email('pkce');
    await confirmedClient(address);
    const client = auth.client({ flowType: 'pkce' });

    const sent = await client.signInWithOtp({
      email: address,
      options: { emailRedirectTo: 'http://127.0.0.1:3000/auth/callback', shouldCreateUser: false },
    });
    assert.equal(sent.error, null);
    const { link, subject } = await auth.latestMail(address);
    assert.equal(subject, 'Your Magic Link');

    const response = await fetch(link, { redirect: 'manual' });
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location'));
    assert.equal(`${location.origin}${location.pathname}`, 'http://127.0.0.1:3000/auth/callback');
    const code = location.searchParams.get('code');
    assert.ok(code);

    const { data, error } = await client.exchangeCodeForSession(code);
    assert.equal(error, null);
    assert.equal(data.user.email, address);
  });

  test('signInWithOtp then verifyOtp with the mailed code', async () => {
    const address = email('otp');
    await confirmedClient(address);
    const client = auth.client();

    assert.equal((await client.signInWithOtp({ email: address })).error, null);
    const { code } = await auth.latestMail(address);
    const { data, error } = await client.verifyOtp({ email: address, token: code, type: 'email' });

    assert.equal(error, null);
    assert.equal(data.session.user.email, address);
  });

  test('signInWithOtp with shouldCreateUser false refuses unknown addresses', async () => {
    const { error } = await auth.client().signInWithOtp({
      email: email('stranger'),
      options: { shouldCreateUser: false },
    });

    assert.equal(error?.code, 'otp_disabled');
  });

  test('password recovery: resetPasswordForEmail, verifyOtp recovery, updateUser', async () => {
    const address = email('recover');
    await confirmedClient(address);
    const client = auth.client();

    assert.equal((await client.resetPasswordForEmail(address)).error, null);
    const { code, subject } = await auth.latestMail(address);
    assert.equal(subject, 'Reset Your Password');
    const recovered = await client.verifyOtp({ email: address, token: code, type: 'recovery' });
    assert.equal(recovered.error, null);
    const updated = await client.updateUser({ password: 'recovered-password' });
    assert.equal(updated.error, null);

    const signIn = await auth.client().signInWithPassword({ email: address, password: 'recovered-password' });
    assert.equal(signIn.error, null);
  });

  test('mfa: enroll, challenge, verify, listFactors, getAuthenticatorAssuranceLevel, unenroll', async () => {
    const client = await confirmedClient(email('mfa'));

    const enrolled = await client.mfa.enroll({ factorType: 'totp', friendlyName: 'Authenticator' });
    assert.equal(enrolled.error, null);
    assert.ok(enrolled.data.totp.qr_code.startsWith('data:image/svg+xml'));
    assert.ok(enrolled.data.totp.uri.startsWith('otpauth://totp/'));
    const factorId = enrolled.data.id;
    const before = await client.mfa.getAuthenticatorAssuranceLevel();
    assert.deepEqual([before.data.currentLevel, before.data.nextLevel], ['aal1', 'aal1']);

    const challenge = await client.mfa.challenge({ factorId });
    assert.equal(challenge.error, null);
    const wrong = await client.mfa.verify({ factorId, challengeId: challenge.data.id, code: '12345x' });
    assert.equal(wrong.error.code, 'mfa_verification_failed');
    const verified = await client.mfa.challengeAndVerify({ factorId, code: totp(enrolled.data.totp.secret) });
    assert.equal(verified.error, null);

    const after = await client.mfa.getAuthenticatorAssuranceLevel();
    assert.deepEqual([after.data.currentLevel, after.data.nextLevel], ['aal2', 'aal2']);
    assert.equal(after.data.currentAuthenticationMethods[0].method, 'totp');
    const { data: factors } = await client.mfa.listFactors();
    assert.deepEqual(factors.totp.map((factor) => factor.id), [factorId]);

    const removed = await client.mfa.unenroll({ factorId });
    assert.equal(removed.error, null);
    assert.deepEqual((await client.mfa.listFactors()).data.all, []);
  });

  test('signOut scopes: others, local, global', async () => {
    const address = email('signout');
    const first = await confirmedClient(address);
    const second = auth.client();
    const third = auth.client();
    await second.signInWithPassword({ email: address, password: PASSWORD });
    await third.signInWithPassword({ email: address, password: PASSWORD });

    assert.equal((await first.signOut({ scope: 'others' })).error, null);
    // The server answers 403 session_not_found, which the client turns into a missing session.
    assert.ok(isAuthSessionMissingError((await second.getUser()).error));
    assert.equal((await second.getSession()).data.session, null);
    assert.equal((await first.getUser()).error, null);

    assert.equal((await first.signOut({ scope: 'local' })).error, null);
    assert.equal((await first.getSession()).data.session, null);

    const fourth = auth.client();
    const fifth = auth.client();
    await fourth.signInWithPassword({ email: address, password: PASSWORD });
    await fifth.signInWithPassword({ email: address, password: PASSWORD });
    assert.equal((await fourth.signOut({ scope: 'global' })).error, null);
    assert.ok(isAuthSessionMissingError((await fifth.getUser()).error));
  });
});

describe('@supabase/auth-js against local-auth (legacy HS256 secret)', () => {
  let auth;
  before(async () => {
    auth = await startLocalAuth({ LOCAL_AUTH_JWT_SECRET: 'super-secret-jwt-token-with-at-least-32-characters' });
  });
  after(() => auth.stop());

  test('getClaims falls back to GET /user for HS256 tokens', async () => {
    const address = email('hs256');
    const client = auth.client();
    await client.signUp({ email: address, password: PASSWORD });
    const { code } = await auth.latestMail(address);
    await client.verifyOtp({ email: address, token: code, type: 'signup' });

    const jwks = await (await fetch(`${auth.url}/.well-known/jwks.json`)).json();
    const { data, error } = await client.getClaims();

    assert.deepEqual(jwks.keys, []);
    assert.equal(error, null);
    assert.equal(data.header.alg, 'HS256');
    assert.equal(data.claims.email, address);
  });
});

describe('@supabase/auth-js against local-auth (anonymous sign-ins on)', () => {
  let auth;
  before(async () => {
    auth = await startLocalAuth({ LOCAL_AUTH_ENABLE_ANONYMOUS_SIGN_INS: 'true' });
  });
  after(() => auth.stop());

  test('signInAnonymously, then updateUser with email and password keeps the user id', async () => {
    const client = auth.client();
    const { data, error } = await client.signInAnonymously({ options: { data: { cart: 3 } } });
    assert.equal(error, null);
    assert.equal(data.user.is_anonymous, true);
    assert.equal(data.user.user_metadata.cart, 3);
    const guestId = data.user.id;
    const { data: claims } = await client.getClaims();
    assert.equal(claims.claims.is_anonymous, true);

    const alone = await client.updateUser({ password: PASSWORD });
    assert.ok(isAuthApiError(alone.error));
    assert.equal(alone.error.code, 'validation_failed');

    const address = email('guest');
    const updated = await client.updateUser({ email: address, password: PASSWORD });
    assert.equal(updated.error, null);
    assert.equal(updated.data.user.new_email, address);
    assert.equal(updated.data.user.is_anonymous, true);

    const { code } = await auth.latestMail(address);
    const verified = await client.verifyOtp({ email: address, token: code, type: 'email_change' });
    assert.equal(verified.error, null);
    assert.equal(verified.data.user.id, guestId);
    assert.equal(verified.data.user.is_anonymous, false);
    assert.equal(verified.data.user.email, address);

    const again = await auth.client().signInWithPassword({ email: address, password: PASSWORD });
    assert.equal(again.error, null);
    assert.equal(again.data.user.id, guestId);
  });
});

describe('@supabase/auth-js against local-auth (rate limits, IP address forwarding)', () => {
  let auth;
  before(async () => {
    auth = await startLocalAuth({
      // Upstream's buckets of 30, without refill during the test.
      LOCAL_AUTH_RATE_LIMIT_TOKEN_REFRESH: '0',
      LOCAL_AUTH_SB_FORWARDED_FOR_ENABLED: 'true',
    });
  });
  after(() => auth.stop());

  /** A server-side client as Supabase's forwarding guide sets it up: the secret key as `apikey`
   * and `Sb-Forwarded-For` naming the end user (the bearer stays a non-admin key). */
  const forwarding = (address) =>
    auth.client({
      headers: {
        apikey: auth.secretKey,
        Authorization: `Bearer ${auth.publishableKey}`,
        'Sb-Forwarded-For': address,
      },
    });

  test('a rate-limited sign-in surfaces 429 with over_request_rate_limit, per forwarded address', async () => {
    const attempt = (client) =>
      client.signInWithPassword({ email: email('limited'), password: PASSWORD });
    const first = forwarding('203.0.113.5');
    for (let allowed = 0; allowed < 30; allowed++) {
      assert.equal((await attempt(first)).error.code, 'invalid_credentials');
    }
    const { error } = await attempt(first);
    assert.ok(isAuthApiError(error));
    assert.equal(error.status, 429);
    assert.equal(error.code, 'over_request_rate_limit');
    // Another end user of the same server is counted apart.
    assert.equal((await attempt(forwarding('2001:db8::5'))).error.code, 'invalid_credentials');
  });

  test('with the publishable key, Sb-Forwarded-For is ignored: the caller is its own address', async () => {
    const spoofing = (n) =>
      auth.client({
        headers: {
          apikey: auth.publishableKey,
          Authorization: `Bearer ${auth.publishableKey}`,
          'Sb-Forwarded-For': `198.51.100.${n}`,
        },
      });
    const attempt = (n) =>
      spoofing(n).signInWithPassword({ email: email('spoof'), password: PASSWORD });
    for (let n = 1; n <= 30; n++) {
      assert.equal((await attempt(n)).error.code, 'invalid_credentials');
    }
    assert.equal((await attempt(31)).error.code, 'over_request_rate_limit');
  });
});

describe('@supabase/auth-js against local-auth (OAuth, linking, phone and admin)', () => {
  const APP_CALLBACK = 'http://127.0.0.1:3000/auth/callback';
  let auth;
  before(async () => {
    auth = await startLocalAuth({
      LOCAL_AUTH_EXTERNAL_PROVIDERS: 'github,google',
      LOCAL_AUTH_ENABLE_MANUAL_LINKING: 'true',
      LOCAL_AUTH_SMS_ENABLE_SIGNUP: 'true',
      LOCAL_AUTH_SMS_ENABLE_CONFIRMATIONS: 'true',
      LOCAL_AUTH_SMS_MAX_FREQUENCY: '0',
      LOCAL_AUTH_MFA_PHONE_ENROLL_ENABLED: 'true',
      LOCAL_AUTH_MFA_PHONE_VERIFY_ENABLED: 'true',
    });
  });
  after(() => auth.stop());

  test('signInWithOAuth through the development provider, then exchangeCodeForSession', async () => {
    const client = auth.client({ flowType: 'pkce' });
    const address = email('octo');
    const { data, error } = await client.signInWithOAuth({
      provider: 'github',
      options: { redirectTo: APP_CALLBACK, skipBrowserRedirect: true },
    });
    assert.equal(error, null);
    assert.ok(data.url.startsWith(`${auth.url}/authorize?provider=github`), data.url);

    const landed = await auth.throughProvider(data.url, address);
    assert.equal(`${landed.origin}${landed.pathname}`, APP_CALLBACK);
    const exchanged = await client.exchangeCodeForSession(landed.searchParams.get('code'));
    assert.equal(exchanged.error, null);
    assert.equal(exchanged.data.user.email, address);
    assert.equal(exchanged.data.user.app_metadata.provider, 'github');
    assert.equal(exchanged.data.session.provider_token.startsWith('dev-idp-'), true);
    const { data: identities } = await client.getUserIdentities();
    assert.deepEqual(identities.identities.map((identity) => identity.provider), ['github']);
  });

  test('a denied OAuth sign-in comes back with the error and no code', async () => {
    const client = auth.client({ flowType: 'pkce' });
    const { data } = await client.signInWithOAuth({
      provider: 'google',
      options: { redirectTo: APP_CALLBACK, skipBrowserRedirect: true },
    });

    const landed = await auth.throughProvider(data.url, '', false);

    assert.equal(landed.searchParams.get('error'), 'access_denied');
    assert.equal(landed.searchParams.get('code'), null);
  });

  test('linkIdentity adds a provider identity, unlinkIdentity removes it, never the last', async () => {
    const client = auth.client({ flowType: 'pkce' });
    const address = email('linker');
    assert.equal((await client.signUp({ email: address, password: PASSWORD })).error, null);
    const { code } = await auth.latestMail(address);
    assert.equal((await client.verifyOtp({ email: address, token: code, type: 'signup' })).error, null);
    const userId = (await client.getUser()).data.user.id;

    const { data, error } = await client.linkIdentity({
      provider: 'github',
      options: { redirectTo: APP_CALLBACK, skipBrowserRedirect: true },
    });
    assert.equal(error, null);
    const landed = await auth.throughProvider(data.url, email('work'));
    const linked = await client.exchangeCodeForSession(landed.searchParams.get('code'));
    assert.equal(linked.error, null);
    assert.equal(linked.data.user.id, userId);

    const { data: both } = await client.getUserIdentities();
    assert.deepEqual(both.identities.map((identity) => identity.provider).sort(), ['email', 'github']);
    const github = both.identities.find((identity) => identity.provider === 'github');
    assert.equal((await client.unlinkIdentity(github)).error, null);

    const { data: one } = await client.getUserIdentities();
    assert.deepEqual(one.identities.map((identity) => identity.provider), ['email']);
    const last = await client.unlinkIdentity(one.identities[0]);
    assert.ok(isAuthApiError(last.error));
    assert.equal(last.error.code, 'single_identity_not_deletable');
  });

  test('signInWithOtp by phone, verifyOtp with the texted code', async () => {
    const client = auth.client();
    const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

    const sent = await client.signInWithOtp({ phone });
    assert.equal(sent.error, null);
    const { code } = await auth.latestMail(phone);
    const wrong = await client.verifyOtp({ phone, token: '000000', type: 'sms' });
    assert.equal(wrong.error.code, 'otp_expired');
    const { data, error } = await client.verifyOtp({ phone, token: code, type: 'sms' });

    assert.equal(error, null);
    assert.equal(data.user.phone, phone.slice(1));
    assert.ok(data.user.phone_confirmed_at);
    assert.equal(data.session.user.app_metadata.provider, 'phone');
  });

  test('mfa with a phone: enroll, challenge texts the code, verify raises the session to aal2', async () => {
    const client = auth.client();
    const number = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const phone = number();
    await client.signInWithOtp({ phone });
    const signedIn = await client.verifyOtp({ phone, token: (await auth.latestMail(phone)).code, type: 'sms' });
    assert.equal(signedIn.error, null);

    const factorPhone = number();
    const enrolled = await client.mfa.enroll({ factorType: 'phone', phone: factorPhone });
    assert.equal(enrolled.error, null);
    assert.equal(enrolled.data.type, 'phone');
    assert.equal(enrolled.data.phone, factorPhone);
    const factorId = enrolled.data.id;
    const challenge = await client.mfa.challenge({ factorId, channel: 'sms' });
    assert.equal(challenge.error, null);
    const { code } = await auth.latestMail(factorPhone);
    const challengeId = challenge.data.id;
    const wrong = await client.mfa.verify({ factorId, challengeId, code: code === '000000' ? '111111' : '000000' });
    assert.equal(wrong.error.code, 'mfa_verification_failed');
    const verified = await client.mfa.verify({ factorId, challengeId, code });

    assert.equal(verified.error, null);
    assert.equal((await client.mfa.getAuthenticatorAssuranceLevel()).data.currentLevel, 'aal2');
    const { data: factors } = await client.mfa.listFactors();
    assert.deepEqual(factors.phone.map((factor) => factor.id), [factorId]);
  });

  test('admin createUser, listUsers, generateLink and deleteUser', async () => {
    const admin = auth.adminClient().admin;
    const address = email('managed');

    const created = await admin.createUser({
      email: address,
      password: PASSWORD,
      email_confirm: true,
      app_metadata: { user_role: 'admin' },
    });
    assert.equal(created.error, null);
    assert.equal(created.data.user.app_metadata.user_role, 'admin');
    const signedIn = await auth.client().signInWithPassword({ email: address, password: PASSWORD });
    assert.equal(signedIn.error, null);

    const listed = await admin.listUsers({ page: 1, perPage: 1 });
    assert.equal(listed.error, null);
    assert.equal(listed.data.users.length, 1);
    assert.ok(listed.data.total >= 1);
    assert.ok(listed.data.lastPage >= 1);

    const link = await admin.generateLink({ type: 'magiclink', email: address });
    assert.equal(link.error, null);
    assert.equal(link.data.properties.verification_type, 'magiclink');
    assert.equal(link.data.user.id, created.data.user.id);
    const viaCode = await auth.client().verifyOtp({
      email: address,
      token: link.data.properties.email_otp,
      type: 'magiclink',
    });
    assert.equal(viaCode.error, null);

    assert.equal((await admin.deleteUser(created.data.user.id)).error, null);
    const gone = await admin.getUserById(created.data.user.id);
    assert.equal(gone.error.code, 'user_not_found');

    const notAdmin = await auth.client().admin.listUsers();
    assert.equal(notAdmin.error.code, 'not_admin');
  });
});

describe('@supabase/auth-js against local-auth (SAML single sign-on)', () => {
  const APP_CALLBACK = 'http://127.0.0.1:3000/auth/callback';
  let auth;
  before(async () => {
    auth = await startLocalAuth({ LOCAL_AUTH_SAML_ENABLED: 'true' });
  });
  after(() => auth.stop());

  /** Registers an identity provider for `domain` through the admin API; returns its id. */
  async function addProvider(domain) {
    const entity = `https://idp.${domain}/saml`;
    const response = await fetch(`${auth.url}/admin/sso/providers`, {
      method: 'POST',
      headers: { apikey: auth.secretKey, Authorization: `Bearer ${auth.secretKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'saml',
        domains: [domain],
        metadata_xml: `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entity}"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>`,
      }),
    });
    assert.equal(response.status, 201);
    return (await response.json()).id;
  }

  /** The development identity provider's page for `url`, approved as `who`; the app redirect. */
  async function approve(url, who) {
    const page = await fetch(url);
    assert.equal(page.status, 200);
    const form = new URLSearchParams({
      RelayState: new URL(url).searchParams.get('RelayState'),
      email: who,
      decision: 'approve',
    });
    const decided = await fetch(url, { method: 'POST', body: form, redirect: 'manual' });
    assert.equal(decided.status, 303);
    return new URL(decided.headers.get('location'));
  }

  test('signInWithSSO by domain, then exchangeCodeForSession: an SSO user, amr sso/saml', async () => {
    const providerId = await addProvider('acme.example');
    const client = auth.client({ flowType: 'pkce' });
    const who = `ada-${crypto.randomUUID()}@acme.example`;
    const { data, error } = await client.signInWithSSO({
      domain: 'acme.example',
      options: { redirectTo: APP_CALLBACK, skipBrowserRedirect: true },
    });
    assert.equal(error, null);

    const landed = await approve(data.url, who);
    assert.equal(`${landed.origin}${landed.pathname}`, APP_CALLBACK);
    const exchanged = await client.exchangeCodeForSession(landed.searchParams.get('code'));
    assert.equal(exchanged.error, null);
    assert.equal(exchanged.data.user.email, who);
    assert.equal(exchanged.data.user.is_sso_user, true);
    assert.equal(exchanged.data.user.app_metadata.provider, `sso:${providerId}`);
    const { data: claims } = await client.getClaims();
    assert.deepEqual(
      claims.claims.amr.map(({ method, provider }) => ({ method, provider })),
      [{ method: 'sso/saml', provider: providerId }],
    );
    const changed = await client.updateUser({ email: 'elsewhere@example.com' });
    assert.equal(changed.error.code, 'user_sso_managed');
  });

  test('signInWithSSO by provider id; unknown domains and ids are AuthApiErrors', async () => {
    const providerId = await addProvider('byid.example');
    const client = auth.client({ flowType: 'pkce' });
    const { data, error } = await client.signInWithSSO({
      providerId,
      options: { redirectTo: APP_CALLBACK, skipBrowserRedirect: true },
    });
    assert.equal(error, null);
    const landed = await approve(data.url, 'grace@byid.example');
    const exchanged = await client.exchangeCodeForSession(landed.searchParams.get('code'));
    assert.equal(exchanged.data.user.email, 'grace@byid.example');

    const unknown = await client.signInWithSSO({ domain: 'nobody.example' });
    assert.ok(isAuthApiError(unknown.error));
    assert.equal(unknown.error.code, 'sso_provider_not_found');
    const gone = await client.signInWithSSO({ providerId: crypto.randomUUID() });
    assert.equal(gone.error.code, 'sso_provider_not_found');
  });
});

describe('@supabase/auth-js against local-auth (Web3: Ethereum and Solana)', () => {
  const APP = 'http://localhost:3000/';
  let auth;
  before(async () => {
    auth = await startLocalAuth({
      LOCAL_AUTH_WEB3_ETHEREUM_ENABLED: 'true',
      LOCAL_AUTH_WEB3_SOLANA_ENABLED: 'true',
      LOCAL_AUTH_ADDITIONAL_REDIRECT_URLS: 'http://localhost:3000/**',
    });
  });
  after(() => auth.stop());

  test('signInWithWeb3 with an Ethereum wallet: auth-js writes the EIP-4361 message, the wallet signs', async () => {
    const wallet = ethereumWallet(11);
    const client = auth.client();
    const { data, error } = await client.signInWithWeb3({
      chain: 'ethereum',
      wallet,
      statement: 'Sign in to the notes app',
      options: { url: APP },
    });
    assert.equal(error, null);
    assert.equal(data.user.app_metadata.provider, 'web3');
    assert.equal(data.user.identities[0].id, `web3:ethereum:${wallet.address}`);
    const { data: claims } = await client.getClaims();
    assert.equal(claims.claims.amr[0].method, 'web3');
  });

  test('signInWithWeb3 with a Solana wallet (signMessage), then the same wallet again', async () => {
    const wallet = solanaWallet(12);
    const first = await auth.client().signInWithWeb3({ chain: 'solana', wallet, options: { url: APP } });
    assert.equal(first.error, null);
    assert.equal(first.data.user.identities[0].id, `web3:solana:${wallet.publicKey.toBase58()}`);
    const second = await auth.client().signInWithWeb3({ chain: 'solana', wallet, options: { url: APP } });
    assert.equal(second.data.user.id, first.data.user.id);
  });

  test("a wallet signing for another site's URI is refused as invalid_grant", async () => {
    const { error } = await auth.client().signInWithWeb3({
      chain: 'ethereum',
      wallet: ethereumWallet(13),
      options: { url: 'https://evil.example/' },
    });
    assert.ok(isAuthApiError(error));
    assert.equal(error.status, 400);
    assert.match(error.message, /signed for another app/);
  });
});
