//! The axum server: renders the Leptos app, answers its server functions and serves the
//! compiled assets from the site root.
//!
//! [`router`] builds the whole application so tests can drive it in-process; [`run`] serves it on
//! a listener the caller has bound. In front of every handler sit the cross-site check
//! ([`csrf`]) and the session layer, which refreshes and verifies the Supabase session before
//! anything renders; [`assets`] sets how long browsers keep the bundle files, and [`headers`]
//! adds the security headers to every answer.

pub mod api;
pub mod assets;
pub mod auth;
mod compression;
mod config;
pub mod csrf;
pub mod headers;

use std::{future::Future, io, sync::OnceLock};

use app::{
    App, StartedAt,
    auth::{
        limits::{AttemptLimits, Limit},
        ssr::SiteUrl,
    },
    components::DevMailbox,
    data::Database,
    shell,
};
use axum::{
    Router,
    extract::FromRef,
    middleware::{from_fn, from_fn_with_state},
    serve::ListenerExt,
};
use leptos::{config::LeptosOptions, context::provide_context};
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, file_and_error_handler_with_context, generate_route_list,
};
use supabase_ssr::axum::SessionLayer;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use crate::{
    auth::backend::{AuthBackendError, AuthEndpoint, connect},
    config::{
        AuthBackend, Config, ConfigError, SessionSettings, ThirdParty, check_site,
        wallets_from_lookup,
    },
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
    /// The session layer: cookies, refresh, verification.
    pub session_layer: SessionLayer,
    /// The public URL of the site; redirects may only stay on it.
    pub site_url: url::Url,
    /// How many sign-in, sign-up and code attempts clients and accounts get.
    pub attempt_limits: AttemptLimits,
    /// The app's database, whose queries run as the request's user (see `app::data`).
    pub database: Database,
    /// CAPTCHA in the forms, when the project checks it.
    pub captcha: Option<app::components::Captcha>,
    /// The chains whose wallets may sign in.
    pub wallets: app::auth::Wallets,
    /// The wallet messages exchanged already (each signs in once).
    pub used_messages: app::auth::once::UsedMessages,
}

impl AppState {
    /// The state for a server starting now, serving `leptos` with `auth` behind it and session
    /// cookies written as `settings` say.
    pub fn new(
        leptos: LeptosOptions,
        auth: AuthEndpoint,
        settings: &SessionSettings,
    ) -> Result<Self, supabase_ssr::ClientError> {
        Ok(Self {
            leptos,
            started_at: StartedAt::now(),
            session_layer: auth::session_layer(&auth, settings)?,
            site_url: settings.site_url.clone(),
            attempt_limits: AttemptLimits::new(settings.attempts_per_client, Limit::PER_ADDRESS),
            auth,
            database: Database::none(),
            captcha: None,
            wallets: app::auth::Wallets::default(),
            used_messages: app::auth::once::UsedMessages::default(),
        })
    }

    /// The same state with "Sign in with …" for the wallets of `wallets`.
    pub fn with_wallets(self, wallets: app::auth::Wallets) -> Self {
        Self { wallets, ..self }
    }

    /// The same state with the forms showing `captcha`'s widget (and the page's policy admitting
    /// its provider).
    pub fn with_captcha(self, captcha: Option<app::components::Captcha>) -> Self {
        Self { captcha, ..self }
    }

    /// The same state with the app's data in `database`, where the attempt limits are counted
    /// too (shared by every instance).
    pub fn with_database(self, database: Database) -> Self {
        Self {
            attempt_limits: self.attempt_limits.shared_in(&database),
            used_messages: self.used_messages.shared_in(&database),
            database,
            ..self
        }
    }
}

/// The complete application: Leptos pages and server functions and the auth routes, then static
/// files (precompressed at build time, cached by policy), then the not-found page; all behind the
/// cross-site check and the session layer.
pub fn router(state: AppState) -> Router {
    let started_at = state.started_at;
    let layer = state.session_layer.clone();
    let site_url = SiteUrl(state.site_url.clone());
    let browser_access = browser_access(&state);
    let attempt_limits = state.attempt_limits.clone();
    let dev_mailbox = state.auth.mailbox.clone().map(DevMailbox);
    let database = state.database.clone();
    let captcha = state.captcha.clone();
    let wallets = state.wallets.clone();
    let third_party = third_party_sign_in(&state);
    let used_messages = state.used_messages.clone();
    let context = {
        let layer = layer.clone();
        move || {
            provide_context(started_at);
            provide_context(layer.clone());
            provide_context(site_url.clone());
            provide_context(browser_access.clone());
            provide_context(attempt_limits.clone());
            provide_context(database.clone());
            provide_context(captcha.clone());
            provide_context(wallets.clone());
            provide_context(used_messages.clone());
            if let Some(third_party) = &third_party {
                provide_context(third_party.clone());
            }
            if let Some(mailbox) = &dev_mailbox {
                provide_context(mailbox.clone());
            }
        }
    };
    let options = state.leptos.clone();

    Router::new()
        .leptos_routes_with_context(&state, route_list(), context.clone(), move || {
            shell(options.clone())
        })
        .merge(auth::routes::routes())
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ))
        .layer(from_fn_with_state(
            state.leptos.clone(),
            assets::cache_policy,
        ))
        .layer(from_fn(api::bound_and_answer))
        .layer(from_fn_with_state(
            auth::guard::Guard {
                session_layer: layer.clone(),
                site_url: state.site_url.clone(),
            },
            auth::guard::require_access,
        ))
        .layer(from_fn_with_state(layer, SessionLayer::middleware))
        .layer(compression::layer())
        .layer(from_fn_with_state(
            csrf::SiteScheme::of(&state.site_url),
            csrf::reject_cross_site,
        ))
        .layer(from_fn_with_state(
            headers::Https(state.site_url.scheme() == "https"),
            headers::secure,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The third-party provider the session layer trusts, for the sign-in page: its development page
/// when the trusted issuer is the embedded local-auth's stand-in.
fn third_party_sign_in(state: &AppState) -> Option<app::auth::ThirdPartySignIn> {
    let trusted = state.session_layer.third_party()?.issuer();
    let development_page = state
        .auth
        .third_party
        .as_ref()
        .filter(|stand_in| stand_in.issuer.discovery() == trusted.discovery())
        .map(|stand_in| stand_in.sign_in_page.clone());
    Some(app::auth::ThirdPartySignIn {
        provider: trusted.provider().name().to_owned(),
        development_page,
    })
}

/// What the browser needs to call Supabase Auth itself: nothing when the session cookies are
/// `HttpOnly`, since scripts cannot read the token then.
fn browser_access(state: &AppState) -> Option<app::auth::BrowserAccess> {
    let config = state.session_layer.config();
    (!config.cookie_options.http_only).then(|| app::auth::BrowserAccess {
        auth_url: format!("{}/auth/v1", state.auth.url.trim_end_matches('/')),
        publishable_key: state.auth.publishable_key.clone(),
        cookie_name: config.cookie_name.clone(),
    })
}

/// The app's routes, generated once per process. Generating them suppresses resource loading
/// process-wide while it runs (leptos#4773), so a page rendering at that moment would wait
/// forever: generating once, before the first router exists, means nothing renders meanwhile.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Serves [`router`] on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    // Streamed pages go out in several small writes; without TCP_NODELAY, Nagle's algorithm holds
    // each one back until the client's delayed ACK (about 40 ms per response).
    let listener = listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {error}");
        }
    });
    // The peer address is the client's unless a trusted proxy's header says otherwise
    // (`TRUSTED_PROXY_IP_HEADER`); the session layer resolves it.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
