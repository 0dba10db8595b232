//! How responses travel: rendered pages as they are, bundle files precompressed with a cache
//! policy that depends on whether their names are hashed.

use axum::{Router, body::Body, http::Request, response::Response};
use http::{StatusCode, header};
use leptos::config::LeptosOptions;
use server::AuthEndpoint;
use tempfile::TempDir;
use tower::ServiceExt;

use crate::helpers::{body_text, oneshot, state_with};

fn get(path: &str, accept_encoding: Option<&str>) -> Request<Body> {
    let builder = Request::get(path);
    let builder = match accept_encoding {
        Some(encodings) => builder.header(header::ACCEPT_ENCODING, encodings),
        None => builder,
    };
    builder.body(Body::empty()).unwrap()
}

fn header_of(response: &Response, name: header::HeaderName) -> Option<&str> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap())
}

#[tokio::test]
async fn pages_for_nobody_are_compressed_as_the_client_accepts() {
    let gzip = oneshot(get("/auth/login", Some("gzip"))).await;
    let identity = oneshot(get("/auth/login", None)).await;

    assert_eq!(gzip.status(), StatusCode::OK);
    assert_eq!(header_of(&gzip, header::CONTENT_ENCODING), Some("gzip"));
    let bytes = axum::body::to_bytes(gzip.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(bytes[..2], [0x1f, 0x8b], "a gzip stream");
    assert_eq!(header_of(&identity, header::CONTENT_ENCODING), None);
    assert!(body_text(identity).await.contains("<form"));
}

/// A site root holding `pkg/app.<hash>.css` and its brotli copy, as a release build leaves it.
fn built_site(hash_files: bool) -> (TempDir, Router) {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("pkg")).unwrap();
    std::fs::write(
        root.path().join("pkg/app.abc123.css"),
        "body { color: red }",
    )
    .unwrap();
    std::fs::write(
        root.path().join("pkg/app.abc123.css.br"),
        b"\x0b\x08\x80body",
    )
    .unwrap();
    std::fs::write(root.path().join("favicon.svg"), "<svg/>").unwrap();
    let leptos = LeptosOptions::builder()
        .output_name("app")
        .site_root(root.path().to_str().unwrap())
        .hash_files(hash_files)
        .build();
    let state = state_with(
        leptos,
        AuthEndpoint::new("http://127.0.0.1:9", "sb_publishable_test"),
    );
    (root, server::router(state))
}

#[tokio::test]
async fn hashed_bundle_files_are_immutable_and_served_precompressed() {
    let (_root, router) = built_site(true);

    let response = router
        .clone()
        .oneshot(get("/pkg/app.abc123.css", Some("gzip, br")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_of(&response, header::CACHE_CONTROL),
        Some("public, max-age=31536000, immutable")
    );
    // The file written at build time, not a compression per request.
    assert_eq!(header_of(&response, header::CONTENT_ENCODING), Some("br"));
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"\x0b\x08\x80body");

    // Other static files keep the default policy.
    let favicon = router.oneshot(get("/favicon.svg", None)).await.unwrap();
    assert_eq!(favicon.status(), StatusCode::OK);
    assert_eq!(header_of(&favicon, header::CACHE_CONTROL), None);
}

#[tokio::test]
async fn unhashed_bundle_files_are_revalidated() {
    let (_root, router) = built_site(false);

    let response = router
        .oneshot(get("/pkg/app.abc123.css", None))
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_of(&response, header::CACHE_CONTROL),
        Some("no-cache")
    );
    assert_eq!(header_of(&response, header::CONTENT_ENCODING), None);
    assert_eq!(
        body_text(response).await,
        "body { color: red }",
        "served as stored"
    );
}

#[tokio::test]
async fn a_missing_bundle_file_is_not_cached() {
    let (_root, router) = built_site(false);

    let response = router.oneshot(get("/pkg/app.old.css", None)).await.unwrap();

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(header_of(&response, header::CACHE_CONTROL), None);
}
