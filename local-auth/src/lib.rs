//! local-auth: an embedded server that speaks the Supabase Auth (GoTrue) REST API, so the app runs
//! and its tests pass with no Supabase project and no Docker.
//!
//! Users, sessions and keys live in SQLite (WAL) under the data directory and survive restarts.
//! Mail is stored and shown by a development mailbox on its own port. The caller binds the
//! listeners, so tests use port 0:
//!
//! ```no_run
//! # async fn example() -> Result<(), local_auth::StartError> {
//! let api = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let mailbox = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! local_auth::run(api, mailbox, local_auth::Config::default(), std::future::pending()).await?;
//! # Ok(()) }
//! ```
//!
//! [`LocalAuth`] splits that in two, for callers that need the API keys before serving.

pub mod api;
pub mod bearer;
pub mod captcha;
pub mod cleanup;
pub mod config;
pub mod crypto;
pub mod db;
pub mod dev_idp;
pub mod dev_saml;
pub mod error;
pub mod extract;
pub mod gateway;
pub mod hooks;
pub mod html;
pub mod keys;
pub mod mail;
pub mod mailbox;
pub mod metrics;
pub mod mirror;
pub mod password;
pub mod rate_limit;
pub mod redirect;
pub mod sessions;
pub mod smtp;
pub mod state;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod third_party;
pub mod time;
pub mod validate;
pub mod web3;
pub mod webauthn;

use std::{future::Future, io};

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request, State},
    middleware::{self, Next},
    response::Response,
};
use tokio::net::TcpListener;

pub use crate::{
    config::{Config, ConfigError, EmailLinks, Secret},
    state::{ApiKeys, AppState},
};
use crate::{db::Db, keys::Signer};

/// Why local-auth could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened, migrated or read.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A listener failed.
    #[error("network: {0}")]
    Io(#[from] io::Error),
    /// The SMTP settings are unusable.
    #[error("{0}")]
    Smtp(String),
    /// A configured auth hook cannot run.
    #[error("{0}")]
    Hook(#[from] hooks::HookError),
    /// An email template does not parse (file, line and column named).
    #[error("email template: {0}")]
    Template(String),
}

/// A started local-auth: database open, keys loaded, ready to serve.
#[derive(Clone, Debug)]
pub struct LocalAuth {
    state: AppState,
}

impl LocalAuth {
    /// Opens the database in `config.data_dir` and loads (or creates) the signing and API keys.
    pub async fn start(config: Config) -> Result<Self, StartError> {
        let db = Db::open(&config.data_dir).await?;
        let mirror = config
            .database_url
            .as_ref()
            .map(mirror::Mirror::new)
            .transpose()?;
        let signer = Signer::load(&db, config.jwt_secret.as_ref()).await?;
        let api_keys = ApiKeys {
            publishable: api_key(&db, "publishable", "sb_publishable_").await?,
            secret: api_key(&db, "secret", "sb_secret_").await?,
        };
        let smtp = config
            .smtp
            .as_ref()
            .map(smtp::SmtpOutbox::start)
            .transpose()
            .map_err(StartError::Smtp)?;
        let cost = config.bcrypt_cost;
        let decoy_hash = tokio::task::spawn_blocking(move || {
            bcrypt::hash(crypto::hex(&crypto::random_bytes::<16>()), cost)
        })
        .await
        .map_err(|error| StartError::Io(io::Error::other(error)))?
        .map_err(|error| StartError::Io(io::Error::other(error)))?;
        if config.saml_enabled && !config.saml_dev_domains.is_empty() {
            api::sso::register_development_provider(
                &db,
                &config.issuer(),
                &config.saml_dev_domains,
            )
            .await?;
        }
        let third_party = match config.third_party.clone() {
            Some(issuer) => {
                Some(third_party::DevIssuer::load(&db, issuer, &config.site_url).await?)
            }
            None => None,
        };
        let signers = state::Signers {
            signer,
            third_party,
        };
        let state = AppState::new(config, db, signers, api_keys, smtp, mirror, decoy_hash)?;
        // Whatever changed while PostgreSQL was away (or before it was configured).
        if let Some(mirror) = &state.mirror {
            mirror.flush(&state.db).await;
        }
        Ok(Self { state })
    }

    /// The keys clients must send as `apikey`.
    pub fn api_keys(&self) -> &ApiKeys {
        &self.state.api_keys
    }

    /// The shared state, for embedding the routers elsewhere.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The API, mounted at `/auth/v1`.
    pub fn api_router(&self) -> Router {
        Router::new()
            .nest(
                "/auth/v1",
                api::routes(&self.state).route_layer(middleware::from_fn_with_state(
                    self.state.requests.clone(),
                    metrics::count,
                )),
            )
            .fallback(|| async { api::not_found() })
            .layer(middleware::from_fn_with_state(
                self.state.rate_limit.clone(),
                rate_limit::identify,
            ))
            .layer(middleware::from_fn(error::shape_errors))
            .layer(middleware::from_fn_with_state(
                self.state.clone(),
                flush_after_changes,
            ))
            .layer(middleware::from_fn_with_state(
                self.state.clone(),
                clean_after_changes,
            ))
            .layer(middleware::from_fn_with_state(
                self.state.clone(),
                gateway::require_api_key,
            ))
            .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
            .layer(gateway::cors())
            .layer(middleware::from_fn(html::security_headers))
            .with_state(self.state.clone())
    }

    /// The mailbox.
    pub fn mailbox_router(&self) -> Router {
        mailbox::router(self.state.clone())
            .layer(middleware::from_fn_with_state(
                self.state.clone(),
                html::loopback_host_only,
            ))
            .layer(middleware::from_fn(html::security_headers))
    }

    /// Serves the API and the mailbox until `shutdown` completes.
    pub async fn serve(
        self,
        api: TcpListener,
        mailbox: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        for listener in [&api, &mailbox] {
            let address = listener.local_addr()?;
            if !address.ip().is_loopback() && !self.state.config.allow_remote {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "local-auth is a development server and listens on loopback only, not \
                         {address}: set LOCAL_AUTH_ALLOW_REMOTE=true to expose its mailbox and \
                         development identity provider to the network"
                    ),
                ));
            }
        }
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
        let api_router = self
            .api_router()
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let api_server = axum::serve(api, api_router).with_graceful_shutdown({
            let mut stop = stop_rx.clone();
            async move {
                let _ = stop.changed().await;
            }
        });
        let mailbox_server = axum::serve(mailbox, self.mailbox_router()).with_graceful_shutdown({
            let mut stop = stop_rx;
            async move {
                let _ = stop.changed().await;
            }
        });
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(());
        });
        let (api_result, mailbox_result) =
            tokio::join!(api_server.into_future(), mailbox_server.into_future());
        api_result.and(mailbox_result)
    }
}

