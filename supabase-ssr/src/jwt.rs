//! Verifying access tokens: ES256/RS256 tokens locally against the project's JWKS (cached for ten
//! minutes, fetched again once when a token names an unknown `kid`), with `exp`, `iss` and `aud`
//! checked; HS256 tokens by asking the server (`GET /user`), as the official client's `getClaims`
//! does. Any other token (an asymmetric one without a `kid`, another algorithm) is refused
//! without a call: Supabase Auth issues none. A token verified locally is remembered (by its
//! SHA-256) until it expires, so the requests of one session pay for the signature check once.
//!
//! Keys past their ten minutes keep verifying while a fetch runs in the background, so no request
//! waits for the auth server to check a token signed with a key already known. When the auth
//! server cannot be reached, the keys fetched last stay in use for up to [`JWKS_MAX_STALE`], and
//! requests that queued behind a failed fetch share its failure instead of each waiting for their
//! own: an outage of the auth server does not sign anyone out.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::{AccessToken, AuthClient, Error, unix_now};

/// How long a fetched JWKS is trusted.
pub const JWKS_TTL: Duration = Duration::from_secs(600);
/// How long the last fetched JWKS stays in use while fetching a fresh one fails. Supabase keeps
/// a rotated-out key in the JWKS for far longer than this, so no valid token is refused for it.
pub const JWKS_MAX_STALE: Duration = Duration::from_secs(24 * 60 * 60);
/// After a failed JWKS fetch, how long requests use the stale keys without trying again.
const FAILED_FETCH_BACKOFF: Duration = Duration::from_secs(5);
/// The shortest time between two fetches caused by unknown `kid`s, so tokens with made-up key
/// ids cannot turn every request into a JWKS fetch. The first unknown `kid` after a quiet spell
/// is fetched at once, so a key rotation is picked up by its first token.
const REFETCH_GAP: Duration = Duration::from_secs(30);
/// How many verified tokens are remembered at most; past that, expired ones are dropped, and if
/// none has expired the memory starts over.
const REMEMBERED_TOKENS: usize = 10_000;
/// How long a token whose signature verified (expired or not) is remembered as this project's:
/// as long as the keys it was checked against are trusted.
const REMEMBER_OURS: Duration = JWKS_TTL;

/// The authenticator assurance level of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aal {
    /// One factor (password, link, code, OAuth).
    Aal1,
    /// Two factors (an MFA factor was verified).
    Aal2,
}

/// One authentication method of a session, newest first in [`Claims::amr`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmrEntry {
    /// `password`, `otp`, `totp`, `oauth`, `magiclink`, `recovery`, `anonymous`, …
    pub method: String,
    /// When, in seconds since the epoch.
    pub timestamp: u64,
    /// For `sso/saml`: the SSO provider's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// The `aud` claim: one audience or several.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience (what Supabase Auth issues).
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `audience` is among them.
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Self::One(one) => one == audience,
            Self::Many(many) => many.iter().any(|candidate| candidate == audience),
        }
    }
}

/// The claims of a Supabase access token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: `<project url>/auth/v1`.
    pub iss: String,
    /// The user id.
    pub sub: String,
    /// Audience, `authenticated` by default.
    pub aud: Audience,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// The user's email (empty when none).
    #[serde(default)]
    pub email: String,
    /// The user's phone (empty when none).
    #[serde(default)]
    pub phone: String,
    /// Server-controlled user data, including custom claims.
    #[serde(default)]
    pub app_metadata: Value,
    /// User-controlled data.
    #[serde(default)]
    pub user_metadata: Value,
    /// The Postgres role, `authenticated` for signed-in users (anonymous ones too).
    pub role: String,
    /// Assurance level of the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aal: Option<Aal>,
    /// How the session was authenticated, newest first.
    #[serde(default)]
    pub amr: Vec<AmrEntry>,
    /// The session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Whether the user is anonymous.
    #[serde(default)]
    pub is_anonymous: bool,
    /// Claims this crate does not name (custom claims from hooks).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Claims {
    /// The claims of `token` without checking its signature. Only for tokens the server has just
    /// accepted (the `GET /user` fallback) or for reading hints such as `exp`.
    pub fn decode_unverified(token: &str) -> Result<Self, Error> {
        let payload = token
            .split('.')
            .nth(1)
            .ok_or_else(|| Error::InvalidJwt("not a JWT".into()))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|error| Error::InvalidJwt(format!("payload: {error}")))?;
        serde_json::from_slice(&bytes)
            .map_err(|error| Error::InvalidJwt(format!("claims: {error}")))
    }
}

