//! `POST /signup` and its confirmation.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestAuth, email, error_code};

#[tokio::test]
async fn signup_answers_the_unconfirmed_user_and_mails_a_confirmation() {
    let auth = TestAuth::spawn().await;
    let address = email("signup");

    let response = auth
        .post(
            "/signup",
            json!({ "email": address, "password": "secret-pass", "data": { "name": "Ada" } }),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["email"], address);
    assert!(
        user.get("access_token").is_none(),
        "no session before confirmation"
    );
    assert!(user["confirmation_sent_at"].is_string());
    assert!(user.get("email_confirmed_at").is_none());
    assert_eq!(user["user_metadata"]["name"], "Ada");
    assert_eq!(user["app_metadata"]["provider"], "email");
    assert_eq!(user["identities"][0]["provider"], "email");
    let mail = auth.latest_mail(&address).await;
    assert_eq!(mail.subject, "Confirm Your Signup");
    assert_eq!(mail.code().len(), 6);
    assert!(
        mail.link().contains("/auth/v1/verify?token="),
        "{}",
        mail.text
    );
}

#[tokio::test]
async fn repeating_the_signup_of_a_confirmed_user_answers_a_decoy_user() {
    let auth = TestAuth::spawn().await;
    let address = email("repeat");
    let session = auth.confirmed_user(&address, "secret-pass").await;

    let response = auth
        .post(
            "/signup",
            json!({ "email": address, "password": "other-pass" }),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let decoy: Value = response.json().await.unwrap();
    assert_ne!(decoy["id"], session["user"]["id"]);
    assert_eq!(decoy["identities"], json!([]));
    auth.sign_in(&address, "secret-pass").await;
}

#[tokio::test]
async fn with_confirmations_off_signup_signs_in_and_a_repeat_is_user_already_exists() {
    let auth = TestAuth::spawn_with(|config| config.enable_confirmations = false).await;
    let address = email("autoconfirm");

    let response = auth
        .post(
            "/signup",
            json!({ "email": address, "password": "secret-pass" }),
        )
        .await;
    let repeat = auth
        .post(
            "/signup",
            json!({ "email": address, "password": "secret-pass" }),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let session: Value = response.json().await.unwrap();
    assert!(session["access_token"].is_string());
    assert!(session["user"]["email_confirmed_at"].is_string());
    assert_eq!(
        error_code(repeat).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "user_already_exists".into()
        )
    );
}

#[tokio::test]
async fn short_passwords_are_weak_with_the_length_reason() {
    let auth = TestAuth::spawn().await;

    let response = auth
        .post(
            "/signup",
            json!({ "email": email("weak"), "password": "123" }),
        )
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "weak_password");
    assert_eq!(body["weak_password"]["reasons"], json!(["length"]));
}

#[tokio::test]
async fn invalid_emails_and_missing_passwords_are_refused() {
    let auth = TestAuth::spawn().await;

    let bad_email = auth
        .post(
            "/signup",
            json!({ "email": "not-an-email", "password": "secret-pass" }),
        )
        .await;
    let no_password = auth
        .post("/signup", json!({ "email": email("nopass") }))
        .await;

    assert_eq!(
        error_code(bad_email).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
    assert_eq!(
        error_code(no_password).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed".into())
    );
}

#[tokio::test]
async fn signup_can_be_disabled() {
    let auth = TestAuth::spawn_with(|config| config.enable_signup = false).await;

    let response = auth
        .post(
            "/signup",
            json!({ "email": email("off"), "password": "secret-pass" }),
        )
        .await;

    assert_eq!(
        error_code(response).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "signup_disabled".into())
    );
}

#[tokio::test]
async fn a_half_sent_pkce_challenge_is_validation_failed() {
    let auth = TestAuth::spawn().await;

    let response = auth
        .post("/signup", json!({ "email": email("pkce"), "password": "secret-pass", "code_challenge": "a".repeat(43) }))
        .await;

    assert_eq!(
        error_code(response).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
}
