//! Security headers on every response: no MIME sniffing, no framing, no referrer beyond this site
//! (auth codes and token hashes travel in URLs), and HSTS when the site is served over https. Pages
//! carry their own Content-Security-Policy with the render's nonce ([`app::csp`]).

use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};

/// Whether the site is served over https, so browsers may be told to insist on it.
#[derive(Clone, Copy, Debug)]
pub struct Https(pub bool);

/// Adds the headers to the response of `request`.
pub async fn secure(State(Https(https)): State<Https>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if https {
        // Two years, the preload list's minimum.
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    response
}
