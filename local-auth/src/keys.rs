//! Token signing: an ES256 key generated on first start and kept in the database (published in the
//! JWKS), or the legacy HS256 secret when one is configured (then the JWKS is empty).
//!
//! ES256 tokens are signed with ring, whose P-256 code is several times faster than the portable
//! implementation; every sign-in and refresh signs one.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::{
    SecretKey,
    elliptic_curve::{Generate, sec1::ToSec1Point},
    pkcs8::{DecodePrivateKey, EncodePrivateKey},
};
use ring::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair},
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

use crate::{
    config::Secret,
    db::Db,
    error::{ApiError, ErrorCode},
    store,
};

/// Signs and verifies the tokens this server issues.
pub struct Signer {
    algorithm: Algorithm,
    kid: Option<String>,
    signing: SigningKey,
    decoding: DecodingKey,
    jwks: Value,
}

enum SigningKey {
    Es256(Box<EcdsaKeyPair>),
    Hs256(EncodingKey),
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// The HS256 signer for `secret`, or the ES256 key stored in `db` (generated on first use).
    pub async fn load(db: &Db, secret: Option<&Secret>) -> sqlx::Result<Self> {
        if let Some(secret) = secret {
            return Ok(Self {
                algorithm: Algorithm::HS256,
                kid: None,
                signing: SigningKey::Hs256(EncodingKey::from_secret(secret.expose())),
                decoding: DecodingKey::from_secret(secret.expose()),
                jwks: json!({ "keys": [] }),
            });
        }
        let stored = store::signing_key(&db.write, "ES256").await?;
        let (kid, der) = match stored {
            Some(stored) => stored,
            None => {
                let kid = uuid::Uuid::new_v4().to_string();
                let der = SecretKey::generate()
                    .to_pkcs8_der()
                    .map_err(|error| sqlx::Error::Protocol(error.to_string()))?
                    .as_bytes()
                    .to_vec();
                store::insert_signing_key(&db.write, &kid, "ES256", &der).await?;
                (kid, der)
            }
        };
        Self::es256(kid, &der).map_err(sqlx::Error::Protocol)
    }

    fn es256(kid: String, der: &[u8]) -> Result<Self, String> {
        let secret = SecretKey::from_pkcs8_der(der).map_err(|error| error.to_string())?;
        let point = secret.public_key().to_sec1_point(false);
        let (x, y) = (
            point.x().ok_or("the public key has no x coordinate")?,
            point.y().ok_or("the public key has no y coordinate")?,
        );
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        let decoding =
            DecodingKey::from_ec_components(&x, &y).map_err(|error| error.to_string())?;
        let jwks = json!({
            "keys": [{
                "kty": "EC", "crv": "P-256", "x": x, "y": y,
                "alg": "ES256", "use": "sig", "key_ops": ["verify"], "kid": kid,
            }]
        });
        let key_pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &SystemRandom::new())
                .map_err(|error| format!("the stored ES256 key is unusable: {error}"))?;
        Ok(Self {
            algorithm: Algorithm::ES256,
            kid: Some(kid),
            signing: SigningKey::Es256(Box::new(key_pair)),
            decoding,
            jwks,
        })
    }

    /// The signing algorithm's JOSE name (`ES256`, `HS256`).
    pub fn algorithm_name(&self) -> &'static str {
        match self.signing {
            SigningKey::Es256(_) => "ES256",
            SigningKey::Hs256(_) => "HS256",
        }
    }

    /// Whether others can verify what this signs from the published keys (not with a shared
    /// secret): what an OpenID Connect ID token needs.
    pub fn is_asymmetric(&self) -> bool {
        matches!(self.signing, SigningKey::Es256(_))
    }

    /// The public keys, as served at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> &Value {
        &self.jwks
    }

    /// Signs `claims` into a JWT with `typ: JWT` and, for ES256, the key's `kid`.
    pub fn sign(&self, claims: &impl Serialize) -> Result<String, ApiError> {
        let mut header = Header::new(self.algorithm);
        header.kid.clone_from(&self.kid);
        header.typ = Some("JWT".into());
        match &self.signing {
            SigningKey::Hs256(key) => {
                jsonwebtoken::encode(&header, claims, key).map_err(ApiError::internal)
            }
            SigningKey::Es256(key_pair) => {
                let header = serde_json::to_vec(&header).map_err(ApiError::internal)?;
                let claims = serde_json::to_vec(claims).map_err(ApiError::internal)?;
                let mut token = URL_SAFE_NO_PAD.encode(header);
                token.push('.');
                token.push_str(&URL_SAFE_NO_PAD.encode(claims));
                let signature = key_pair
                    .sign(&SystemRandom::new(), token.as_bytes())
                    .map_err(ApiError::internal)?;
                token.push('.');
                token.push_str(&URL_SAFE_NO_PAD.encode(signature.as_ref()));
                Ok(token)
            }
        }
    }

    /// Verifies a service-role token this server's key signed: the signature, and the expiry when
    /// the token has one. Like upstream, neither an audience nor `exp` is required (the admin
    /// tokens made from the JWT secret carry neither). Fails with 403 `bad_jwt`.
    pub fn verify_service_token<C: DeserializeOwned>(&self, token: &str) -> Result<C, ApiError> {
        let mut validation = Validation::new(self.algorithm);
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        self.decode(token, validation)
    }

    /// Verifies a token this server signed: signature, expiry and the `authenticated` audience.
    /// Fails with 403 `bad_jwt`.
    pub fn verify<C: DeserializeOwned>(&self, token: &str) -> Result<C, ApiError> {
        let mut validation = Validation::new(self.algorithm);
        validation.set_audience(&["authenticated"]);
        self.decode(token, validation)
    }

    fn decode<C: DeserializeOwned>(
        &self,
        token: &str,
        mut validation: Validation,
    ) -> Result<C, ApiError> {
        validation.leeway = 0;
        jsonwebtoken::decode::<C>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|error| {
                ApiError::forbidden(
                    ErrorCode::BadJwt,
                    format!("invalid JWT: unable to parse or verify signature, {error}"),
                )
            })
    }
}
