//! CAPTCHA protection (`[auth.captcha]`): when enabled, sign-up (anonymous too), password and Web3
//! sign-in, OTP and magic-link mails, recovery, resends and single sign-on (`/sso`) need
//! `gotrue_meta_security.captcha_token` in the
//! body, unless the request carries admin credentials (as upstream's `verifyCaptcha`).
//!
//! local-auth cannot reach hCaptcha or Cloudflare, so it answers as their published test keys
//! do: with hCaptcha's test secret `0x0000000000000000000000000000000000000000`, exactly the
//! test response `10000000-aaaa-bbbb-cccc-000000000001` passes; with Turnstile's
//! `1x0000000000000000000000000000000AA` every token passes, with
//! `2x0000000000000000000000000000000AA` none does. Any other secret fails every token, with a
//! log line that says why.

use axum::{
    body::{Body, to_bytes},
    extract::{FromRequestParts, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::Value;

use crate::{
    bearer::ServiceRole,
    config::{Captcha, CaptchaProvider},
    error::{ApiError, ErrorCode},
    extract::{BODY_LIMIT, query_param},
    state::AppState,
};

/// hCaptcha's test secret and the response token its test site key produces.
pub const HCAPTCHA_TEST_SECRET: &str = "0x0000000000000000000000000000000000000000";
/// The response token of hCaptcha's test site key.
pub const HCAPTCHA_TEST_TOKEN: &str = "10000000-aaaa-bbbb-cccc-000000000001";
/// Turnstile's test secret that accepts every token.
pub const TURNSTILE_PASSING_SECRET: &str = "1x0000000000000000000000000000000AA";
/// Turnstile's test secret that refuses every token.
pub const TURNSTILE_FAILING_SECRET: &str = "2x0000000000000000000000000000000AA";

impl Captcha {
    /// Whether `token` passes, as the provider's test keys decide.
    pub fn accepts(&self, token: &str) -> bool {
        match (self.provider, self.secret.as_str()) {
            (CaptchaProvider::Hcaptcha, HCAPTCHA_TEST_SECRET) => token == HCAPTCHA_TEST_TOKEN,
            (CaptchaProvider::Turnstile, TURNSTILE_PASSING_SECRET) => !token.is_empty(),
            (CaptchaProvider::Turnstile, TURNSTILE_FAILING_SECRET) => false,
            (provider, _) => {
                tracing::warn!(
                    "CAPTCHA: local-auth cannot reach {provider:?} to check a real secret; \
                     use the provider's test secret in development"
                );
                false
            }
        }
    }
}

/// Route layer: refuses the request with 400 `captcha_failed` unless its JSON body carries a
/// token that passes. Of `/token`'s grants, the password and the Web3 grants are checked, as
/// upstream's.
pub async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(captcha) = &state.config.captcha else {
        return next.run(request).await;
    };
    let is_token_endpoint = request.uri().path().ends_with("/token");
    let checked_grant = matches!(
        query_param(&request, "grant_type").as_deref(),
        Some("password" | "web3")
    );
    if is_token_endpoint && !checked_grant {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    // Upstream skips the check for admin credentials in `Authorization` (never for a key in
    // `apikey`: a server forwarding its users' addresses with the secret key is still checked).
    if ServiceRole::from_request_parts(&mut parts, &state)
        .await
        .is_ok()
    {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let bytes = match to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::RequestEntityTooLarge,
                "Request body too large",
            )
            .into_response();
        }
    };
    // A body that is not JSON goes on to the handler, which answers `bad_json` and does nothing.
    let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    };
    let token = body
        .pointer("/gotrue_meta_security/captcha_token")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !captcha.accepts(token) {
        return ApiError::bad_request(
            ErrorCode::CaptchaFailed,
            "captcha protection: request disallowed (invalid-input-response)",
        )
        .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
