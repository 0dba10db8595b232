//! The development third-party issuer: what Clerk, Firebase Auth, Auth0, AWS Cognito or WorkOS is
//! to a project that trusts its tokens (`[auth.third_party.<provider>]`), played on this machine.
//! It signs tokens shaped as that provider's (its issuer URL, the claims it writes, its user id
//! form, RS256 with a named key) with an RSA key generated once and kept in the database, and
//! publishes the key at a discovery document of its own; the app finds it there instead of at the
//! provider's. Its tokens carry the `role: authenticated` claim each provider is set up to add for
//! Supabase (see the README). The provider's own sign-in UI is out of reach here: a page of
//! local-auth's signs the developer in and leaves the token in the `__session` cookie, as Clerk's
//! script does (and as a page does with the others' SDKs).

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::{
    RsaPrivateKey,
    pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey},
    traits::PublicKeyParts,
};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use supabase_ssr::third_party::{Issuer, Provider};

use crate::{db::Db, error::ApiError, store};

/// How long a development token lives, in seconds. Longer than Clerk's minute (no provider script
/// renews it here), as long as Firebase's and Cognito's hour.
pub const TOKEN_LIFETIME: u64 = 3600;

/// The cookie the development sign-in leaves the token in.
pub const COOKIE: &str = "__session";

/// The algorithm the development key is stored under in `signing_keys`.
const KEY_ALGORITHM: &str = "RS256";

/// The development issuer for one provider.
pub struct DevIssuer {
    issuer: Issuer,
    /// The app's URL: Clerk names it in `azp`.
    site: String,
    kid: String,
    key: EncodingKey,
    jwks: Value,
}

impl std::fmt::Debug for DevIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevIssuer")
            .field("issuer", &self.issuer.issuer())
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Who a development token is for.
#[derive(Debug, Clone)]
pub struct Who {
    /// The user id, in the provider's form.
    pub subject: String,
    /// Their email address, written only by providers whose tokens carry one.
    pub email: Option<String>,
}

impl Who {
    /// The user `email` is at `provider`: the same address is always the same id.
    pub fn for_email(provider: Provider, email: &str) -> Self {
        Self {
            subject: subject(provider, email),
            email: Some(email.to_owned()),
        }
    }
}

impl DevIssuer {
    /// The issuer standing in for `issuer` for the app at `site`, with the RSA key stored in
    /// `db` (generated, 2048 bits, on first use).
    pub async fn load(db: &Db, issuer: Issuer, site: &url::Url) -> sqlx::Result<Self> {
        let protocol = |error: String| sqlx::Error::Protocol(error);
        let (kid, der) = match store::signing_key(&db.write, KEY_ALGORITHM).await? {
            Some(stored) => stored,
            None => {
                let der = tokio::task::spawn_blocking(|| {
                    let mut rng = rsa::rand_core::OsRng;
                    RsaPrivateKey::new(&mut rng, 2048)
                        .and_then(|key| key.to_pkcs1_der().map_err(Into::into))
                        .map(|der| der.as_bytes().to_vec())
                        .map_err(|error| error.to_string())
                })
                .await
                .map_err(|error| protocol(error.to_string()))?
                .map_err(protocol)?;
                let kid = uuid::Uuid::new_v4().to_string();
                store::insert_signing_key(&db.write, &kid, KEY_ALGORITHM, &der).await?;
                (kid, der)
            }
        };
        let private = RsaPrivateKey::from_pkcs1_der(&der).map_err(|e| protocol(e.to_string()))?;
        let jwks = json!({
            "keys": [{
                "kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
                "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
                "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()),
            }]
        });
        let key = EncodingKey::from_rsa_der(&der);
        Ok(Self {
            issuer,
            site: site.as_str().trim_end_matches('/').to_owned(),
            kid,
            key,
            jwks,
        })
    }

    /// The provider it stands in for.
    pub fn provider(&self) -> Provider {
        self.issuer.provider()
    }

    /// Its public key, as its `jwks_uri` serves it.
    pub fn jwks(&self) -> &Value {
        &self.jwks
    }

