//! Server-only helpers for the auth server functions: the session layer from context, and
//! writing or clearing the session cookies on the response.

use http::{HeaderValue, header::SET_COOKIE, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use supabase_auth::{
    Session,
    axum::{AuthSessions, AuthState, User},
    cookie::{Cookies, SetCookie},
    redirect::safe_next_on,
};

use super::AuthError;

/// The public URL of the site; the server provides it to every request's context.
#[derive(Clone, Debug)]
pub struct SiteUrl(pub url::Url);

/// The session layer the server provided.
pub fn sessions() -> Result<AuthSessions, AuthError> {
    use_context::<AuthSessions>().ok_or_else(|| {
        tracing::error!("the server did not provide AuthSessions to the context");
        AuthError::Unexpected
    })
}

/// The cookies of the current request, as the session layer left them.
pub fn request_cookies() -> Cookies {
    use_context::<Parts>()
        .map(|parts| Cookies::from_headers(&parts.headers))
        .unwrap_or_default()
}

/// The verified user of this request, if any.
pub fn current_user() -> Option<User> {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<AuthState>().cloned())
        .and_then(|state| state.user().cloned())
}

/// Sends `changes` as `Set-Cookie` headers with the response.
fn send_cookies(changes: &[SetCookie]) {
    let response = expect_context::<ResponseOptions>();
    for change in changes {
        if let Ok(value) = HeaderValue::from_str(&change.to_string()) {
            response.append_header(SET_COOKIE, value);
        }
    }
}

/// Stores `session` in the cookies, replacing the current one.
pub fn store_session(sessions: &AuthSessions, session: &Session) {
    send_cookies(&sessions.session_cookies(session, &request_cookies()));
}

/// Deletes the session cookies.
pub fn clear_session(sessions: &AuthSessions) {
    send_cookies(&sessions.clear_cookies(&request_cookies()));
}

/// Redirects to `next` if it stays on this site, else to `/`.
pub fn redirect_next(next: Option<&str>) {
    let target = match use_context::<SiteUrl>() {
        Some(SiteUrl(site)) => safe_next_on(&site, next),
        None => supabase_auth::redirect::safe_next(next),
    };
    leptos_axum::redirect(&target);
}

/// The absolute URL of `path` on this site, for links in mails.
pub fn site_link(path: &str) -> String {
    let site = use_context::<SiteUrl>()
        .map(|SiteUrl(site)| site.as_str().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    format!("{site}{path}")
}