/// A verified token: its claims, and whether the server was asked (HS256 / no `kid`).
#[derive(Clone, Debug)]
pub struct Verified {
    /// The token's claims.
    pub claims: Arc<Claims>,
    /// True when the claims were confirmed by `GET /user` rather than locally.
    pub checked_by_server: bool,
}

struct KeyCache {
    keys: HashMap<String, (Algorithm, Arc<DecodingKey>)>,
    fetched_at: Option<Instant>,
    /// When an unknown `kid` last caused a fetch.
    refetched_at: Option<Instant>,
    /// When a fetch last failed.
    failed_at: Option<Instant>,
}

/// Where a [`KeySet`] fetches its JWKS.
#[derive(Clone)]
pub(crate) enum KeySource {
    /// The project's `/.well-known/jwks.json`.
    Project(AuthClient),
    /// The `jwks_uri` an OpenID Connect discovery document names (a third-party issuer's),
    /// fetched with this client's HTTP connection pool and timeouts.
    Discovery(AuthClient, url::Url),
}

/// The signing keys of one issuer, fetched and cached as the module says, and the tokens they
/// verified. Cheap to clone; clones share the cache.
#[derive(Clone)]
pub(crate) struct KeySet {
    source: KeySource,
    cache: Arc<RwLock<KeyCache>>,
    fetch: Arc<tokio::sync::Mutex<()>>,
    /// How long a fetched JWKS is trusted ([`JWKS_TTL`] unless changed).
    jwks_ttl: Duration,
    /// Tokens verified with these keys, by SHA-256, until they expire.
    verified: Arc<RwLock<HashMap<[u8; 32], Arc<Claims>>>>,
}

impl KeySet {
    pub(crate) fn new(source: KeySource) -> Self {
        Self {
            source,
            cache: Arc::new(RwLock::new(KeyCache {
                keys: HashMap::new(),
                fetched_at: None,
                refetched_at: None,
                failed_at: None,
            })),
            fetch: Arc::new(tokio::sync::Mutex::new(())),
            jwks_ttl: JWKS_TTL,
            verified: Arc::default(),
        }
    }

    /// Trusts a fetched JWKS for `ttl` instead of [`JWKS_TTL`].
    pub(crate) fn set_jwks_ttl(&mut self, ttl: Duration) {
        self.jwks_ttl = ttl;
    }

    /// The claims of a token these keys verified and that has not expired, by its digest.
    pub(crate) fn remembered(&self, digest: &[u8; 32]) -> Option<Arc<Claims>> {
        let verified = self
            .verified
            .read()
            .expect("the verified-token lock is never poisoned");
        verified
            .get(digest)
            .filter(|claims| claims.exp > unix_now())
            .cloned()
    }

    /// Remembers a verified token's claims until it expires (or the keys change).
    pub(crate) fn remember(&self, digest: [u8; 32], claims: Arc<Claims>) {
        let mut verified = self
            .verified
            .write()
            .expect("the verified-token lock is never poisoned");
        let now = unix_now();
        insert_bounded(&mut verified, digest, claims, |claims| claims.exp > now);
    }

    /// The key for `kid` when the cached JWKS is fresh and has it; else whether a fetch is
    /// allowed now (the cache is stale, or no unknown `kid` caused one recently).
    fn cached_key(&self, kid: &str) -> Result<(Algorithm, Arc<DecodingKey>), bool> {
        let cache = self
            .cache
            .read()
            .expect("the key cache lock is never poisoned");
        let fresh = cache
            .fetched_at
            .is_some_and(|at| at.elapsed() < self.jwks_ttl);
        match cache.keys.get(kid) {
            Some(key) if fresh => Ok(key.clone()),
            _ if !fresh => Err(true),
            _ => Err(cache
                .refetched_at
                .is_none_or(|at| at.elapsed() >= REFETCH_GAP)),
        }
    }

