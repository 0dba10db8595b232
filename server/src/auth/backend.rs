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
            Ok(AuthEndpoint {
                url,
                publishable_key,
            })
        }
        #[cfg(feature = "local-auth")]
        AuthBackend::Embedded(config) => start_local_auth(*config).await,
    }
}

#[cfg(feature = "local-auth")]
async fn start_local_auth(config: local_auth::Config) -> Result<AuthEndpoint, AuthBackendError> {
    use tokio::net::TcpListener;

    let api = TcpListener::bind(config.api_addr)
        .await
        .map_err(local_auth::StartError::from)?;
    let mailbox = TcpListener::bind(config.mailbox_addr)
        .await
        .map_err(local_auth::StartError::from)?;
    let url = config
        .external_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    tracing::info!("auth:    local-auth at {}", config.issuer());
    tracing::info!("mailbox: http://{}", config.mailbox_addr);
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
    })
}
