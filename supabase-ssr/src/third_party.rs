//! Third-party auth: a project may trust the tokens of Clerk, Firebase Auth, Auth0, AWS Cognito or
//! WorkOS besides its own (`[auth.third_party.<provider>]`, one at a time, as the Supabase CLI
//! allows). [`Issuer`] derives the issuer URL each provider writes in its tokens from the same
//! settings the CLI reads, and [`ThirdPartyVerifier`] checks a token as the project's Data API
//! would have to trust it: the signature against the issuer's keys (its OpenID Connect discovery
//! document names them; cached and refetched as the project's own, see [`crate::JwtVerifier`]),
//! `iss` exactly, `exp` and `nbf`, the audience when one is expected, and the `role` claim
//! Supabase requires, which must say `authenticated`. Anything else is refused without a call.

use std::{fmt, sync::Arc, time::Duration};

use jsonwebtoken::Validation;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use url::Url;

use crate::{
    AccessToken, AuthClient, Claims, Error,
    jwt::{Audience, KeySet, KeySource},
};

/// The longest token accepted, in bytes: a provider's token is well under 4 KB (a cookie's size).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The longest `sub` accepted, in bytes.
const MAX_SUBJECT_BYTES: usize = 255;

/// A third-party auth provider Supabase integrates with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Firebase Auth (Google Identity Platform).
    Firebase,
    /// Auth0.
    Auth0,
    /// AWS Cognito (Amplify).
    AwsCognito,
    /// Clerk.
    Clerk,
    /// WorkOS AuthKit.
    Workos,
}

impl Provider {
    /// Every provider, in the order of the CLI's `config.toml`.
    pub const ALL: [Self; 5] = [
        Self::Firebase,
        Self::Auth0,
        Self::AwsCognito,
        Self::Clerk,
        Self::Workos,
    ];

