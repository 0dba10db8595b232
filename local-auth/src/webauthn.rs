//! The WebAuthn relying party behind passkeys and the `webauthn` MFA factor: ceremony options,
//! the state a ceremony leaves until its answer comes back (stored as JSON), and the checks of the
//! answer, all by `webauthn-rs-core` (attestation, CBOR/COSE, signatures, counters, origins).
//!
//! As upstream, a credential's user handle is the user id's text, so a discoverable sign-in finds
//! its user from the assertion; passkeys require a resident key and prefer user verification.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use url::Url;
use webauthn_rs_core::{
    WebauthnCore,
    proto::{
        AttestationConveyancePreference, AuthenticationResult, AuthenticationState, Credential,
        CredentialID, PublicKeyCredential, RegisterPublicKeyCredential, RegistrationState,
        UserVerificationPolicy,
    },
};

use crate::{
    config::Config,
    error::{ApiError, ApiResult, ErrorCode},
    store::User,
};

/// How long a ceremony's challenge can be answered (upstream's `challenge_expiry_duration`).
pub const CHALLENGE_SECONDS: i64 = 300;

/// What a new credential is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A passkey: discoverable (resident key required), to sign in without a name.
    Passkey,
    /// A second factor (`webauthn` MFA): bound to a user already signed in.
    SecondFactor,
}

/// The relying party of this server, from the configuration.
#[derive(Debug)]
pub struct RelyingParty {
    id: String,
    core: WebauthnCore,
}

impl RelyingParty {
    /// The relying party `config` describes (see [`crate::config::WebauthnConfig`]).
    pub fn new(config: &Config) -> Self {
        let site = &config.site_url;
        let site_host = site.host_str().unwrap_or("localhost");
        let ip_address = site_host.parse::<std::net::IpAddr>().is_ok()
            || site_host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok();
        let id = config.webauthn.rp_id.clone().unwrap_or_else(|| {
            if ip_address {
                "localhost".to_owned()
            } else {
                site_host.to_owned()
            }
        });
        let origins = if config.webauthn.rp_origins.is_empty() {
            let mut origins = vec![site.clone()];
            if ip_address {
                let mut twin = site.clone();
                if twin.set_host(Some("localhost")).is_ok() {
                    origins.push(twin);
                }
            }
            origins
        } else {
            config.webauthn.rp_origins.clone()
        };
        let name = config
            .webauthn
            .rp_display_name
            .clone()
            .unwrap_or_else(|| id.clone());
        let timeout = Duration::from_secs(CHALLENGE_SECONDS.unsigned_abs());
        Self {
            id: id.clone(),
            core: WebauthnCore::new_unsafe_experts_only(
                &name,
                &id,
                origins,
                timeout,
                Some(false),
                Some(false),
            ),
        }
    }

    /// The relying party id credentials are bound to.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The origins whose ceremonies count.
    pub fn origins(&self) -> &[Url] {
        self.core.get_allowed_origins()
    }

    /// Creation options for a new credential of `user` (the `publicKey` member of
    /// `navigator.credentials.create()`), and the state to keep until the answer.
    pub fn start_registration(
        &self,
        user: &User,
        purpose: Purpose,
        exclude: Vec<CredentialID>,
    ) -> ApiResult<(Value, String)> {
        let name = user
            .email
            .clone()
            .or_else(|| user.phone.as_ref().map(|phone| format!("+{phone}")))
            .unwrap_or_else(|| user.id.clone());
        let display_name = user.user_metadata()["name"]
            .as_str()
            .filter(|name| !name.is_empty())
            .map_or_else(|| name.clone(), str::to_owned);
        let builder = self
            .core
            .new_challenge_register_builder(user.id.as_bytes(), &name, &display_name)
            .map_err(ApiError::internal)?
            .attestation(AttestationConveyancePreference::None)
            .user_verification_policy(UserVerificationPolicy::Preferred)
            .require_resident_key(purpose == Purpose::Passkey)
            .exclude_credentials(Some(exclude));
        let (options, state) = self
            .core
            .generate_challenge_register(builder)
            .map_err(ApiError::internal)?;
        Ok((to_value(&options.public_key)?, to_text(&state)?))
    }

    /// Checks the answer to a registration: the new credential, or `None` when it fails (wrong
    /// challenge, origin, relying party, signature or format).
    pub fn finish_registration(&self, answer: &Value, state: &str) -> Option<Credential> {
        let answer: RegisterPublicKeyCredential = serde_json::from_value(answer.clone()).ok()?;
        let state: RegistrationState = serde_json::from_str(state).ok()?;
        self.core.register_credential(&answer, &state, None).ok()
    }