    /// The key for `kid` from the last fetched JWKS, however old, while that is within
    /// [`JWKS_MAX_STALE`].
    fn stale_key(&self, kid: &str) -> Option<(Algorithm, Arc<DecodingKey>)> {
        let cache = self
            .cache
            .read()
            .expect("the key cache lock is never poisoned");
        let usable = cache
            .fetched_at
            .is_some_and(|at| at.elapsed() < JWKS_MAX_STALE);
        usable.then(|| cache.keys.get(kid).cloned()).flatten()
    }

    /// The key that signed a token with `header`: an ES256 or RS256 key named by the header's
    /// `kid` (the issuers trusted here name the key of every token, and sign with nothing
    /// else), of the algorithm the header says.
    pub(crate) async fn signing_key(
        &self,
        header: &jsonwebtoken::Header,
    ) -> Result<(Algorithm, Arc<DecodingKey>), Error> {
        let kid = match (header.alg, &header.kid) {
            (Algorithm::ES256 | Algorithm::RS256, Some(kid)) => kid,
            (algorithm @ (Algorithm::ES256 | Algorithm::RS256), None) => {
                return Err(Error::InvalidJwt(format!(
                    "an {algorithm:?} token without a key id"
                )));
            }
            (algorithm, _) => {
                return Err(Error::InvalidJwt(format!(
                    "tokens signed with {algorithm:?} are not accepted: only ES256 and RS256"
                )));
            }
        };
        let (algorithm, key) = self.key(kid).await?;
        if algorithm != header.alg {
            return Err(Error::InvalidJwt(format!(
                "the token says {:?} but key {kid} is {algorithm:?}",
                header.alg
            )));
        }
        Ok((algorithm, key))
    }

    /// The algorithm and key for `kid`: cached, else fetched (see the module).
    async fn key(&self, kid: &str) -> Result<(Algorithm, Arc<DecodingKey>), Error> {
        if let Ok(key) = self.cached_key(kid) {
            return Ok(key);
        }
        // Past their time, the keys fetched last still verify while a fetch runs in the
        // background: a valid token never waits for the issuer. Only a key id never seen (a
        // rotation) waits for the fetch.
        if let Some(key) = self.stale_key(kid) {
            self.refetch_in_background();
            return Ok(key);
        }
        let arrived = Instant::now();
        // One fetch at a time; whoever waited finds the keys the first one fetched, or shares
        // its failure.
        let _fetching = self.fetch.lock().await;
        let may_fetch = match self.cached_key(kid) {
            Ok(key) => return Ok(key),
            Err(may_fetch) => may_fetch,
        };
        if self.failed_since(arrived) {
            return self.stale_key(kid).ok_or(Error::Server {
                status: http::StatusCode::SERVICE_UNAVAILABLE,
                code: None,
            });
        }
        if may_fetch {
            if let Err(error) = self.fetch_keys().await {
                return self.stale_key(kid).ok_or(error);
            }
            if let Ok(key) = self.cached_key(kid) {
                return Ok(key);
            }
        }
        Err(Error::InvalidJwt(format!("no signing key with kid {kid}")))
    }

    /// Whether a fetch failed after `arrived`, or within [`FAILED_FETCH_BACKOFF`].
    fn failed_since(&self, arrived: Instant) -> bool {
        self.cache
            .read()
            .expect("the key cache lock is never poisoned")
            .failed_at
            .is_some_and(|at| at >= arrived || at.elapsed() < FAILED_FETCH_BACKOFF)
    }

    /// Starts fetching the JWKS in a task of its own, unless a fetch is under way or one failed
    /// within [`FAILED_FETCH_BACKOFF`].
    fn refetch_in_background(&self) {
        if self.failed_since(Instant::now()) {
            return;
        }
        let Ok(fetching) = self.fetch.clone().try_lock_owned() else {
            return;
        };
        let keys = self.clone();
        tokio::spawn(async move {
            let _fetching = fetching;
            // A failure is logged and remembered by `fetch_keys`; the old keys stay in use.
            let _ = keys.fetch_keys().await;
        });
    }

