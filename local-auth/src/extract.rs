//! Request input with upstream's errors: JSON bodies (`bad_json`, 413 `request_entity_too_large`)
//! and query strings (`validation_failed`).

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Query, Request},
    http::{StatusCode, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};

/// The largest body accepted, as upstream's default.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The first value of the query parameter `name` of `request`, decoded; for middleware that must
/// look before a handler parses the query.
pub fn query_param(request: &Request, name: &str) -> Option<String> {
    let query = request.uri().query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The API key a request carries: its `apikey` header, else its `apikey` query parameter.
pub fn api_key(request: &Request) -> Option<String> {
    request
        .headers()
        .get("apikey")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| query_param(request, "apikey"))
}

/// A JSON body; an empty body reads as `{}`.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        ErrorCode::RequestEntityTooLarge,
                        "Request body too large",
                    )
                } else {
                    ApiError::bad_request(ErrorCode::BadJson, "Could not read request body")
                }
            })?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(bytes).map(ApiJson).map_err(|error| {
            ApiError::bad_request(
                ErrorCode::BadJson,
                format!("Could not parse request body as JSON: {error}"),
            )
        })
    }
}

/// A query string; a malformed one is 400 `validation_failed`.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(query)| ApiQuery(query))
            .map_err(|rejection| {
                ApiError::validation(format!("Invalid query string: {}", rejection.body_text()))
            })
    }
}
