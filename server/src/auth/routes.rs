//! The routes a browser reaches from outside the app: `/auth/callback` (a PKCE flow comes back
//! with `?code=`) and `/auth/confirm` (an email link with `?token_hash=&type=`). Both set the
//! session cookies and redirect to a safe `next`; failures go to `/auth/error?code=`.

use axum::{
    Extension, Router,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use supabase_ssr::{
    AuthResponse, Error, ErrorCode, OtpType, VerifyOtp,
    axum::ClientIp,
    cookie::{Cookies, SetCookie},
    flow::{FlowReturn, FlowSession},
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

/// Finishes a PKCE flow ([`supabase_ssr::axum::SessionLayer::finish_flow`]): the session and the flow's cleared
/// verifier cookies, then `next` (or setting a new password after a recovery flow).
async fn callback(
    State(state): State<AppState>,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    Query(back): Query<FlowReturn>,
) -> Response {
    let finished = state
        .session_layer
        .for_client_ip(client.and_then(|Extension(ClientIp(ip))| ip))
        .finish_flow(&back, &Cookies::from_headers(&headers))
        .await;
    match finished.outcome {
        Ok(FlowSession { recovery: true, .. }) => redirect(path::UPDATE_PASSWORD, finished.cookies),
        Ok(_) => redirect(
            &safe_next_on(&state.site_url, back.next.as_deref()),
            finished.cookies,
        ),
        Err(code) => error_redirect(&code, finished.cookies),
    }
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
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    Query(query): Query<ConfirmQuery>,
) -> Response {
    // The auth server counts the verification against the user's address, not this server's.
    let layer = &state
        .session_layer
        .for_client_ip(client.and_then(|Extension(ClientIp(ip))| ip));
    let (Some(token_hash), Some(kind)) = (
        query.token_hash.as_deref().filter(|hash| !hash.is_empty()),
        query.kind.as_deref().and_then(OtpType::parse),
    ) else {
        return error_redirect(&ErrorCode::ValidationFailed, Vec::new());
    };
    let verified = layer
        .client()
        .verify_otp(VerifyOtp::TokenHash { token_hash, kind })
        .await;
    match verified {
        Ok(AuthResponse::Session(session)) => {
            let cookies = Cookies::from_headers(&headers);
            let changes = layer.session_cookies(&session, &cookies);
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
