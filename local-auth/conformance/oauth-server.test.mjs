// The official @supabase/auth-js client's OAuth 2.1 server calls against local-auth: the admin
// API registers a client (`auth.admin.oauth`), a site's consent page reads and decides requests
// (`auth.oauth.getAuthorizationDetails`, `approveAuthorization`, `denyAuthorization`) and lists
// and revokes what its user granted (`listGrants`, `revokeGrant`).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { isAuthApiError } from '@supabase/auth-js';
import { email, startLocalAuth } from './harness.mjs';

const PASSWORD = 'correct-horse-battery';
const REDIRECT = 'https://client.example/callback';

describe('@supabase/auth-js OAuth 2.1 server calls against local-auth', () => {
  let auth;
  before(async () => {
    auth = await startLocalAuth({ LOCAL_AUTH_OAUTH_SERVER_ENABLED: 'true' });
  });
  after(() => auth.stop());

  async function signedIn(name) {
    const address = email(name);
    const client = auth.client();
    assert.equal((await client.signUp({ email: address, password: PASSWORD })).error, null);
    const { code } = await auth.latestMail(address);
    assert.equal((await client.verifyOtp({ email: address, token: code, type: 'signup' })).error, null);
    return client;
  }

  /** What a client application starts: returns the authorization id and its PKCE verifier. */
  async function authorize(clientId, scope = 'openid email') {
    const verifier = randomBytes(48).toString('base64url');
    const url = new URL(`${auth.url}/oauth/authorize`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope,
      state: 'st',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 302);
    const consent = new URL(response.headers.get('location'));
    assert.equal(consent.pathname, '/oauth/consent');
    return { id: consent.searchParams.get('authorization_id'), verifier };
  }

  test('a consent page approves with auth.oauth; the grant is listed, then revoked', async () => {
    const admin = auth.adminClient();
    const created = await admin.admin.oauth.createClient({
      client_name: 'Conformance App',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
    });
    assert.equal(created.error, null);
    const clientId = created.data.client_id;
    const user = await signedIn('oauth-approve');
    const { id, verifier } = await authorize(clientId);

    const details = await user.oauth.getAuthorizationDetails(id);
    assert.equal(details.error, null);
    assert.equal(details.data.authorization_id, id);
    assert.equal(details.data.client.name, 'Conformance App');
    assert.equal(details.data.scope, 'openid email');
    assert.equal(details.data.redirect_uri, REDIRECT);

    const approved = await user.oauth.approveAuthorization(id, { skipBrowserRedirect: true });
    assert.equal(approved.error, null);
    const back = new URL(approved.data.redirect_url);
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    assert.equal(back.searchParams.get('state'), 'st');
    const tokens = await fetch(`${auth.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: clientId,
        code: back.searchParams.get('code'),
        code_verifier: verifier,
      }),
    });
    assert.equal(tokens.status, 200);
    assert.ok((await tokens.json()).id_token);

    const grants = await user.oauth.listGrants();
    assert.equal(grants.error, null);
    assert.deepEqual(
      grants.data.map((grant) => [grant.client.id, grant.scopes]),
      [[clientId, ['openid', 'email']]],
    );
    assert.equal((await user.oauth.revokeGrant({ clientId })).error, null);
    assert.deepEqual((await user.oauth.listGrants()).data, []);
    const again = await user.oauth.revokeGrant({ clientId });
    assert.ok(isAuthApiError(again.error));
    assert.equal(again.error.code, 'oauth_consent_not_found');
  });

  test('denyAuthorization sends the client access_denied; another user sees no request', async () => {
    const admin = auth.adminClient();
    const { data: client } = await admin.admin.oauth.createClient({
      client_name: 'Conformance Deny',
      redirect_uris: [REDIRECT],
    });
    const owner = await signedIn('oauth-deny');
    const other = await signedIn('oauth-other');
    const { id } = await authorize(client.client_id);
    assert.equal((await owner.oauth.getAuthorizationDetails(id)).error, null);

    const foreign = await other.oauth.getAuthorizationDetails(id);
    assert.ok(isAuthApiError(foreign.error));
    assert.equal(foreign.error.status, 404);
    assert.equal(foreign.error.code, 'oauth_authorization_not_found');

    const denied = await owner.oauth.denyAuthorization(id, { skipBrowserRedirect: true });
    assert.equal(denied.error, null);
    const back = new URL(denied.data.redirect_url);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('code'), null);
    const twice = await owner.oauth.approveAuthorization(id, { skipBrowserRedirect: true });
    assert.ok(isAuthApiError(twice.error));
    assert.equal(twice.error.code, 'validation_failed');
  });
});
