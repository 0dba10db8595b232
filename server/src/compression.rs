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
    http::{self, header},
};
use supabase_ssr::axum::SignedInAnswer;
use tower_http::compression::{
    CompressionLayer, CompressionLevel,
    predicate::{DefaultPredicate, Predicate},
};

/// The compression of pages for nobody in particular; outside the session layer, which marks
/// the answers to signed-in requests.
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

/// An HTML page the session layer did not answer for a signed-in user ([`SignedInAnswer`]).
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
        html && response.extensions().get::<SignedInAnswer>().is_none()
    }
}
