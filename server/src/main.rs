//! Starts the server: logging, configuration, listener, then [`server::run`] until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use server::{AppState, Config};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of the system allocator: rendering a page allocates many small, short-lived
/// values, and glibc's malloc and free were a quarter of the server's time under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // `.env` (see `.env.example`) fills in what the environment does not set; the test suites
    // set NO_DOTENV so a developer's `.env` cannot point them at a real project.
    let dotenv = std::env::var_os("NO_DOTENV")
        .is_none()
        .then(dotenvy::dotenv)
        .and_then(|loaded| loaded.err().filter(|error| !error.not_found()));
    // reqwest is built with rustls but no default provider: install ring before any client.
    supabase_ssr::install_tls_provider();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn")),
        )
        .init();
    let served = match dotenv {
        Some(error) => Err(format!(".env: {error}")),
        None => serve().await,
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the configuration, connects the auth backend and serves until a shutdown signal; an
/// error says what stopped it.
async fn serve() -> Result<(), String> {
    let config = Config::from_env().map_err(|error| error.to_string())?;
    let listener = TcpListener::bind(config.addr())
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", config.addr()))?;
    let auth = server::connect(config.auth)
        .await
        .map_err(|error| error.to_string())?;
    if config.leptos.env == leptos::config::Env::PROD
        && let Some(warning) = auth.shared_limits_warning()
    {
        tracing::warn!("{warning}");
    }
    // The bound address, not the configured one: with port 0 the system picks the port.
    let bound = listener.local_addr().unwrap_or(config.leptos.site_addr);
    tracing::info!("app:     http://{bound}");

    if config.database.is_configured() {
        tracing::info!("data:    PostgreSQL at DATABASE_URL");
    } else {
        tracing::info!("data:    no DATABASE_URL; the notes page says how to configure one");
    }
    let state = AppState::new(config.leptos, auth, &config.session)
        .map_err(|error| error.to_string())?
        .with_database(config.database)
        .with_captcha(config.captcha)
        .with_wallets(config.wallets);
    server::run(listener, state, shutdown_signal())
        .await
        .map_err(|error| format!("server stopped: {error}"))
}

/// Completes on Ctrl-C, or on SIGTERM where there is one (how `cargo leptos watch` and container
/// runtimes stop the server).
async fn shutdown_signal() {
    let ctrl_c = async {
        // Without a Ctrl-C handler the server still stops on SIGTERM, so a failure here is not fatal.
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
