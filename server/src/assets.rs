//! The cache policy of the bundle files under `/pkg/`.
//!
//! `cargo leptos build --release --precompress` writes `.br` and `.gz` next to each asset (the
//! bundle, its lazy islands' chunks, the stylesheet), and the static-file handler serves those as
//! they are; rendered pages are compressed per request where that is safe (`compression.rs`).

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};
use leptos::config::LeptosOptions;

/// Hashed file names change with their content, so browsers may keep them for good.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Unhashed bundles (debug builds) keep their names across rebuilds: revalidate every time.
const REVALIDATE: &str = "no-cache";

/// Middleware: sets the cache policy of successful answers under `/<site-pkg-dir>/`.
pub async fn cache_policy(
    State(options): State<LeptosOptions>,
    request: Request,
    next: Next,
) -> Response {
    let is_bundle = request
        .uri()
        .path()
        .strip_prefix('/')
        .and_then(|path| path.strip_prefix(&*options.site_pkg_dir))
        .is_some_and(|rest| rest.starts_with('/'));
    let mut response = next.run(request).await;
    if is_bundle && matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED) {
        let policy = if options.hash_files {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}
