//! The request counts the mailbox serves at `GET /metrics`.

use reqwest::StatusCode;

use crate::helpers::{TestAuth, email};

/// The line of `metrics` for `labels`, parsed as its count.
fn count(metrics: &str, labels: &str) -> Option<u64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&format!("local_auth_requests_total{{{labels}}} ")))
        .map(|count| count.parse().expect("a count"))
}

#[tokio::test]
async fn counts_requests_by_route_and_grant_type() {
    let server = TestAuth::spawn().await;
    let address = email("counted");
    let session = server.confirmed_user(&address, "password-1").await;
    server.sign_in(&address, "password-1").await;
    let refresh_token = session["refresh_token"].as_str().unwrap();
    for _ in 0..2 {
        server.refresh(refresh_token).await;
    }
    // An unknown route is not counted (it would let callers mint counters).
    let missing = server
        .post("/no-such-endpoint", serde_json::json!({}))
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let response = server
        .client
        .get(format!("http://{}/metrics", server.mailbox.addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let metrics = response.text().await.unwrap();
    let token = r#"method="POST",route="/auth/v1/token""#;
    assert_eq!(
        count(&metrics, &format!(r#"{token},grant_type="refresh_token""#)),
        Some(2),
        "{metrics}"
    );
    assert_eq!(
        count(&metrics, &format!(r#"{token},grant_type="password""#)),
        Some(1),
        "{metrics}"
    );
    assert_eq!(
        count(&metrics, r#"method="POST",route="/auth/v1/signup""#),
        Some(1),
        "{metrics}"
    );
    assert_eq!(
        count(&metrics, r#"method="POST",route="/auth/v1/verify""#),
        Some(1),
        "{metrics}"
    );
    assert!(!metrics.contains("no-such-endpoint"), "{metrics}");
}
