//! The axum server: renders the Leptos app, answers its server functions and serves the
//! compiled assets from the site root.
//!
//! [`router`] builds the whole application so tests can drive it in-process; [`run`] serves it on
//! a listener the caller has bound.

mod auth_backend;
mod config;

use std::{future::Future, io};

use app::{App, health::ssr::StartedAt, shell};
use axum::{Router, extract::FromRef};
use leptos::{config::LeptosOptions, context::provide_context};
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use crate::{
    auth_backend::{AuthBackendError, AuthEndpoint, connect},
    config::{AuthBackend, Config, ConfigError},
};

/// Shared state of the running server, handed to every request.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// Site layout and bundle name, needed to render the document and serve the assets.
    pub leptos: LeptosOptions,
    /// When the server started, reported by the health check.
    pub started_at: StartedAt,
    /// The Supabase Auth server the app talks to.
    pub auth: AuthEndpoint,
}

impl AppState {
    /// The state for a server starting now, serving `leptos` with `auth` behind it.
    pub fn new(leptos: LeptosOptions, auth: AuthEndpoint) -> Self {
        Self {
            leptos,
            started_at: StartedAt::now(),
            auth,
        }
    }
}

/// The complete application: Leptos pages and server functions, then static files, then the
/// not-found page.
pub fn router(state: AppState) -> Router {
    let started_at = state.started_at;
    let context = move || provide_context(started_at);
    let options = state.leptos.clone();

    Router::new()
        .leptos_routes_with_context(&state, generate_route_list(App), context, move || {
            shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves [`router`] on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
