//! Pages for signed-in users: before anything renders, a signed-out request is redirected to sign
//! in, and a session that still owes its authenticator code (`aal1` for a user with a verified
//! factor) to `/auth/mfa`, each with `next` pointing back.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use supabase_auth::axum::{AuthSessions, AuthState, ClientIp};

/// The paths only signed-in users may load (with everything under them).
pub const PROTECTED: &[&str] = &[app::auth::PROTECTED_PATH, "/account", "/admin"];
/// The page that asks for the authenticator code: signed-in users only, any assurance level.
pub const MFA_PATH: &str = "/auth/mfa";

/// Redirects requests for a [`PROTECTED`] path that may not see it. Runs after the session
/// layer, which has refreshed the session if it could. Whether a signed-in user still owes a
/// second factor is the auth server's answer ([`AuthSessions::needs_mfa`]); when it cannot be
/// had, the page is not shown (503).
pub async fn require_session(
    State(sessions): State<AuthSessions>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    let protected = PROTECTED.iter().any(|prefix| under(prefix));
    if !protected && path != MFA_PATH {
        return next.run(request).await;
    }
    let user = request
        .extensions()
        .get::<AuthState>()
        .and_then(AuthState::user);
    let gate = match user {
        None => "/auth/login",
        Some(_) if !protected => return next.run(request).await,
        Some(user) => {
            let client_ip = request.extensions().get::<ClientIp>().and_then(|ip| ip.0);
            match sessions.for_client_ip(client_ip).needs_mfa(user).await {
                Ok(true) => MFA_PATH,
                Ok(false) => return next.run(request).await,
                Err(error) => {
                    tracing::warn!("cannot tell whether a second factor is due: {error}");
                    return unavailable();
                }
            }
        }
    };
    let back = request
        .uri()
        .path_and_query()
        .map_or(path, |target| target.as_str());
    let back = if path == MFA_PATH {
        app::auth::PROTECTED_PATH
    } else {
        back
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", back)
        .finish();
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("{gate}?{query}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// The answer when the auth server cannot say whether the page may be shown.
fn unavailable() -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        "The sign-in service is not reachable right now. Try again shortly.",
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}
