//! API errors: the HTTP status and Supabase error code of every failure, and the two body shapes
//! the upstream server answers with, chosen by the request's `X-Supabase-Api-Version`.

use axum::{
    Json,
    extract::Request,
    http::{HeaderName, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// The Supabase Auth error codes, one vocabulary with the client: `supabase_ssr::ErrorCode`.
pub use supabase_ssr::ErrorCode;

/// A failed request: status, code and a message for the developer.
#[derive(Clone, Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The Supabase error code.
    pub code: ErrorCode,
    /// The human-readable message, as upstream words it.
    pub message: String,
    /// For `weak_password`: which rules the password broke (`length`, `characters`, `pwned`).
    pub weak_password_reasons: Vec<&'static str>,
    /// For 429s: seconds until the client may try again, sent as `Retry-After`.
    pub retry_after: Option<u64>,
    /// Written in the OAuth shape, `{error, error_description}` with `code` as the `error`,
    /// whatever API version the caller names (upstream's `OAuthError`, as the Web3 grant answers).
    pub oauth_shape: bool,
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with the given status, code and message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            weak_password_reasons: Vec::new(),
            retry_after: None,
            oauth_shape: false,
        }
    }

    /// 400 `{error, error_description}` (upstream's `OAuthError`): `error` such as
    /// `invalid_grant`.
    pub fn oauth(error: &str, description: impl Into<String>) -> Self {
        Self {
            oauth_shape: true,
            ..Self::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::Other(error.to_owned()),
                description,
            )
        }
    }

    /// Adds `Retry-After: seconds` to the response (written by [`shape_errors`]).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 400 with `code`.
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 400 `validation_failed`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::bad_request(ErrorCode::ValidationFailed, message)
    }

    /// 401 with `code`.
    pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403 with `code`.
    pub fn forbidden(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 404 with `code`.
    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 422 with `code`.
    pub fn unprocessable(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 422 `email_exists`: another user has the address.
    pub fn email_exists() -> Self {
        Self::unprocessable(
            ErrorCode::EmailExists,
            "A user with this email address has already been registered",
        )
    }

    /// 429 `over_email_send_rate_limit`, naming the seconds left.
    pub fn email_rate_limited(seconds_left: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::OverEmailSendRateLimit,
            format!(
                "For security purposes, you can only request this after {seconds_left} seconds."
            ),
        )
        .retry_after(seconds_left)
    }

    /// 500 `unexpected_failure` with a message upstream sends as it is (a hook's failure, a check
    /// that could not run); nothing secret may be in it.
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::UnexpectedFailure,
            message,
        )
    }

    /// 500 `unexpected_failure`; the cause is logged, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!("unexpected failure: {cause}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::UnexpectedFailure,
            "Unexpected failure, please check server logs for more information",
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(error)
    }
}

/// The header carrying the error code on every error response.
const ERROR_CODE_HEADER: HeaderName = HeaderName::from_static("x-sb-error-code");
/// The API version header; requests naming 2024-01-01 or later get the `{code, message}` shape.
pub const API_VERSION_HEADER: HeaderName = HeaderName::from_static("x-supabase-api-version");
const API_VERSION_2024: &str = "2024-01-01";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        // The body is written by `shape_errors`, which knows the request's API version.
        let mut response = status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Middleware that writes the body of every [`ApiError`] in the shape the caller asked for.
pub async fn shape_errors(request: Request, next: Next) -> Response {
    let dated = request
        .headers()
        .get(&API_VERSION_HEADER)
        .and_then(|value| value.to_str().ok())
        .is_some_and(is_dated_api_version);
    let mut response = next.run(request).await;
    let Some(error) = response.extensions_mut().remove::<ApiError>() else {
        return response;
    };
    if error.oauth_shape {
        let body = json!({ "error": error.code.as_str(), "error_description": error.message });
        return (error.status, Json(body)).into_response();
    }
    let mut body = if dated {
        json!({ "code": error.code.as_str(), "message": error.message })
    } else {
        json!({ "code": error.status.as_u16(), "error_code": error.code.as_str(), "msg": error.message })
    };
    if error.code == ErrorCode::WeakPassword {
        body["weak_password"] = json!({ "reasons": error.weak_password_reasons });
    }
    let mut shaped = (error.status, Json(body)).into_response();
    let headers = shaped.headers_mut();
    if let Ok(code) = HeaderValue::from_str(error.code.as_str()) {
        headers.insert(ERROR_CODE_HEADER, code);
    }
    if dated {
        headers.insert(
            API_VERSION_HEADER,
            HeaderValue::from_static(API_VERSION_2024),
        );
    }
    if let Some(seconds) = error.retry_after {
        headers.insert(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    shaped
}

/// Whether `version` is a valid `YYYY-MM-DD` date on or after 2024-01-01.
fn is_dated_api_version(version: &str) -> bool {
    chrono::NaiveDate::parse_from_str(version, "%Y-%m-%d").is_ok() && version >= API_VERSION_2024
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_from_2024_select_the_new_error_shape() {
        assert!(is_dated_api_version("2024-01-01"));
        assert!(is_dated_api_version("2025-06-30"));
        assert!(!is_dated_api_version("2023-12-31"));
        assert!(!is_dated_api_version("latest"));
        assert!(!is_dated_api_version("2024-13-01"));
    }
}
