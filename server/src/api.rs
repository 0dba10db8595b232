//! Server-function calls (`/api/…`): bodies are bounded before anything reads them (413 beyond
//! [`MAX_BODY`]), and a failed call is answered with the status its error carries
//! ([`app::failure`]) instead of the 500 the server-function machinery sends for every error, so
//! a client error (a missing field, a wrong code, a missing second factor) is never a 5xx.

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Where server functions live.
pub const PREFIX: &str = "/api/";
/// The largest body a server function accepts: its forms hold a few short fields.
pub const MAX_BODY: usize = 64 * 1024;
/// The header the server-function machinery marks its error answers with.
const SERVER_FN_ERROR: &str = "serverfnerror";
/// The largest error answer that is read back to find its status.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// Bounds the body of a server-function call and answers its failure with the right status.
pub async fn bound_and_answer(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with(PREFIX) || request.method() != Method::POST {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok())
        .and_then(|length| length.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return too_large();
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Some(status) = app::failure::status_of(&bytes) {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn too_large() -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        "the request body is larger than a form needs",
    )
        .into_response()
}
