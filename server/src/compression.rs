//! Pages compressed (gzip) for clients that accept it, when nobody is signed in.
//!
//! A page for a signed-in user goes out as it is. Such a page holds the user's own data (their
//! address in the header, their notes) and may reflect part of its URL (an error code, a
//! `?next=`); compressed, its size on the wire would depend on how much the reflected text
//! repeats that data, so a site that can make the browser load it many times, and watch the
//! sizes, could read the data a character at a time (BREACH). A signed-out page holds nothing of
//! anyone's, and its CSP nonce changes with every answer. The assets under `/pkg` are compressed
//! at build time and served as they are.

use axum::{
    body::HttpBody,
    extract::Request,
    http::{self, header},
    middleware::Next,
    response::Response,
};
use supabase_ssr::axum::AuthState;
use tower_http::compression::{
    CompressionLayer, CompressionLevel,
    predicate::{DefaultPredicate, Predicate},
};

/// The compression of pages for nobody in particular; outside [`mark_personal`].
pub fn layer() -> CompressionLayer<impl Predicate> {
    // gzip at its fastest level: a page is compressed anew for every answer (its nonce differs).
    // With brotli at quality 4 the public pages served 4,635 requests/s against 8,281 for
    // `/protected` in the same `cargo xtask bench` run (uncompressed, they serve more than it),
    // for a few hundred bytes less than gzip.
    CompressionLayer::new()
        .gzip(true)
        .quality(CompressionLevel::Fastest)
        .compress_when(DefaultPredicate::new().and(PageForNobody))
}

/// Marks the answer to a signed-in request as [`Personal`], so it is not compressed; inside the
/// session layer, which says who is signed in.
pub async fn mark_personal(request: Request, next: Next) -> Response {
    let signed_in = matches!(
        request.extensions().get::<AuthState>(),
        Some(AuthState::SignedIn(_))
    );
    let mut response = next.run(request).await;
    if signed_in {
        response.extensions_mut().insert(Personal);
    }
    response
}

/// An answer that may hold a signed-in user's data.
#[derive(Clone, Copy, Debug)]
struct Personal;

/// An HTML page not marked [`Personal`].
#[derive(Clone, Copy, Debug)]
struct PageForNobody;

impl Predicate for PageForNobody {
    fn should_compress<B>(&self, response: &http::Response<B>) -> bool
    where
        B: HttpBody,
    {
        let html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/html"));
        html && response.extensions().get::<Personal>().is_none()
    }
}
