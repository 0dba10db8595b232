//! Regression tests of the attacker's review (issue 14), one behaviour each: what an attacker
//! tried against the built server, and what it must answer now.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::auth_app::{TestApp, email};

/// Enrolls and verifies an authenticator app for the owner of `access_token`, as the account
/// page does; the session the verification answers with is dropped.
async fn add_verified_factor(app: &TestApp, access_token: &str) {
    let call = |method, path: String, body: Value| {
        app.auth_request(method, &path)
            .bearer_auth(access_token)
            .json(&body)
            .send()
    };
    let factor: Value = call(
        Method::POST,
        "/factors".into(),
        json!({"factor_type": "totp"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let id = factor["id"].as_str().unwrap();
    let secret = Secret::Encoded(factor["totp"]["secret"].as_str().unwrap().to_owned());
    let code = TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        secret.to_bytes().unwrap(),
        None,
        String::new(),
    )
    .unwrap()
    .generate_current()
    .unwrap();
    let challenge: Value = call(Method::POST, format!("/factors/{id}/challenge"), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let verified = call(
        Method::POST,
        format!("/factors/{id}/verify"),
        json!({"challenge_id": challenge["id"], "code": code}),
    )
    .await
    .unwrap();
    assert_eq!(verified.status(), StatusCode::OK);
}

/// Finding 2: an `aal1` session of a user with a verified factor, whose cookie says the user has
/// no factors (the browser wrote it), opens nothing that needs the full session.
#[tokio::test]
async fn a_cookie_that_hides_the_users_factors_does_not_skip_the_second_factor() {
    let app = TestApp::spawn().await;
    let mut session = app.signed_in_user(&email("mfa-edit")).await;
    add_verified_factor(&app, session.access_token.expose_secret()).await;
    session.user.factors = Some(Vec::new());
    let cookie = app.cookie_header(&session);

    for page in ["/protected", "/account", "/admin"] {
        let response = app.get(page, &cookie).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{page}");
        let location = response.headers()["location"].to_str().unwrap();
        assert!(location.starts_with("/auth/mfa?"), "{page}: {location}");
    }
    for function in ["/api/admin", "/api/account"] {
        let response = app
            .client
            .post(app.url(function))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{function}");
    }
    let renamed = app
        .client
        .post(app.url("/api/account/profile"))
        .header("cookie", &cookie)
        .form(&[("display_name", "attacker")])
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::FORBIDDEN);
    let user: Value = app
        .auth_request(Method::GET, "/user")
        .bearer_auth(session.access_token.expose_secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(user["user_metadata"]["display_name"].is_null(), "{user}");
}
