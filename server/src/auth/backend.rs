//! Connecting to Supabase Auth: a configured project, or local-auth started in this process.

use std::fmt;

use crate::config::AuthBackend;

/// Where the app reaches Supabase Auth, and with which key.
#[derive(Clone)]
pub struct AuthEndpoint {
    /// The project URL; the Auth API is at `<url>/auth/v1`.
    pub url: String,
    /// The publishable (anon) key sent as `apikey`, and the one the browser gets.
    pub publishable_key: String,
    /// The secret key, when calls made for end users forward their addresses (server-only).
    pub secret_key: Option<supabase_ssr::ApiKey>,
    /// The development mailbox, while the embedded local-auth runs: pages that send mail link
    /// to it.
    pub mailbox: Option<String>,
    /// The embedded local-auth's development third-party issuer, when its configuration enables
    /// one.
    pub third_party: Option<StandIn>,
}

/// local-auth standing in for a third-party provider: the provider's issuer (as its tokens carry
/// it) with its keys at local-auth, and the page that signs in as the provider would.
#[derive(Clone, Debug)]
pub struct StandIn {
    /// The issuer to trust.
    pub issuer: supabase_ssr::third_party::Issuer,
    /// The development sign-in page.
    pub sign_in_page: String,
}

#[cfg(feature = "local-auth")]
impl StandIn {
    /// The stand-in of the local-auth `config` describes, when it enables a third-party issuer.
    pub fn of(config: &local_auth::Config) -> Option<Self> {
        Some(Self {
            issuer: config.development_third_party()?,
            sign_in_page: format!(
                "{}{}",
                config.issuer(),
                local_auth::third_party::SIGN_IN_PATH
            ),
        })
    }
}

impl AuthEndpoint {
    /// The project at `url`, called with `publishable_key`, forwarding no addresses.
    pub fn new(url: impl Into<String>, publishable_key: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            publishable_key: publishable_key.into(),
            secret_key: None,
            mailbox: None,
            third_party: None,
        }
    }

    /// The same endpoint, forwarding end users' addresses with `secret_key`.
    pub fn with_secret_key(self, secret_key: impl Into<String>) -> Self {
        Self {
            secret_key: Some(supabase_ssr::ApiKey::new(secret_key)),
            ..self
        }
    }
}

/// What the log says at start in production when the app calls a project without forwarding
/// its users' addresses.
pub const SHARED_LIMITS_WARNING: &str = "auth: SUPABASE_SECRET_KEY is not set, so Supabase Auth \
     counts every sign-in, sign-up, code and session refresh of all your users as this server's: \
     with the project's default rate limits, about 30 sign-ups and 30 sign-ins or refreshes at once, \
     then 6 sign-ups and 30 sign-ins or refreshes a minute, for the whole site. Past that, users \
     cannot sign in and sessions stop refreshing. Turn on IP address forwarding \
     (Authentication > Rate Limits) and set SUPABASE_SECRET_KEY to a secret key (sb_secret_...) \
     so each user is counted by their own address.";

impl AuthEndpoint {
    /// [`SHARED_LIMITS_WARNING`] when this endpoint is a project called without the secret key.
    pub fn shared_limits_warning(&self) -> Option<&'static str> {
        (self.mailbox.is_none() && self.secret_key.is_none()).then_some(SHARED_LIMITS_WARNING)
    }
}

impl fmt::Debug for AuthEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthEndpoint")
            .field("url", &self.url)
            .field("forwards_addresses", &self.secret_key.is_some())
            .finish_non_exhaustive()
    }
}

/// Why the auth backend could not be reached or started.
#[derive(Debug, thiserror::Error)]
pub enum AuthBackendError {
    /// The embedded local-auth failed to start.
    #[cfg(feature = "local-auth")]
    #[error("local-auth: {0}")]
    LocalAuth(#[from] local_auth::StartError),
}

/// The endpoint for `backend`, starting local-auth first when it is the embedded one. The embedded
/// server runs until the process ends.
pub async fn connect(backend: AuthBackend) -> Result<AuthEndpoint, AuthBackendError> {
    match backend {
        AuthBackend::Project {
            url,
            publishable_key,
            secret_key,
        } => {
            tracing::info!("auth:    Supabase project at {url}");
            let endpoint = AuthEndpoint::new(url, publishable_key);
            Ok(match secret_key {
                Some(secret_key) => {
                    tracing::info!(
                        "auth:    forwarding end users' addresses (SUPABASE_SECRET_KEY)"
                    );
                    endpoint.with_secret_key(secret_key)
                }
                None => endpoint,
            })
        }
        #[cfg(feature = "local-auth")]
        AuthBackend::Embedded(config) => start_local_auth(*config).await,
    }
}

#[cfg(feature = "local-auth")]
async fn start_local_auth(
    mut config: local_auth::Config,
) -> Result<AuthEndpoint, AuthBackendError> {
    use tokio::net::TcpListener;

    // As on a project with IP address forwarding turned on: the app sends its users' addresses
    // with the secret key, the only key local-auth believes them from.
    config.sb_forwarded_for_enabled = true;

    let api = TcpListener::bind(config.api_addr)
        .await
        .map_err(local_auth::StartError::from)?;
    let mailbox = TcpListener::bind(config.mailbox_addr)
        .await
        .map_err(local_auth::StartError::from)?;
    let mailbox_addr = mailbox.local_addr().unwrap_or(config.mailbox_addr);
    let url = config
        .external_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    tracing::info!("auth:    local-auth at {}", config.issuer());
    let third_party = StandIn::of(&config);
    if let Some(stand_in) = &third_party {
        tracing::info!(
            "auth:    {} tokens (issuer {}) from local-auth's development issuer: {}",
            stand_in.issuer.provider(),
            stand_in.issuer.issuer(),
            stand_in.sign_in_page,
        );
    }
    tracing::info!("mailbox: http://{mailbox_addr}");
    let server = local_auth::LocalAuth::start(config).await?;
    let publishable_key = server.api_keys().publishable.clone();
    let secret_key = server.api_keys().secret.clone();
    tracing::info!("auth publishable key: {publishable_key}");
    tokio::spawn(async move {
        if let Err(error) = server.serve(api, mailbox, std::future::pending()).await {
            tracing::error!("local-auth stopped: {error}");
        }
    });
    Ok(AuthEndpoint {
        mailbox: Some(format!("http://{mailbox_addr}")),
        third_party,
        ..AuthEndpoint::new(url, publishable_key).with_secret_key(secret_key)
    })
}
