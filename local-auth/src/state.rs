//! The state every request shares.

use std::{fmt, ops::Deref, sync::Arc};

use crate::{
    StartError, cleanup::Cleanup, config::Config, db::Db, hooks::Hooks, keys::Signer, mail::Mailer,
    metrics::RequestCounts, mirror::Mirror, rate_limit::RateLimit, smtp::SmtpOutbox,
    third_party::DevIssuer, webauthn::RelyingParty,
};

/// Configuration, database, signing keys and API keys; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What [`AppState`] holds.
pub struct Inner {
    /// The configuration the server started with.
    pub config: Config,
    /// The database.
    pub db: Db,
    /// Signs and verifies access tokens.
    pub signer: Signer,
    /// The development third-party issuer, when `[auth.third_party.<provider>]` trusts one.
    pub third_party: Option<DevIssuer>,
    /// The API keys the gateway accepts.
    pub api_keys: ApiKeys,
    /// The SMTP sender, when SMTP is configured.
    pub smtp: Option<SmtpOutbox>,
    /// The PostgreSQL copy of users and factors, when `LOCAL_AUTH_DATABASE_URL` is set.
    pub mirror: Option<Mirror>,
    /// The enabled auth hooks.
    pub hooks: Hooks,
    /// The email templates, parsed.
    pub mailer: Mailer,
    /// How many requests each endpoint answered.
    pub requests: RequestCounts,
    /// The rate limits and their counters.
    pub rate_limit: RateLimit,
    /// The WebAuthn relying party of passkeys and `webauthn` factors.
    pub relying_party: RelyingParty,
    /// The round-robin cleanup of stale rows.
    pub cleanup: Cleanup,
    /// A bcrypt hash of a random password at the configured cost, checked when there is no
    /// user's hash to check, so unknown addresses take as long as known ones.
    pub decoy_hash: String,
}

/// The publishable (anon) and secret (service-role) keys.
#[derive(Clone)]
pub struct ApiKeys {
    /// Safe to ship to browsers; identifies the project.
    pub publishable: String,
    /// Server-side only; grants admin access.
    pub secret: String,
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeys")
            .field("publishable", &self.publishable)
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .field("api_keys", &self.api_keys)
            .finish_non_exhaustive()
    }
}

/// The keys local-auth signs tokens with: its own, and its development third-party issuer's.
#[derive(Debug)]
pub struct Signers {
    /// The access tokens' signer.
    pub signer: Signer,
    /// The development third-party issuer, when one is configured.
    pub third_party: Option<DevIssuer>,
}

impl AppState {
    /// Bundles the parts, readying the configured hooks and email templates (an error names a
    /// hook that cannot run, or the file and line of a template that does not parse).
    pub fn new(
        config: Config,
        db: Db,
        Signers {
            signer,
            third_party,
        }: Signers,
        api_keys: ApiKeys,
        smtp: Option<SmtpOutbox>,
        mirror: Option<Mirror>,
        decoy_hash: String,
    ) -> Result<Self, StartError> {
        // PostgreSQL hooks run through the mirror's connections, to the same database.
        let hooks = Hooks::start(&config.hooks, mirror.as_ref().map(Mirror::pool))?;
        let mailer = Mailer::new(&config).map_err(StartError::Template)?;
        let rate_limit = RateLimit::new(&config, &api_keys.secret);
        let relying_party = RelyingParty::new(&config);
        let cleanup = Cleanup::new(&config);
        Ok(Self(Arc::new(Inner {
            config,
            db,
            signer,
            third_party,
            api_keys,
            smtp,
            mirror,
            hooks,
            mailer,
            requests: RequestCounts::default(),
            rate_limit,
            relying_party,
            cleanup,
            decoy_hash,
        })))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Handlers that need only the request counts take them as their state.
impl axum::extract::FromRef<AppState> for RequestCounts {
    fn from_ref(state: &AppState) -> Self {
        state.requests.clone()
    }
}
