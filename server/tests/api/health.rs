//! The health server function, called over HTTP the way the browser calls it.

use app::Health;
use http::StatusCode;

use crate::helpers::{TestServer, http_client};

#[tokio::test]
async fn health_server_function_answers_version_and_uptime_as_json() {
    let server = TestServer::spawn().await;

    let response = http_client()
        .post(server.url("/api/health"))
        .form(&[("", ""); 0])
        .send()
        .await
        .expect("the server answers");

    assert_eq!(response.status(), StatusCode::OK);
    let health: Health = response.json().await.expect("the answer is JSON");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    assert!(health.uptime_secs < 60, "{health:?}");
}

#[tokio::test]
async fn health_server_function_refuses_get() {
    let server = TestServer::spawn().await;

    let response = http_client()
        .get(server.url("/api/health"))
        .send()
        .await
        .expect("the server answers");

    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}
