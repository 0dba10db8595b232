//! Connecting to Supabase Auth: a configured project, or local-auth started in this process.

use std::fmt;

use crate::config::AuthBackend;

/// Where the app reaches Supabase Auth, and with which key.
#[derive(Clone)]
pub struct AuthEndpoint {
    /// The project URL; the Auth API is at `<url>/auth/v1`.
    pub url: String,
    /// The publishable (anon) key sent as `apikey`.
    pub publishable_key: String,
    /// Headers sent with every call: the embedded local-auth's proxy secret, which makes it
    /// believe the client addresses the app forwards.
    pub headers: axum::http::HeaderMap,
    /// The development mailbox, while the embedded local-auth runs: pages that send mail link
    /// to it.
    pub mailbox: Option<String>,
}

impl AuthEndpoint {
    /// The project at `url`, called with `publishable_key` and no extra headers.
    pub fn new(url: impl Into<String>, publishable_key: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            publishable_key: publishable_key.into(),
            headers: axum::http::HeaderMap::new(),
            mailbox: None,
        }
    }
}

impl fmt::Debug for AuthEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthEndpoint")
            .field("url", &self.url)
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
        } => {
            tracing::info!("auth:    Supabase project at {url}");
            Ok(AuthEndpoint::new(url, publishable_key))
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

    // The app forwards each end user's address; local-auth believes it only from the app, which
    // proves itself with a secret made for this process (browsers call local-auth directly too).
    let secret = local_auth::crypto::hex(&local_auth::crypto::random_bytes::<32>());
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        local_auth::config::PROXY_SECRET_HEADER,
        axum::http::HeaderValue::from_str(&secret).expect("hex is a valid header value"),
    );
    if config.rate_limit_header.is_none() {
        config.rate_limit_header = Some(supabase_ssr::CLIENT_IP_HEADER.to_owned());
        config.rate_limit_header_secret = Some(local_auth::Secret::new(secret));
    }

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
    tracing::info!("mailbox: http://{mailbox_addr}");
    let server = local_auth::LocalAuth::start(config).await?;
    let publishable_key = server.api_keys().publishable.clone();
    tracing::info!("auth publishable key: {publishable_key}");
    tokio::spawn(async move {
        if let Err(error) = server.serve(api, mailbox, std::future::pending()).await {
            tracing::error!("local-auth stopped: {error}");
        }
    });
    Ok(AuthEndpoint {
        url,
        publishable_key,
        headers,
        mailbox: Some(format!("http://{mailbox_addr}")),
    })
}
