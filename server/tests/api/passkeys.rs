//! The passkey server functions as a client without the app's islands can call them: what they
//! hand out, and what they refuse before (or after) the auth server sees it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::auth_app::{TestApp, email, set_cookies};

async fn with_passkeys() -> TestApp {
    TestApp::spawn_with(|config| config.webauthn.passkeys = true).await
}

/// Calls the server function at `path` as an island does (JSON in, JSON out).
async fn call(app: &TestApp, path: &str, cookies: &str, body: Value) -> reqwest::Response {
    app.post(path, cookies).json(&body).send().await.unwrap()
}

#[tokio::test]
async fn sign_in_options_are_a_ceremony_for_the_sites_relying_party() {
    let app = with_passkeys().await;

    let response = call(&app, "/api/auth/passkey/options", "", json!({})).await;

    assert_eq!(response.status(), StatusCode::OK);
    let ceremony: Value = response.json().await.unwrap();
    assert!(
        ceremony["id"].as_str().is_some_and(|id| id.len() == 36),
        "{ceremony}"
    );
    let options: Value = serde_json::from_str(ceremony["options"].as_str().unwrap()).unwrap();
    assert_eq!(options["rpId"], "localhost", "{options}");
    assert!(
        options["challenge"].as_str().is_some_and(|c| c.len() >= 43),
        "{options}"
    );
}

#[tokio::test]
async fn answers_that_are_not_credentials_sign_nobody_in() {
    let app = with_passkeys().await;
    let ceremony: Value = call(&app, "/api/auth/passkey/options", "", json!({}))
        .await
        .json()
        .await
        .unwrap();
    let id = ceremony["id"].as_str().unwrap();

    // Over the answer limit (32 KiB) the function refuses it; far over, the body limit does.
    let oversized = format!("{{\"id\":\"{}\"}}", "x".repeat(33 * 1024));
    let huge = "x".repeat(1024 * 1024);
    for (credential, status) in [
        ("not json", StatusCode::BAD_REQUEST),
        ("[1, 2]", StatusCode::BAD_REQUEST),
        (oversized.as_str(), StatusCode::BAD_REQUEST),
        (huge.as_str(), StatusCode::PAYLOAD_TOO_LARGE),
        (
            r#"{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{}}"#,
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let response = call(
            &app,
            "/api/auth/passkey/sign-in",
            "",
            json!({ "challenge_id": id, "credential": credential, "next": "/protected" }),
        )
        .await;
        assert_eq!(
            response.status(),
            status,
            "{}",
            &credential[..credential.len().min(40)]
        );
        assert!(set_cookies(&response).is_empty());
    }
}

#[tokio::test]
async fn managing_passkeys_needs_a_session_and_passkeys_on() {
    let app = with_passkeys().await;
    let refused = call(&app, "/api/account/passkeys/options", "", json!({})).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let session = app.signed_in_user(&email("passkeys")).await;
    let cookies = app.cookie_header(&session);
    let allowed = call(&app, "/api/account/passkeys/options", &cookies, json!({})).await;
    assert_eq!(allowed.status(), StatusCode::OK);
    let ceremony: Value = allowed.json().await.unwrap();
    let options: Value = serde_json::from_str(ceremony["options"].as_str().unwrap()).unwrap();
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required");

    let off = TestApp::spawn().await;
    let session = off.signed_in_user(&email("passkeys-off")).await;
    let response = call(
        &off,
        "/api/account/passkeys/options",
        &off.cookie_header(&session),
        json!({}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = response.json().await.unwrap();
    assert_eq!(
        error,
        json!({"status": 422, "error": "PasskeysDisabled"}),
        "{error}"
    );
}