/// Starts local-auth with `config` and serves the API (under `/auth/v1`) on `api` and the mailbox
/// on `mailbox` until `shutdown` completes.
pub async fn run(
    api: TcpListener,
    mailbox: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    LocalAuth::start(config)
        .await?
        .serve(api, mailbox, shutdown)
        .await
        .map_err(StartError::from)
}

/// Reads the stored API key `name`, creating a random one with `prefix` on first start.
async fn api_key(db: &Db, name: &str, prefix: &str) -> sqlx::Result<String> {
    let stored = store::api_key(&db.write, name).await?;
    if let Some(key) = stored {
        return Ok(key);
    }
    let key = format!("{prefix}{}", crypto::hex(&crypto::random_bytes::<16>()));
    store::insert_api_key(&db.write, name, &key).await?;
    Ok(key)
}

/// After a successful change (a 2xx answer to `POST`, `PUT`, `PATCH` or `DELETE`), one statement of
/// the [`cleanup`] in a task of its own, unless one is running.
async fn clean_after_changes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let changes = matches!(
        *request.method(),
        axum::http::Method::POST
            | axum::http::Method::PUT
            | axum::http::Method::PATCH
            | axum::http::Method::DELETE
    );
    let response = next.run(request).await;
    if changes
        && response.status().is_success()
        && let Some(running) = state.cleanup.begin()
    {
        tokio::spawn(async move {
            let _running = running;
            match state.cleanup.clean(&state.db).await {
                Ok(0) => {}
                Ok(deleted) => tracing::debug!("cleaned up {deleted} stale rows"),
                Err(error) => tracing::warn!("database cleanup failed: {error}"),
            }
        });
    }
    response
}

/// After each request (links in mails and provider callbacks change users on `GET` too), copies
/// the changes it made to PostgreSQL before the answer goes out.
async fn flush_after_changes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    if let Some(mirror) = &state.mirror {
        mirror.flush(&state.db).await;
    }
    response
}
