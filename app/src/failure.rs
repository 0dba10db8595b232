//! The one contract of server functions' errors. Each feature's error type says what went wrong
//! in words a person understands (`Display`) and which HTTP status a call that failed with it
//! answers ([`Failure::status`]); it names [`FailureEncoding`] as its encoder, which sends both.
//! The server's `/api` layer reads the status from any failed call's body with [`status_of`],
//! so it names no feature's type, and a feature with errors of its own touches only its module:
//!
//! ```text
//! impl Failure for MyError {
//!     fn status(&self) -> StatusCode { … }
//! }
//! impl FromServerFnError for MyError {
//!     type Encoder = FailureEncoding;
//!     fn from_server_fn_error(error: ServerFnErrorErr) -> Self { … }
//! }
//! ```

use std::fmt::{Debug, Display};

use http::StatusCode;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// A server function's error that the browser may see: only user-safe variants, each with its
/// sentence (`Display`) and status.
pub trait Failure: Serialize + DeserializeOwned + Display + Debug + 'static {
    /// The HTTP status of the answer to a call that failed with this error: 4xx for what the
    /// client sent or may not do, 5xx only for the server's own trouble.
    fn status(&self) -> StatusCode;
}

/// The wire form of every [`Failure`]: `{"status": 422, "error": …}` as JSON.
pub struct FailureEncoding;

/// What [`FailureEncoding`] writes.
#[derive(Serialize)]
struct Outgoing<'a, T> {
    status: u16,
    error: &'a T,
}

/// What [`FailureEncoding`] reads.
#[derive(Deserialize)]
struct Incoming<T> {
    error: T,
}

impl ContentType for FailureEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for FailureEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Failure> Encodes<T> for FailureEncoding {
    type Error = serde_json::Error;

    fn encode(error: &T) -> Result<Bytes, Self::Error> {
        let status = error.status().as_u16();
        serde_json::to_vec(&Outgoing { status, error }).map(Into::into)
    }
}

impl<T: Failure> Decodes<T> for FailureEncoding {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        serde_json::from_slice::<Incoming<T>>(&bytes).map(|incoming| incoming.error)
    }
}

/// The status a failed server function's answer (a [`FailureEncoding`] body) carries; `None`
/// for any other body, or a status that is not an error's.
pub fn status_of(body: &[u8]) -> Option<StatusCode> {
    #[derive(Deserialize)]
    struct Head {
        status: u16,
    }

    let head = serde_json::from_slice::<Head>(body).ok()?;
    StatusCode::from_u16(head.status)
        .ok()
        .filter(|status| status.is_client_error() || status.is_server_error())
}

#[cfg(test)]
mod tests {
    use leptos::server_fn::error::FromServerFnError;

    use super::*;
    use crate::{auth::AuthError, pages::NoteError};

    #[test]
    fn a_failure_crosses_the_wire_with_its_status_and_comes_back_whole() {
        let error = AuthError::RateLimited { retry_after: 42 };

        let body = error.ser();

        assert_eq!(status_of(&body), Some(StatusCode::TOO_MANY_REQUESTS));
        assert_eq!(AuthError::de(body), error);
    }

    #[test]
    fn the_status_is_read_without_knowing_the_features_type() {
        let note = NoteError::NotFound.ser();
        let auth = AuthError::NotSignedIn.ser();

        assert_eq!(status_of(&note), Some(StatusCode::NOT_FOUND));
        assert_eq!(status_of(&auth), Some(StatusCode::UNAUTHORIZED));
    }

    #[test]
    fn bodies_that_are_not_failures_carry_no_status() {
        for body in [
            &b""[..],
            b"\"NotFound\"",
            b"{\"NotFound\":null}",
            b"{\"status\":200,\"error\":\"NotFound\"}",
            b"{\"status\":99999}",
            b"{\"status\":\"404\"}",
        ] {
            assert_eq!(status_of(body), None, "{}", String::from_utf8_lossy(body));
        }
    }
}
