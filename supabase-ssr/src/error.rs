//! One error type for every call: transport failures (retryable) apart from the server's answers,
//! which carry the Supabase error code as a typed value.

use http::StatusCode;
use serde_json::Value;

use crate::ErrorCode;

/// Why a call to Supabase Auth did not give the expected answer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request did not complete: the connection failed, was reset, or timed out. Retryable.
    #[error("the auth server could not be reached: {0}")]
    Transport(#[source] reqwest::Error),
    /// The auth server failed (a 5xx answer). Retryable.
    #[error("the auth server failed with {status}")]
    Server {
        /// The status it answered with.
        status: StatusCode,
        /// Its error code, when the body had one.
        code: Option<ErrorCode>,
    },
    /// The auth server refused the request (a 4xx answer).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The answer was not the shape the call expects.
    #[error("unexpected answer from the auth server ({status}): {detail}")]
    UnexpectedResponse {
        /// The status of the answer.
        status: StatusCode,
        /// What was wrong with it.
        detail: String,
    },
    /// A JWT failed local verification (signature, `exp`, `iss`, `aud`, or its shape).
    #[error("invalid JWT: {0}")]
    InvalidJwt(String),
}

impl Error {
    /// Whether trying again later may succeed: network failures, timeouts and 5xx answers.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Transport(_) | Self::Server { .. })
    }

    /// The Supabase error code of the answer, if the server gave one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Api(error) => Some(&error.code),
            Self::Server { code, .. } => code.as_ref(),
            Self::InvalidJwt(_) => Some(&ErrorCode::BadJwt),
            Self::Transport(_) | Self::UnexpectedResponse { .. } => None,
        }
    }
}

/// A 4xx answer from Supabase Auth.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code} ({status}): {message}")]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The Supabase error code; [`ErrorCode::Unknown`] when the answer had none.
    pub code: ErrorCode,
    /// The server's message. Meant for developers: show people a text chosen by `code`.
    pub message: String,
    /// For `weak_password`: why (`length`, `characters`, `pwned`).
    pub weak_password_reasons: Vec<String>,
}

impl ApiError {
    /// Reads an error answer in any of the shapes the server uses: the dated API
    /// (`{code, message}`), the legacy one (`{code: <status>, error_code, msg}`) and OAuth-style
    /// (`{error, error_description}`). The `x-sb-error-code` header wins when present.
    pub(crate) fn from_answer(status: StatusCode, header_code: Option<&str>, body: &[u8]) -> Self {
        let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let text = |key: &str| body.get(key).and_then(Value::as_str);
        let code = header_code
            .or_else(|| text("code"))
            .or_else(|| text("error_code"))
            .or_else(|| text("error"))
            .map_or(ErrorCode::Unknown, ErrorCode::parse);
        let message = text("message")
            .or_else(|| text("msg"))
            .or_else(|| text("error_description"))
            .unwrap_or_default()
            .to_owned();
        let weak_password_reasons = body
            .pointer("/weak_password/reasons")
            .and_then(Value::as_array)
            .map(|reasons| {
                reasons
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Self {
            status,
            code,
            message,
            weak_password_reasons,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_dated_error_shape() {
        let body = br#"{"code":"weak_password","message":"too short","weak_password":{"reasons":["length"]}}"#;

        let error = ApiError::from_answer(StatusCode::UNPROCESSABLE_ENTITY, None, body);

        assert_eq!(error.code, ErrorCode::WeakPassword);
        assert_eq!(error.message, "too short");
        assert_eq!(error.weak_password_reasons, ["length"]);
    }

    #[test]
    fn reads_the_legacy_and_oauth_shapes() {
        let legacy = ApiError::from_answer(
            StatusCode::BAD_REQUEST,
            None,
            br#"{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}"#,
        );
        let oauth = ApiError::from_answer(
            StatusCode::BAD_REQUEST,
            None,
            br#"{"error":"invalid_grant","error_description":"nope"}"#,
        );

        assert_eq!(legacy.code, ErrorCode::InvalidCredentials);
        assert_eq!(legacy.message, "Invalid login credentials");
        assert_eq!(oauth.code, ErrorCode::Other("invalid_grant".into()));
        assert_eq!(oauth.message, "nope");
    }

    #[test]
    fn the_error_code_header_wins_and_garbage_bodies_do_not_fail() {
        let error = ApiError::from_answer(StatusCode::FORBIDDEN, Some("bad_jwt"), b"<html>");

        assert_eq!(error.code, ErrorCode::BadJwt);
        assert_eq!(error.message, "");
    }

    #[test]
    fn only_transport_and_server_failures_are_retryable() {
        let server = Error::Server {
            status: StatusCode::BAD_GATEWAY,
            code: None,
        };
        let api = Error::Api(ApiError::from_answer(StatusCode::BAD_REQUEST, None, b"{}"));

        assert!(server.is_retryable());
        assert!(!api.is_retryable());
    }
}
