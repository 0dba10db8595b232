//! Protected pages: a signed-out request for one is redirected to sign in, with `next` pointing
//! back, before anything renders.

use axum::{
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use supabase_auth::axum::AuthState;

/// The paths only signed-in users may load.
pub const PROTECTED: &[&str] = &[app::auth::PROTECTED_PATH];

/// Redirects signed-out requests for a [`PROTECTED`] path to `/auth/login?next=<path>`. Runs
/// after the session layer, which has refreshed the session if it could.
pub async fn require_session(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let protected = PROTECTED
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")));
    let signed_in = request
        .extensions()
        .get::<AuthState>()
        .is_some_and(|state| state.user().is_some());
    if !protected || signed_in {
        return next.run(request).await;
    }
    let back = request
        .uri()
        .path_and_query()
        .map_or(path, |target| target.as_str());
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", back)
        .finish();
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/auth/login?{query}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}
