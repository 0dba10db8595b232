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

    /// For `weak_password`: which of the project's password rules the password broke, read from
    /// the reasons and upstream's sentences (`Password should be at least 8 characters.`,
    /// `Password should contain at least one character of each: abc…, ABC…, 012….`). `None` for
    /// any other error.
    pub fn weak_password(&self) -> Option<WeakPassword> {
        if self.code != ErrorCode::WeakPassword {
            return None;
        }
        let has = |reason: &str| self.weak_password_reasons.iter().any(|r| r == reason);
        let min_length = has("length")
            .then(|| {
                let (_, rest) = self.message.split_once("at least ")?;
                rest.split_once(' ')?.0.parse().ok()
            })
            .flatten();
        let required_characters = if has("characters") {
            self.message
                .split_once("at least one character of each: ")
                .map(|(_, rest)| {
                    // The list ends at the sentence's full stop: the end, or `. ` before the
                    // next sentence (no set upstream offers contains `. `).
                    let list = rest.split_once(". ").map_or(rest, |(list, _)| list);
                    let list = list.strip_suffix('.').unwrap_or(list);
                    list.split(", ").map(CharacterSet::of).collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        Some(WeakPassword {
            too_short: has("length"),
            min_length,
            required_characters,
            pwned: has("pwned"),
        })
    }
}

/// Why the auth server refused a new password (`weak_password`), rule by rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeakPassword {
    /// The password is shorter than the project's minimum.
    pub too_short: bool,
    /// That minimum, when the answer named it.
    pub min_length: Option<usize>,
    /// The character sets the password must each contain one of, when it lacks one.
    pub required_characters: Vec<CharacterSet>,
    /// The password appears in a data breach (the leaked-password check).
    pub pwned: bool,
}

/// A set of characters a password rule requires one of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CharacterSet {
    /// `a` to `z`.
    Lower,
    /// `A` to `Z`.
    Upper,
    /// Any letter, either case.
    Letter,
    /// `0` to `9`.
    Digit,
    /// Punctuation and symbols only.
    Symbol,
    /// Any other set, as the server listed it.
    Other(String),
}

impl CharacterSet {
    /// Names a set by what it holds.
    fn of(set: &str) -> Self {
        let all = |test: fn(&char) -> bool| !set.is_empty() && set.chars().all(|c| test(&c));
        if all(char::is_ascii_lowercase) {
            Self::Lower
        } else if all(char::is_ascii_uppercase) {
            Self::Upper
        } else if all(char::is_ascii_alphabetic) {
            Self::Letter
        } else if all(char::is_ascii_digit) {
            Self::Digit
        } else if all(char::is_ascii_punctuation) {
            Self::Symbol
        } else {
            Self::Other(set.to_owned())
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
    fn weak_password_answers_name_each_broken_rule() {
        let body = br#"{"code":"weak_password","message":"Password should be at least 8 characters. Password should contain at least one character of each: abcdefghijklmnopqrstuvwxyz, ABCDEFGHIJKLMNOPQRSTUVWXYZ, 0123456789, !@#$%^&*()_+-=[]{};'\\:\"|<>?,./`~. Password is known to be weak and easy to guess, please choose a different one.","weak_password":{"reasons":["length","characters","pwned"]}}"#;

        let weak = ApiError::from_answer(StatusCode::UNPROCESSABLE_ENTITY, None, body)
            .weak_password()
            .unwrap();

        assert_eq!(
            weak,
            WeakPassword {
                too_short: true,
                min_length: Some(8),
                required_characters: vec![
                    CharacterSet::Lower,
                    CharacterSet::Upper,
                    CharacterSet::Digit,
                    CharacterSet::Symbol
                ],
                pwned: true,
            }
        );
        let letters = br#"{"code":"weak_password","message":"Password should contain at least one character of each: abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ, 0123456789.","weak_password":{"reasons":["characters"]}}"#;
        let weak = ApiError::from_answer(StatusCode::UNPROCESSABLE_ENTITY, None, letters)
            .weak_password()
            .unwrap();
        assert!(!weak.too_short);
        assert_eq!(
            weak.required_characters,
            [CharacterSet::Letter, CharacterSet::Digit]
        );
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
