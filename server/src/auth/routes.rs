//! The routes a browser reaches from outside the app: `/auth/callback` (a PKCE flow comes back
//! with `?code=`) and `/auth/confirm` (an email link with `?token_hash=&type=`). Both set the
//! session cookies and redirect to a safe `next`; failures go to `/auth/error?code=`.

use axum::{
    Router,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use supabase_auth::{
    AuthResponse, Error, ErrorCode, OtpType, VerifyOtp,
    cookie::{self, Cookies, SetCookie},
    redirect::safe_next_on,
};

use crate::AppState;

use app::routes::{CALLBACK, CONFIRM, path};

/// `/auth/callback` and `/auth/confirm`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(CALLBACK, get(callback))
        .route(CONFIRM, get(confirm))
}

/// The query of `/auth/callback`: a code, or the error a provider or the auth server reported.
#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    next: Option<String>,
    /// The per-flow verifier slot this flow stored its verifier in, when the app named one.
    flow: Option<String>,
    error: Option<String>,
    error_code: Option<String>,
}

/// Exchanges the code for a session with the verifier cookie; the verifier is deleted whatever
/// happens, so it is never tried twice.
async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let sessions = &state.sessions;
    let cookies = Cookies::from_headers(&headers);
    let config = sessions.config();
    // A named flow clears only its own verifier, so flows other tabs started still complete;
    // an unnamed one (the legacy cookie) clears them all.
    let cleanup = |used: Option<&str>| match query.flow.as_deref() {
        Some(flow) => cookie::finish_flow(
            &config.cookie_name,
            flow,
            used,
            &cookies,
            &config.cookie_options,
        ),
        None => cookie::remove_verifiers(&config.cookie_name, &cookies, &config.cookie_options),
    };

    if let Some(code) = query.error_code.as_deref().or(query.error.as_deref()) {
        return error_redirect(&ErrorCode::parse(code), cleanup(None));
    }
    let Some(code) = query.code.as_deref().filter(|code| !code.is_empty()) else {
        return error_redirect(&ErrorCode::ValidationFailed, cleanup(None));
    };
    let stored = cookie::read_verifiers(&cookies, &config.cookie_name, query.flow.as_deref());
    if stored.is_empty() {
        // auth-js's name for this case.
        let missing = ErrorCode::Other("pkce_code_verifier_not_found".into());
        return error_redirect(&missing, cleanup(None));
    }
    // Several tabs may have started flows; the code belongs to one of their verifiers.
    for candidate in stored {
        let used = candidate.verifier.expose_secret().to_owned();
        match sessions
            .client()
            .exchange_code_for_session(code, candidate.verifier)
            .await
        {
            Ok(session) => {
                let mut changes = cleanup(Some(&used));
                changes.extend(sessions.session_cookies(&session, &cookies));
                let next = if candidate.recovery {
                    path::UPDATE_PASSWORD.to_owned()
                } else {
                    safe_next_on(&state.site_url, query.next.as_deref())
                };
                return redirect(&next, changes);
            }
            Err(error) if error.code() == Some(&ErrorCode::BadCodeVerifier) => {}
            Err(error) => return failure(&error, cleanup(None)),
        }
    }
    error_redirect(&ErrorCode::BadCodeVerifier, cleanup(None))
}

/// The query of `/auth/confirm`.
#[derive(Debug, Deserialize)]
struct ConfirmQuery {
    token_hash: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    next: Option<String>,
}

/// Verifies an email link's token hash; recovery links go on to set a new password.
async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ConfirmQuery>,
) -> Response {
    let sessions = &state.sessions;
    let (Some(token_hash), Some(kind)) = (
        query.token_hash.as_deref().filter(|hash| !hash.is_empty()),
        query.kind.as_deref().and_then(OtpType::parse),
    ) else {
        return error_redirect(&ErrorCode::ValidationFailed, Vec::new());
    };
    let verified = sessions
        .client()
        .verify_otp(VerifyOtp::TokenHash { token_hash, kind })
        .await;
    match verified {
        Ok(AuthResponse::Session(session)) => {
            let cookies = Cookies::from_headers(&headers);
            let changes = sessions.session_cookies(&session, &cookies);
            let next = if kind == OtpType::Recovery {
                path::UPDATE_PASSWORD.to_owned()
            } else {
                safe_next_on(&state.site_url, query.next.as_deref())
            };
            redirect(&next, changes)
        }
        // The first of two email-change confirmations: nothing to sign in yet.
        Ok(AuthResponse::User(_)) => redirect(
            &safe_next_on(&state.site_url, query.next.as_deref()),
            Vec::new(),
        ),
        Err(error) => failure(&error, Vec::new()),
    }
}

fn failure(error: &Error, changes: Vec<SetCookie>) -> Response {
    if error.is_retryable() {
        tracing::warn!("auth server unavailable: {error}");
    }
    let code = error
        .code()
        .cloned()
        .unwrap_or(ErrorCode::UnexpectedFailure);
    error_redirect(&code, changes)
}

fn error_redirect(code: &ErrorCode, changes: Vec<SetCookie>) -> Response {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("code", code.as_str())
        .finish();
    redirect(&format!("{}?{query}", path::AUTH_ERROR), changes)
}

/// A 303 to `location` (always a local path) carrying `changes`.
pub(crate) fn redirect(location: &str, changes: Vec<SetCookie>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, location);
    }
    for change in changes {
        if let Some(value) = change.to_header_value() {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}
