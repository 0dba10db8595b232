//! Server-only helpers for the auth server functions: the session layer from context, and
//! writing or clearing the session cookies on the response.

use http::{
    header::{ACCEPT, SET_COOKIE},
    request::Parts,
};
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

/// Runs a server function's `work`, answering its error with the HTTP status that fits it.
///
/// Only for calls from the hydrated app: a plain form post (it accepts `text/html`) is answered
/// with a redirect back to the form carrying the error, which a status would replace.
pub async fn answer<T>(work: impl Future<Output = Result<T, AuthError>>) -> Result<T, AuthError> {
    let result = work.await;
    if let Err(error) = &result
        && !is_form_post()
        && let Some(response) = use_context::<ResponseOptions>()
    {
        response.set_status(error.status());
    }
    result
}

/// Sends `changes` as `Set-Cookie` headers with the response.
fn send_cookies(changes: &[SetCookie]) {
    let response = expect_context::<ResponseOptions>();
    for change in changes {
        if let Some(value) = change.to_header_value() {
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

/// `next` if it stays on this site, else `/`.
pub fn safe_target(next: Option<&str>) -> String {
    match use_context::<SiteUrl>() {
        Some(SiteUrl(site)) => safe_next_on(&site, next),
        None => supabase_auth::redirect::safe_next(next),
    }
}

/// Whether the request is a plain HTML form post (no JavaScript).
fn is_form_post() -> bool {
    use_context::<Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// The answer of a successful form: a plain form post is redirected to `target` (always a local
/// path); the hydrated app gets `target` back and navigates once it has reloaded the session.
pub fn go_to(target: &str) -> String {
    if is_form_post() {
        leptos_axum::redirect(target);
    }
    target.to_owned()
}

/// The absolute URL of `path` on this site, for links in mails.
pub fn site_link(path: &str) -> String {
    let site = use_context::<SiteUrl>()
        .map(|SiteUrl(site)| site.as_str().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    format!("{site}{path}")
}