    /// Fetches the JWKS and replaces the cached keys; on failure keeps them, notes when it
    /// failed, and says why. The caller holds the fetch lock.
    async fn fetch_keys(&self) -> Result<(), Error> {
        let fetched = match &self.source {
            KeySource::Project(client) => client.jwks().await,
            KeySource::Discovery(client, url) => client.discovered_jwks(url).await,
        };
        let jwks = match fetched {
            Ok(jwks) => jwks,
            Err(error) => {
                tracing::warn!("cannot fetch the JWKS, using the keys fetched before: {error}");
                self.cache
                    .write()
                    .expect("the key cache lock is never poisoned")
                    .failed_at = Some(Instant::now());
                return Err(error);
            }
        };
        let mut cache = self
            .cache
            .write()
            .expect("the key cache lock is never poisoned");
        let stale = cache
            .fetched_at
            .is_none_or(|at| at.elapsed() >= self.jwks_ttl);
        if !stale {
            cache.refetched_at = Some(Instant::now());
        }
        cache.keys = decoding_keys(&jwks);
        cache.fetched_at = Some(Instant::now());
        cache.failed_at = None;
        // A key may have been withdrawn: what it verified is no longer trusted.
        self.verified
            .write()
            .expect("the verified-token lock is never poisoned")
            .clear();
        Ok(())
    }
}