    /// Its OpenID Connect discovery document; `base` is local-auth's API base, where it serves
    /// the keys. The issuer named is the provider's.
    pub fn discovery(&self, base: &str) -> Value {
        json!({
            "issuer": self.issuer.issuer(),
            "jwks_uri": format!("{base}{JWKS_PATH}"),
            "response_types_supported": ["code", "id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })
    }

    /// A token for `who`, shaped as the provider's, valid for `lifetime` seconds from now, with
    /// `overrides` applied last (a `null` removes a claim): how tests make the tokens a project
    /// must refuse.
    pub fn mint(
        &self,
        who: &Who,
        overrides: &Map<String, Value>,
        lifetime: u64,
    ) -> Result<String, ApiError> {
        let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default();
        let mut claims = self.claims(who, now, lifetime);
        for (name, value) in overrides {
            if value.is_null() {
                claims.remove(name);
            } else {
                claims.insert(name.clone(), value.clone());
            }
        }
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(ApiError::internal)
    }

    /// The claims the provider writes in the token a browser holds for `who` (its session token,
    /// ID token or access token, whichever its Supabase guide has the page send).
    fn claims(&self, who: &Who, now: u64, lifetime: u64) -> Map<String, Value> {
        let iss = self.issuer.issuer();
        let mut claims = object(json!({
            "iss": iss,
            "sub": who.subject,
            "iat": now,
            "exp": now + lifetime,
            "role": "authenticated",
        }));
        let nonce = |prefix: &str| {
            let bytes = crate::crypto::random_bytes::<16>();
            format!("{prefix}{}", encode(&bytes, 26, CROCKFORD))
        };
        let extra = match self.issuer.provider() {
            // A Clerk session token (with the Supabase integration's `role`).
            Provider::Clerk => json!({
                "nbf": now,
                "azp": self.site,
                "sid": nonce("sess_"),
                "v": 2,
            }),
            // A Firebase ID token.
            Provider::Firebase => json!({
                "aud": self.issuer.audience(),
                "auth_time": now,
                "user_id": who.subject,
                "email": who.email,
                "email_verified": true,
                "firebase": {
                    "identities": { "email": who.email.iter().collect::<Vec<_>>() },
                    "sign_in_provider": "password",
                },
            }),
            // An Auth0 access token for the tenant's userinfo (and an API, when one is asked).
            Provider::Auth0 => json!({
                "aud": [format!("{iss}userinfo")],
                "azp": "local-auth-development-client",
                "scope": "openid profile email",
            }),
            // A Cognito access token (with the pre-token-generation trigger's `role`).
            Provider::AwsCognito => json!({
                "client_id": "localauthdevelopmentclient",
                "token_use": "access",
                "scope": "aws.cognito.signin.user.admin",
                "auth_time": now,
                "username": who.subject,
                "jti": uuid::Uuid::new_v4().to_string(),
                "origin_jti": uuid::Uuid::new_v4().to_string(),
            }),
            // A WorkOS AuthKit access token (with the JWT template's `role`).
            Provider::Workos => json!({
                "sid": nonce("session_01"),
                "jti": nonce("01"),
            }),
        };
        for (name, value) in object(extra) {
            if !value.is_null() {
                claims.insert(name, value);
            }
        }
        claims
    }
}

/// The members of a JSON object (none for any other value).
fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(members) => members,
        _ => Map::new(),
    }
}

/// Where the development issuer's pages and keys are, relative to the API base.
pub const DISCOVERY_PATH: &str = "/third-party/.well-known/openid-configuration";
/// Its keys.
pub const JWKS_PATH: &str = "/third-party/jwks.json";
/// Its sign-in page.
pub const SIGN_IN_PATH: &str = "/third-party/sign-in";

/// The user id `provider` would give `email`, in that provider's form: Clerk's `user_…`, a
/// Firebase uid, Auth0's `auth0|…`, a Cognito UUID, WorkOS's `user_01…`.
fn subject(provider: Provider, email: &str) -> String {
    let digest = Sha256::digest(format!("third-party:{}:{email}", provider.key()));
    match provider {
        Provider::Clerk => format!("user_{}", encode(&digest, 27, BASE62)),
        Provider::Firebase => encode(&digest, 28, BASE62),
        Provider::Auth0 => format!("auth0|{}", crate::crypto::hex(&digest[..12])),
        Provider::AwsCognito => {
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .to_string()
        }
        Provider::Workos => format!("user_01{}", encode(&digest, 24, CROCKFORD)),
    }
}

/// Base 62, as Clerk's and Firebase's ids are written.
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Crockford's base 32, as ULIDs (WorkOS's ids, Clerk's session ids) are written.
const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `length` characters of `alphabet` drawn from `bytes`.
fn encode(bytes: &[u8], length: usize, alphabet: &[u8]) -> String {
    bytes
        .iter()
        .cycle()
        .take(length)
        .map(|byte| char::from(alphabet[usize::from(*byte) % alphabet.len()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_take_each_providers_form_and_stay_stable() {
        let id = |provider| subject(provider, "ada@example.com");
        assert!(id(Provider::Clerk).starts_with("user_") && id(Provider::Clerk).len() == 32);
        assert_eq!(id(Provider::Firebase).len(), 28);
        assert!(id(Provider::Auth0).starts_with("auth0|"));
        assert!(uuid::Uuid::parse_str(&id(Provider::AwsCognito)).is_ok());
        assert!(id(Provider::Workos).starts_with("user_01"));
        assert_eq!(
            id(Provider::Clerk),
            subject(Provider::Clerk, "ada@example.com")
        );
        assert_ne!(
            id(Provider::Clerk),
            subject(Provider::Clerk, "bob@example.com")
        );
    }
}