    /// The name of its section: `[auth.third_party.<key>]`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Firebase => "firebase",
            Self::Auth0 => "auth0",
            Self::AwsCognito => "aws_cognito",
            Self::Clerk => "clerk",
            Self::Workos => "workos",
        }
    }

    /// The provider by its section name.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|provider| provider.key() == key.trim())
    }

    /// The provider's name, as people write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Firebase => "Firebase Auth",
            Self::Auth0 => "Auth0",
            Self::AwsCognito => "AWS Cognito",
            Self::Clerk => "Clerk",
            Self::Workos => "WorkOS",
        }
    }

    /// The settings of its section that name the issuer, as the CLI's `config.toml` spells them.
    pub fn settings(self) -> &'static [&'static str] {
        match self {
            Self::Firebase => &["project_id"],
            Self::Auth0 => &["tenant", "tenant_region"],
            Self::AwsCognito => &["user_pool_id", "user_pool_region"],
            Self::Clerk => &["domain"],
            Self::Workos => &["issuer_url"],
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an [`Issuer`] could not be formed from a provider's settings.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("auth.third_party.{provider}: {problem}")]
pub struct IssuerError {
    /// The provider's section name.
    pub provider: &'static str,
    /// What is wrong, naming the setting.
    pub problem: String,
}

/// A trusted third-party issuer: who signs the tokens, where its keys are found, and which
/// audience its tokens must carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer {
    provider: Provider,
    issuer: String,
    audience: Option<String>,
    discovery: Url,
}

impl Issuer {
    /// The issuer `provider`'s settings (read with `setting`, by the names of
    /// [`Provider::settings`]) describe, checked as the CLI checks them. Firebase tokens must be
    /// for the project (`aud`); other providers' audiences are not checked unless
    /// [`Issuer::with_audience`] names one.
    pub fn from_settings(
        provider: Provider,
        setting: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, IssuerError> {
        let fail = |problem: String| IssuerError {
            provider: provider.key(),
            problem,
        };
        let required = |name: &str| {
            setting(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| fail(format!("enabled without a {name}")))
        };
        let label = |name: &str, value: &str| {
            let fits = !value.is_empty()
                && value.len() <= 63
                && value
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if fits {
                Ok(())
            } else {
                Err(fail(format!(
                    "{name} `{value}` may hold only lowercase letters, digits and `-`"
                )))
            }
        };
        let (issuer, audience) = match provider {
            Provider::Firebase => {
                let project = required("project_id")?;
                label("project_id", &project)?;
                (
                    format!("https://securetoken.google.com/{project}"),
                    Some(project),
                )
            }
            Provider::Auth0 => {
                let tenant = required("tenant")?;
                label("tenant", &tenant)?;
                // Auth0 writes its issuer with a trailing slash.
                match setting("tenant_region").filter(|region| !region.trim().is_empty()) {
                    Some(region) => {
                        let region = region.trim();
                        label("tenant_region", region)?;
                        (format!("https://{tenant}.{region}.auth0.com/"), None)
                    }
                    None => (format!("https://{tenant}.auth0.com/"), None),
                }
            }
            Provider::AwsCognito => {
                let pool = required("user_pool_id")?;
                let region = required("user_pool_region")?;
                label("user_pool_region", &region)?;
                let pool_fits = pool.split_once('_').is_some_and(|(pool_region, id)| {
                    pool_region == region
                        && !id.is_empty()
                        && id.bytes().all(|b| b.is_ascii_alphanumeric())
                });
                if !pool_fits {
                    return Err(fail(format!(
                        "user_pool_id `{pool}` is not a pool of {region} (`{region}_` and letters \
                         or digits)"
                    )));
                }
                (
                    format!("https://cognito-idp.{region}.amazonaws.com/{pool}"),
                    None,
                )
            }
            Provider::Clerk => {
                let domain = required("domain")?.to_ascii_lowercase();
                if !is_clerk_domain(&domain) {
                    return Err(fail(format!(
                        "domain `{domain}` is not a Clerk domain: it is like clerk.example.com or \
                         example.clerk.accounts.dev (https://clerk.com/setup/supabase)"
                    )));
                }
                (format!("https://{domain}"), None)
            }
            Provider::Workos => {
                let url = required("issuer_url")?;
                let parsed = Url::parse(&url)
                    .ok()
                    .filter(|url| url.scheme() == "https" && url.host_str().is_some())
                    .filter(|url| url.query().is_none() && url.fragment().is_none())
                    .ok_or_else(|| fail(format!("issuer_url `{url}` is not an https URL")))?;
                (parsed.as_str().trim_end_matches('/').to_owned(), None)
            }
        };
        let discovery = discovery_url(&issuer);
        Ok(Self {
            provider,
            issuer,
            audience,
            discovery,
        })
    }

    /// The issuer a one-line description names, as the `THIRD_PARTY_AUTH` variables take it:
    /// `firebase:<project_id>`, `auth0:<tenant>` or `auth0:<tenant>.<region>`,
    /// `aws_cognito:<user_pool_id>` (its region is the id's prefix), `clerk:<domain>`,
    /// `workos:<issuer_url>`.
    pub fn from_spec(spec: &str) -> Result<Self, IssuerError> {
        let (key, value) = spec.trim().split_once(':').unwrap_or((spec.trim(), ""));
        let provider = Provider::parse(key).ok_or_else(|| IssuerError {
            provider: "?",
            problem: format!(
                "`{key}` is not one of {}",
                Provider::ALL.map(Provider::key).join(", ")
            ),
        })?;
        let value = value.trim();
        let settings: Vec<(&str, &str)> = match provider {
            Provider::Auth0 => match value.split_once('.') {
                Some((tenant, region)) => vec![("tenant", tenant), ("tenant_region", region)],
                None => vec![("tenant", value)],
            },
            Provider::AwsCognito => vec![
                ("user_pool_id", value),
                (
                    "user_pool_region",
                    value.split('_').next().unwrap_or_default(),
                ),
            ],
            _ => vec![(provider.settings()[0], value)],
        };
        Self::from_settings(provider, |name| {
            settings
                .iter()
                .find(|(setting, _)| *setting == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    /// This issuer, its tokens required to carry `audience`: in `aud` (or, for AWS Cognito's
    /// access tokens, which have none, in `client_id`: the app client).
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// This issuer, its keys found through the discovery document at `discovery` instead of its
    /// own: a development issuer standing in for the provider (local-auth's), whose tokens carry
    /// the provider's issuer.
    pub fn with_discovery(mut self, discovery: Url) -> Self {
        self.discovery = discovery;
        self
    }

    /// The provider.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The `iss` its tokens carry.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audience its tokens must carry, when one is checked.
    pub fn audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }

    /// Where its OpenID Connect discovery document is read.
    pub fn discovery(&self) -> &Url {
        &self.discovery
    }
}

/// `<issuer>/.well-known/openid-configuration`, as OpenID Connect Discovery defines it.
fn discovery_url(issuer: &str) -> Url {
    Url::parse(&format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    ))
    .expect("an issuer URL built from checked labels parses")
}

/// The CLI's check: `clerk.<two or more labels>`, or `<labels>.clerk.accounts.dev`.
fn is_clerk_domain(domain: &str) -> bool {
    let label = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let parts: Vec<&str> = domain.split('.').collect();
    let production = parts.len() >= 3 && parts[0] == "clerk" && parts[1..].iter().all(|p| label(p));
    let development = domain
        .strip_suffix(".clerk.accounts.dev")
        .is_some_and(|prefix| prefix.split('.').all(label));
    production || development
}

/// Verifies the tokens of one third-party issuer. Cheap to clone; clones share the key cache.
#[derive(Clone)]
pub struct ThirdPartyVerifier {
    issuer: Arc<Issuer>,
    keys: KeySet,
}

impl fmt::Debug for ThirdPartyVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThirdPartyVerifier")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl ThirdPartyVerifier {
    /// A verifier for `issuer`'s tokens, fetching its keys with `client`'s HTTP connections.
    pub fn new(client: AuthClient, issuer: Issuer) -> Self {
        let keys = KeySet::new(KeySource::Discovery(client, issuer.discovery.clone()));
        Self {
            issuer: Arc::new(issuer),
            keys,
        }
    }

    /// This verifier, trusting a fetched JWKS for `ttl` instead of [`crate::JWKS_TTL`].
    pub fn with_jwks_ttl(mut self, ttl: Duration) -> Self {
        self.keys.set_jwks_ttl(ttl);
        self
    }

    /// The issuer whose tokens it accepts.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The claims of `token` once it checks out (see the module). Retryable errors
    /// ([`Error::is_retryable`]) when the issuer's keys cannot be fetched and none are cached;
    /// [`Error::InvalidJwt`] for every token that is not the issuer's, valid now, for the
    /// expected audience and the `authenticated` role.
    pub async fn verify(&self, token: &AccessToken) -> Result<Arc<Claims>, Error> {
        let token = token.expose_secret();
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Error::InvalidJwt("longer than any provider's token".into()));
        }
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(claims) = self.keys.remembered(&digest) {
            return Ok(claims);
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|error| Error::InvalidJwt(error.to_string()))?;
        let (algorithm, key) =
            self.keys
                .signing_key(&header)
                .await
                .map_err(|error| match error {
                    Error::InvalidJwt(_) => error,
                    // The issuer's keys could not be had (unreachable, or an answer that is not a
                    // discovery document or a JWKS): the issuer's trouble, not the token's.
                    other => {
                        tracing::warn!("cannot read {}'s keys: {other}", self.issuer.provider);
                        Error::Server {
                            status: http::StatusCode::SERVICE_UNAVAILABLE,
                            code: None,
                        }
                    }
                })?;
        let mut validation = Validation::new(algorithm);
        validation.leeway = 0;
        validation.validate_nbf = true;
        // The audience is checked below: AWS Cognito's access tokens carry it in `client_id`.
        validation.validate_aud = false;
        validation.set_issuer(&[self.issuer.issuer()]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|error| Error::InvalidJwt(error.to_string()))?
            .claims;
        let claims = Arc::new(self.accept(claims)?);
        self.keys.remember(digest, claims.clone());
        Ok(claims)
    }

    /// The [`Claims`] of a token whose signature, issuer and times checked out, once its
    /// audience, `role` and `sub` do.
    fn accept(&self, mut claims: Map<String, Value>) -> Result<Claims, Error> {
        let refuse = |why: &str| Err(Error::InvalidJwt(why.to_owned()));
        let audience = match claims.get("aud") {
            None => None,
            Some(value) => match serde_json::from_value::<Audience>(value.clone()) {
                Ok(audience) => Some(audience),
                Err(_) => return refuse("`aud` is neither a string nor a list of strings"),
            },
        };
        if let Some(expected) = self.issuer.audience() {
            let in_aud = audience.as_ref().is_some_and(|aud| aud.contains(expected));
            let in_client_id = self.issuer.provider == Provider::AwsCognito
                && claims.get("client_id").and_then(Value::as_str) == Some(expected);
            if !in_aud && !in_client_id {
                return refuse("the token is not for this project's audience");
            }
        }
        if claims.get("role").and_then(Value::as_str) != Some("authenticated") {
            return refuse(
                "the `role` claim is not `authenticated` (the provider must add it, see the README)",
            );
        }
        let text = |claims: &mut Map<String, Value>, name: &str| match claims.remove(name) {
            Some(Value::String(value)) => Some(value),
            _ => None,
        };
        let Some(sub) = text(&mut claims, "sub")
            .filter(|sub| !sub.is_empty() && sub.len() <= MAX_SUBJECT_BYTES)
        else {
            return refuse("`sub` is not a user id");
        };
        let number = |claims: &mut Map<String, Value>, name: &str| {
            claims.remove(name).and_then(|value| value.as_u64())
        };
        let exp = number(&mut claims, "exp").unwrap_or_default();
        let iat = number(&mut claims, "iat").unwrap_or_default();
        claims.remove("aud");
        let iss = text(&mut claims, "iss").unwrap_or_default();
        let role = text(&mut claims, "role").unwrap_or_default();
        let email = text(&mut claims, "email").unwrap_or_default();
        let phone = text(&mut claims, "phone_number").unwrap_or_default();
        // Supabase Auth's own claims mean nothing from another issuer: no session, assurance
        // level or metadata of this project's comes with a third-party token.
        for supabase_only in [
            "aal",
            "amr",
            "session_id",
            "is_anonymous",
            "app_metadata",
            "user_metadata",
            "phone",
        ] {
            claims.remove(supabase_only);
        }
        Ok(Claims {
            iss,
            sub,
            aud: audience.unwrap_or(Audience::Many(Vec::new())),
            exp,
            iat,
            email,
            phone,
            app_metadata: Value::Null,
            user_metadata: Value::Null,
            role,
            aal: None,
            amr: Vec::new(),
            session_id: None,
            is_anonymous: false,
            extra: claims,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(provider: Provider, settings: &[(&str, &str)]) -> Result<Issuer, IssuerError> {
        Issuer::from_settings(provider, |name| {
            settings
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn issuers_are_written_as_each_provider_writes_them() {
        let cases = [
            (
                issuer(Provider::Firebase, &[("project_id", "my-project")]),
                "https://securetoken.google.com/my-project",
                "https://securetoken.google.com/my-project/.well-known/openid-configuration",
            ),
            (
                issuer(
                    Provider::Auth0,
                    &[("tenant", "acme"), ("tenant_region", "eu")],
                ),
                "https://acme.eu.auth0.com/",
                "https://acme.eu.auth0.com/.well-known/openid-configuration",
            ),
            (
                issuer(Provider::Auth0, &[("tenant", "acme")]),
                "https://acme.auth0.com/",
                "https://acme.auth0.com/.well-known/openid-configuration",
            ),
            (
                issuer(
                    Provider::AwsCognito,
                    &[
                        ("user_pool_id", "us-east-1_AbC123"),
                        ("user_pool_region", "us-east-1"),
                    ],
                ),
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123",
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123/.well-known/openid-configuration",
            ),
            (
                issuer(Provider::Clerk, &[("domain", "clerk.example.com")]),
                "https://clerk.example.com",
                "https://clerk.example.com/.well-known/openid-configuration",
            ),
            (
                issuer(
                    Provider::Clerk,
                    &[("domain", "happy-cat-12.clerk.accounts.dev")],
                ),
                "https://happy-cat-12.clerk.accounts.dev",
                "https://happy-cat-12.clerk.accounts.dev/.well-known/openid-configuration",
            ),
            (
                issuer(
                    Provider::Workos,
                    &[(
                        "issuer_url",
                        "https://api.workos.com/user_management/client_01ABC",
                    )],
                ),
                "https://api.workos.com/user_management/client_01ABC",
                "https://api.workos.com/user_management/client_01ABC/.well-known/openid-configuration",
            ),
        ];
        for (issuer, iss, discovery) in cases {
            let issuer = issuer.unwrap();
            assert_eq!(issuer.issuer(), iss);
            assert_eq!(issuer.discovery().as_str(), discovery);
        }
        let firebase = issuer(Provider::Firebase, &[("project_id", "my-project")]).unwrap();
        assert_eq!(firebase.audience(), Some("my-project"));
    }

    #[test]
    fn settings_that_would_point_elsewhere_are_refused() {
        let refused = [
            issuer(Provider::Firebase, &[]),
            issuer(Provider::Firebase, &[("project_id", "evil.com/x")]),
            issuer(
                Provider::Auth0,
                &[("tenant", "acme"), ("tenant_region", "eu.evil.com#")],
            ),
            issuer(Provider::Auth0, &[("tenant", "a@b")]),
            issuer(
                Provider::AwsCognito,
                &[
                    ("user_pool_id", "us-east-1_AbC"),
                    ("user_pool_region", "eu-west-1"),
                ],
            ),
            issuer(
                Provider::AwsCognito,
                &[
                    ("user_pool_id", "us-east-1_A/../b"),
                    ("user_pool_region", "us-east-1"),
                ],
            ),
            issuer(Provider::Clerk, &[("domain", "example.com")]),
            issuer(Provider::Clerk, &[("domain", "clerk.example.com/evil")]),
            issuer(
                Provider::Clerk,
                &[("domain", "evil.com#.clerk.accounts.dev")],
            ),
            issuer(
                Provider::Workos,
                &[("issuer_url", "http://api.workos.com/x")],
            ),
            issuer(
                Provider::Workos,
                &[("issuer_url", "https://api.workos.com/x?y=1")],
            ),
        ];
        for refused in refused {
            assert!(refused.is_err(), "{refused:?}");
        }
    }

    #[test]
    fn one_line_descriptions_name_the_same_issuers() {
        let cases = [
            (
                "firebase:my-project",
                "https://securetoken.google.com/my-project",
            ),
            ("auth0:acme", "https://acme.auth0.com/"),
            ("auth0:acme.eu", "https://acme.eu.auth0.com/"),
            (
                "aws_cognito:us-east-1_AbC123",
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123",
            ),
            ("clerk:clerk.example.com", "https://clerk.example.com"),
            (
                "workos:https://api.workos.com/user_management/client_1",
                "https://api.workos.com/user_management/client_1",
            ),
        ];
        for (spec, iss) in cases {
            assert_eq!(Issuer::from_spec(spec).unwrap().issuer(), iss, "{spec}");
        }
        for refused in [
            "",
            "clerk",
            "okta:x",
            "auth0:",
            "aws_cognito:AbC",
            "auth0:a.b.c",
        ] {
            assert!(Issuer::from_spec(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn providers_are_named_by_their_sections() {
        for provider in Provider::ALL {
            assert_eq!(Provider::parse(provider.key()), Some(provider));
        }
        assert_eq!(Provider::parse("supabase"), None);
    }
}
