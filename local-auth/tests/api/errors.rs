//! The gateway's API-key check and the shapes of error responses.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::TestAuth;

#[tokio::test]
async fn requests_without_an_api_key_are_refused_like_the_gateway_does() {
    let auth = TestAuth::spawn().await;

    let response = auth.client.get(auth.url("/health")).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "No API key found in request");
}

#[tokio::test]
async fn requests_with_a_wrong_api_key_are_refused() {
    let auth = TestAuth::spawn().await;

    let response = auth
        .client
        .get(auth.url("/health"))
        .header("apikey", "sb_publishable_wrong")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "Invalid API key");
}

#[tokio::test]
async fn the_api_key_may_come_as_a_query_parameter_and_either_key_is_accepted() {
    let auth = TestAuth::spawn().await;

    let by_query = auth
        .client
        .get(auth.url(&format!("/health?apikey={}", auth.publishable_key)))
        .send()
        .await
        .unwrap();
    let secret = auth
        .client
        .get(auth.url("/settings"))
        .header("apikey", &auth.secret_key)
        .send()
        .await
        .unwrap();

    assert_eq!(by_query.status(), StatusCode::OK);
    assert_eq!(secret.status(), StatusCode::OK);
    let health: Value = by_query.json().await.unwrap();
    assert_eq!(health["name"], "GoTrue");
}

#[tokio::test]
async fn the_jwks_is_open_cacheable_and_holds_one_es256_key() {
    let auth = TestAuth::spawn().await;

    let response = auth
        .client
        .get(auth.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=600");
    let jwks: Value = response.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["alg"], "ES256");
    assert_eq!(keys[0]["kty"], "EC");
    assert_eq!(keys[0]["use"], "sig");
    assert!(keys[0]["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
    assert!(keys[0].get("d").is_none(), "no private part is published");
}

#[tokio::test]
async fn malformed_json_is_bad_json_with_the_code_header() {
    let auth = TestAuth::spawn().await;

    let response = auth
        .request(Method::POST, "/signup")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()["x-sb-error-code"], "bad_json");
    assert_eq!(response.headers()["x-supabase-api-version"], "2024-01-01");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "bad_json");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Could not parse request body as JSON")
    );
}

#[tokio::test]
async fn without_the_api_version_header_errors_use_the_legacy_shape() {
    let auth = TestAuth::spawn().await;

    let response = auth
        .client
        .post(auth.url("/signup"))
        .header("apikey", &auth.publishable_key)
        .body("[")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("x-supabase-api-version").is_none());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 400);
    assert_eq!(body["error_code"], "bad_json");
    assert!(body["msg"].is_string());
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let auth = TestAuth::spawn().await;
    let huge = format!("{{\"email\":\"{}\"}}", "a".repeat(2 * 1024 * 1024));

    let response = auth
        .request(Method::POST, "/signup")
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.headers()["x-sb-error-code"],
        "request_entity_too_large"
    );
}

#[tokio::test]
async fn a_malformed_query_string_is_validation_failed() {
    let auth = TestAuth::spawn().await;

    let response = auth
        .request(Method::POST, "/recover?redirect_to=a&redirect_to=b")
        .json(&serde_json::json!({ "email": "someone@example.com" }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()["x-sb-error-code"], "validation_failed");
}

#[tokio::test]
async fn run_serves_the_api_and_the_mailbox_until_shutdown() {
    let bound = local_auth::testing::Bound::new().await;
    let (api_addr, mailbox_addr) = (bound.api_addr, bound.mailbox_addr);
    let config = bound.config();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(local_auth::run(bound.api, bound.mailbox, config, async {
        let _ = stopped.await;
    }));

    let client = crate::helpers::http_client();
    let jwks = client
        .get(format!("http://{api_addr}/auth/v1/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    let mail = client
        .get(format!("http://{mailbox_addr}/api/v1/messages"))
        .send()
        .await
        .unwrap();
    stop.send(()).unwrap();

    assert_eq!(jwks.status(), StatusCode::OK);
    assert_eq!(mail.status(), StatusCode::OK);
    server.await.unwrap().expect("a clean shutdown");
}

#[tokio::test]
async fn browsers_may_call_the_api_from_another_origin() {
    let auth = TestAuth::spawn().await;
    let origin = "http://127.0.0.1:3000";

    let preflight = auth
        .client
        .request(Method::OPTIONS, auth.url("/user"))
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header(
            "access-control-request-headers",
            "authorization,apikey,x-client-info",
        )
        .send()
        .await
        .unwrap();
    let call = auth
        .request(Method::GET, "/settings")
        .header("origin", origin)
        .send()
        .await
        .unwrap();

    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], origin);
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap();
    assert!(
        allowed.contains("authorization") && allowed.contains("apikey"),
        "{allowed}"
    );
    assert_eq!(call.headers()["access-control-allow-origin"], origin);
    let exposed = call.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(exposed.contains("x-total-count"), "{exposed}");
}