/// Verifies access tokens of one project. Cheap to clone; clones share the key cache.
#[derive(Clone)]
pub struct JwtVerifier {
    client: AuthClient,
    validation_issuer: String,
    audience: String,
    keys: KeySet,
    /// Tokens [`JwtVerifier::is_ours`] found signed here, by SHA-256, and when.
    ours: Arc<RwLock<HashMap<[u8; 32], Instant>>>,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("issuer", &self.validation_issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// A verifier for tokens issued by the project `client` talks to, for the `authenticated`
    /// audience.
    pub fn new(client: AuthClient) -> Self {
        let validation_issuer = client.auth_url().as_str().trim_end_matches('/').to_owned();
        Self {
            keys: KeySet::new(KeySource::Project(client.clone())),
            client,
            validation_issuer,
            audience: "authenticated".to_owned(),
            ours: Arc::default(),
        }
    }

    /// This verifier, trusting a fetched JWKS for `ttl` instead of [`JWKS_TTL`].
    pub fn with_jwks_ttl(mut self, ttl: Duration) -> Self {
        self.keys.set_jwks_ttl(ttl);
        self
    }

    /// Verifies `token` and returns its claims.
    pub async fn verify(&self, token: &AccessToken) -> Result<Verified, Error> {
        let digest: [u8; 32] = Sha256::digest(token.expose_secret().as_bytes()).into();
        if let Some(claims) = self.keys.remembered(&digest) {
            return Ok(Verified {
                claims,
                checked_by_server: false,
            });
        }
        let Some(claims) = self.decode(token, true).await? else {
            return self.verify_with_server(token).await;
        };
        let claims = Arc::new(claims);
        self.keys.remember(digest, claims.clone());
        Ok(Verified {
            claims,
            checked_by_server: false,
        })
    }

    /// Whether `token` was issued by this project, expired or not: its signature verifies
    /// against the project's keys and its `iss` and `aud` are right. Only such a token's session
    /// is worth a refresh call; a made-up one is not. `Ok(false)` for a token signed with a
    /// shared secret (HS256), which only the server can check.
    ///
    /// A token found ours is remembered (by its SHA-256) for [`JWKS_TTL`], so the requests of a
    /// session waiting for its refresh, which all carry the same expired token, cost one
    /// signature check between them rather than one each (an ES256 check is a quarter of a
    /// millisecond). Only tokens that verified enter the memory, so a made-up cookie cannot fill
    /// it.
    pub async fn is_ours(&self, token: &AccessToken) -> Result<bool, Error> {
        let digest: [u8; 32] = Sha256::digest(token.expose_secret().as_bytes()).into();
        let known = self
            .ours
            .read()
            .expect("the signed-token lock is never poisoned")
            .get(&digest)
            .is_some_and(|at| at.elapsed() < REMEMBER_OURS);
        if known {
            return Ok(true);
        }
        let ours = self.decode(token, false).await?.is_some();
        if ours {
            let mut remembered = self
                .ours
                .write()
                .expect("the signed-token lock is never poisoned");
            insert_bounded(&mut remembered, digest, Instant::now(), |at| {
                at.elapsed() < REMEMBER_OURS
            });
        }
        Ok(ours)
    }

    /// The claims of an ES256/RS256 `token` checked against the project's keys (`exp` too when
    /// `check_expiry`); `None` for a token only the server can check.
    async fn decode(
        &self,
        token: &AccessToken,
        check_expiry: bool,
    ) -> Result<Option<Claims>, Error> {
        let header = jsonwebtoken::decode_header(token.expose_secret())
            .map_err(|error| Error::InvalidJwt(error.to_string()))?;
        if header.alg == Algorithm::HS256 {
            return Ok(None);
        }
        let (algorithm, key) = self.keys.signing_key(&header).await?;
        let mut validation = Validation::new(algorithm);
        validation.leeway = 0;
        validation.validate_exp = check_expiry;
        validation.set_issuer(&[&self.validation_issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<Claims>(token.expose_secret(), &key, &validation)
            .map(|data| Some(data.claims))
            .map_err(|error| Error::InvalidJwt(error.to_string()))
    }

    async fn verify_with_server(&self, token: &AccessToken) -> Result<Verified, Error> {
        self.client.get_user(token).await?;
        Ok(Verified {
            claims: Arc::new(Claims::decode_unverified(token.expose_secret())?),
            checked_by_server: true,
        })
    }
}

/// The ES256 and RS256 keys of a JWKS by `kid`; other keys are skipped.
fn decoding_keys(jwks: &JwkSet) -> HashMap<String, (Algorithm, Arc<DecodingKey>)> {
    jwks.keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            let algorithm = match &jwk.algorithm {
                jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
                _ => return None,
            };
            let key = DecodingKey::from_jwk(jwk).ok()?;
            Some((kid, (algorithm, Arc::new(key))))
        })
        .collect()
}

/// Inserts into a memory of tokens by digest, which holds [`REMEMBERED_TOKENS`] at most: when it
/// is full, the entries `current` rejects go first, and all of them if that frees nothing.
fn insert_bounded<V>(
    memory: &mut HashMap<[u8; 32], V>,
    digest: [u8; 32],
    value: V,
    current: impl Fn(&V) -> bool,
) {
    if memory.len() >= REMEMBERED_TOKENS {
        memory.retain(|_, value| current(value));
        if memory.len() >= REMEMBERED_TOKENS {
            memory.clear();
        }
    }
    memory.insert(digest, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_read_from_a_token_payload() {
        let payload = URL_SAFE_NO_PAD.encode(
            r#"{"iss":"http://x/auth/v1","sub":"u","aud":"authenticated","exp":2,"iat":1,
                "role":"authenticated","aal":"aal1","amr":[{"method":"password","timestamp":1}],
                "session_id":"s","is_anonymous":false,"user_role":"admin"}"#,
        );

        let claims = Claims::decode_unverified(&format!("h.{payload}.s")).unwrap();

        assert_eq!(claims.aal, Some(Aal::Aal1));
        assert_eq!(claims.amr[0].method, "password");
        assert!(claims.aud.contains("authenticated"));
        assert_eq!(claims.extra["user_role"], "admin");
    }

    #[test]
    fn garbage_is_an_invalid_jwt_not_a_panic() {
        for token in ["", "a", "a.b", "a.%%%.c", "a.e30.c"] {
            assert!(matches!(
                Claims::decode_unverified(token),
                Err(Error::InvalidJwt(_))
            ));
        }
    }
}
