//! Server-side rendering of the pages.

use axum::{body::Body, http::Request};
use http::{StatusCode, header};

use crate::helpers::{body_text, oneshot};

#[tokio::test]
async fn home_page_is_rendered_on_the_server_with_the_health_answer() {
    let response = oneshot(Request::get("/").body(Body::empty()).unwrap()).await;

    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = body_text(response).await;
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<h1>Leptos + Supabase Auth</h1>"), "{html}");
    let version = concat!("version ", env!("CARGO_PKG_VERSION"));
    assert!(
        html.contains(version),
        "the health answer is rendered: {html}"
    );
}

#[tokio::test]
async fn home_page_loads_the_islands_bundle_before_the_stylesheet() {
    let response = oneshot(Request::get("/").body(Body::empty()).unwrap()).await;

    let html = body_text(response).await;
    let loader = html.find(r#"("/pkg/app.js", "/pkg/app_bg.wasm");</script>"#);
    let preload = html.find(r#"<link rel="modulepreload" href="/pkg/app.js">"#);
    let stylesheet = html.find(r#"href="/pkg/app.css""#);
    assert!(loader.is_some() && preload.is_some(), "{html}");
    assert!(preload < loader && loader < stylesheet, "{html}");
    assert!(
        html.contains("<leptos-island"),
        "the page has islands: {html}"
    );
}

#[tokio::test]
async fn unknown_path_answers_404_with_the_not_found_page() {
    let response = oneshot(Request::get("/no/such/page").body(Body::empty()).unwrap()).await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = body_text(response).await;
    assert!(html.contains("Page not found"), "{html}");
}
