//! Pages for signed-in users: before anything renders, a signed-out request is redirected to sign
//! in, and a session that still owes its authenticator code (`aal1` for a user with a verified
//! factor) to `/auth/mfa`, each with `next` pointing back.

use axum::{
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use supabase_auth::axum::AuthState;

/// The paths only signed-in users may load (with everything under them).
pub const PROTECTED: &[&str] = &[app::auth::PROTECTED_PATH, "/account", "/admin"];
/// The page that asks for the authenticator code: signed-in users only, any assurance level.
pub const MFA_PATH: &str = "/auth/mfa";

/// Redirects requests for a [`PROTECTED`] path that may not see it. Runs after the session
/// layer, which has refreshed the session if it could.
pub async fn require_session(request: Request, next: Next) -> Response {
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
        Some(user) if protected && app::auth::ssr::needs_mfa(user) => MFA_PATH,
        Some(_) => return next.run(request).await,
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