    /// Request options for signing in (the `publicKey` member of `navigator.credentials.get()`):
    /// with no `credentials` a discoverable sign-in, where the authenticator offers the user's
    /// passkeys; and the state to keep until the answer.
    pub fn start_authentication(&self, credentials: Vec<Credential>) -> ApiResult<(Value, String)> {
        let builder = self
            .core
            .new_challenge_authenticate_builder(
                credentials,
                Some(UserVerificationPolicy::Preferred),
            )
            .map_err(ApiError::internal)?;
        let (options, state) = self
            .core
            .generate_challenge_authenticate(builder)
            .map_err(ApiError::internal)?;
        Ok((to_value(&options.public_key)?, to_text(&state)?))
    }

    /// Checks the answer to a sign-in against `credentials` (those of the user it names): what it
    /// proved, or `None` when it fails.
    pub fn finish_authentication(
        &self,
        answer: &Assertion,
        state: &str,
        credentials: Vec<Credential>,
    ) -> Option<AuthenticationResult> {
        let mut state: AuthenticationState = serde_json::from_str(state).ok()?;
        state.set_allowed_credentials(credentials);
        self.core.authenticate_credential(&answer.0, &state).ok()
    }
}

/// The answer to a sign-in ceremony, as `navigator.credentials.get()` serialises it.
#[derive(Debug)]
pub struct Assertion(PublicKeyCredential);

impl Assertion {
    /// Reads an assertion; `None` when it is not one.
    pub fn parse(answer: &Value) -> Option<Self> {
        serde_json::from_value(answer.clone()).ok().map(Self)
    }

    /// The user id it names (its user handle), for a discoverable sign-in.
    pub fn user_id(&self) -> Option<String> {
        let handle = self.0.get_user_unique_id()?;
        let id = std::str::from_utf8(handle).ok()?;
        uuid::Uuid::parse_str(id).ok().map(|id| id.to_string())
    }

    /// The id of the credential that signed it.
    pub fn credential_id(&self) -> &[u8] {
        self.0.get_credential_id()
    }
}

/// A credential's id as stored: unpadded base64url.
pub fn credential_key(id: &[u8]) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    URL_SAFE_NO_PAD.encode(id)
}

/// The credential as stored (JSON).
pub fn store_credential(credential: &Credential) -> ApiResult<String> {
    to_text(credential)
}

/// A stored credential; `None` if the text is not one.
pub fn load_credential(text: &str) -> Option<Credential> {
    serde_json::from_str(text).ok()
}

/// `credential` after a sign-in: its new counter and backup state.
pub fn used(mut credential: Credential, result: &AuthenticationResult) -> Credential {
    credential.counter = result.counter().max(credential.counter);
    credential.backup_state = result.backup_state();
    credential.backup_eligible |= result.backup_eligible();
    credential
}

/// 400 `webauthn_verification_failed`, upstream's answer for any ceremony that does not check out.
pub fn verification_failed() -> ApiError {
    ApiError::bad_request(
        ErrorCode::WebauthnVerificationFailed,
        "Credential verification failed",
    )
}

fn to_value(value: &impl Serialize) -> ApiResult<Value> {
    serde_json::to_value(value).map_err(ApiError::internal)
}

fn to_text(value: &impl Serialize) -> ApiResult<String> {
    serde_json::to_string(value).map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(site: &str, configure: impl FnOnce(&mut Config)) -> RelyingParty {
        let mut config = Config {
            site_url: Url::parse(site).unwrap(),
            ..Config::default()
        };
        configure(&mut config);
        RelyingParty::new(&config)
    }

    fn origins(party: &RelyingParty) -> Vec<&str> {
        party.origins().iter().map(Url::as_str).collect()
    }

    #[test]
    fn the_relying_party_follows_the_site_unless_configured() {
        // Browsers refuse IP addresses as relying parties: a loopback site gets `localhost`.
        let local = party("http://127.0.0.1:3000", |_| {});
        assert_eq!(local.id(), "localhost");
        assert_eq!(
            origins(&local),
            ["http://127.0.0.1:3000/", "http://localhost:3000/"]
        );
        let hosted = party("https://app.example.com", |_| {});
        assert_eq!(hosted.id(), "app.example.com");
        assert_eq!(origins(&hosted), ["https://app.example.com/"]);
        let configured = party("https://app.example.com", |config| {
            config.webauthn.rp_id = Some("example.com".into());
            config.webauthn.rp_origins = vec![Url::parse("https://login.example.com").unwrap()];
        });
        assert_eq!(configured.id(), "example.com");
        assert_eq!(origins(&configured), ["https://login.example.com/"]);
    }
}
