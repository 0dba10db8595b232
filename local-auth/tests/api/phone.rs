//! Phone sign-up, sign-in with a texted code, and number changes; texts land in the mailbox.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestAuth, error_code};

/// A fresh number for each test, in the `+1 555 01xx xxx` range reserved for fiction.
fn phone() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 10_000_000;
    format!("+1555{n:07}")
}

async fn with_phone(confirmations: bool) -> TestAuth {
    TestAuth::spawn_with(|config| {
        config.sms.enable_signup = true;
        config.sms.enable_confirmations = confirmations;
        config.sms.max_frequency = 0;
    })
    .await
}

async fn verify(auth: &TestAuth, kind: &str, phone: &str, code: &str) -> reqwest::Response {
    auth.post(
        "/verify",
        json!({ "type": kind, "phone": phone, "token": code }),
    )
    .await
}

#[tokio::test]
async fn phone_sign_in_is_off_unless_configured() {
    let auth = TestAuth::spawn().await;

    let signup = auth
        .post(
            "/signup",
            json!({ "phone": phone(), "password": "password-1" }),
        )
        .await;
    let otp = auth.post("/otp", json!({ "phone": phone() })).await;

    let disabled = (
        StatusCode::UNPROCESSABLE_ENTITY,
        "phone_provider_disabled".to_owned(),
    );
    assert_eq!(error_code(signup).await, disabled);
    assert_eq!(error_code(otp).await, disabled);
}

#[tokio::test]
async fn a_phone_sign_up_is_confirmed_with_the_texted_code() {
    let auth = with_phone(true).await;
    let number = phone();

    let signup = auth
        .post(
            "/signup",
            json!({ "phone": number, "password": "password-1" }),
        )
        .await;
    assert_eq!(signup.status(), StatusCode::OK);
    let user: Value = signup.json().await.unwrap();
    assert_eq!(
        user["phone"],
        number.trim_start_matches('+'),
        "stored without the plus"
    );
    assert!(user.get("phone_confirmed_at").is_none());

    let before = auth
        .post(
            "/token?grant_type=password",
            json!({ "phone": number, "password": "password-1" }),
        )
        .await;
    assert_eq!(
        error_code(before).await,
        (StatusCode::BAD_REQUEST, "phone_not_confirmed".into())
    );

    let text = auth.latest_mail(&number).await;
    assert!(text.is_sms, "marked as SMS in the mailbox");
    let wrong = verify(&auth, "sms", &number, "000000").await;
    assert_eq!(
        error_code(wrong).await,
        (StatusCode::FORBIDDEN, "otp_expired".into())
    );
    let verified = verify(&auth, "sms", &number, &text.code()).await;
    assert_eq!(verified.status(), StatusCode::OK);
    let session: Value = verified.json().await.unwrap();
    assert!(session["user"]["phone_confirmed_at"].is_string());
    assert_eq!(session["user"]["identities"][0]["provider"], "phone");
    assert_eq!(session["user"]["app_metadata"]["provider"], "phone");

    let signed_in = auth
        .post(
            "/token?grant_type=password",
            json!({ "phone": number, "password": "password-1" }),
        )
        .await;
    assert_eq!(signed_in.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_otp_signs_in_by_phone_and_creates_the_user_only_when_allowed() {
    let auth = with_phone(true).await;
    let number = phone();

    let refused = auth
        .post("/otp", json!({ "phone": number, "create_user": false }))
        .await;
    assert_eq!(
        error_code(refused).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "otp_disabled".into())
    );

    let sent = auth.post("/otp", json!({ "phone": number })).await;
    assert_eq!(sent.status(), StatusCode::OK);
    let body: Value = sent.json().await.unwrap();
    assert!(body["message_id"].is_string());
    let code = auth.latest_mail(&number).await.code();
    let session: Value = verify(&auth, "sms", &number, &code)
        .await
        .json()
        .await
        .unwrap();
    let claims = jsonwebtoken::dangerous::insecure_decode_claims::<Value>(
        session["access_token"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(claims["phone"], number.trim_start_matches('+'));
    assert_eq!(claims["amr"][0]["method"], "otp");

    let replayed = verify(&auth, "sms", &number, &code).await;
    assert_eq!(
        error_code(replayed).await,
        (StatusCode::FORBIDDEN, "otp_expired".into())
    );
}

#[tokio::test]
async fn texted_codes_expire() {
    let auth = TestAuth::spawn_with(|config| {
        config.sms.enable_signup = true;
        config.sms.otp_expiry = 0;
    })
    .await;
    let number = phone();
    auth.post("/otp", json!({ "phone": number })).await;
    let code = auth.latest_mail(&number).await.code();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let late = verify(&auth, "sms", &number, &code).await;

    assert_eq!(
        error_code(late).await,
        (StatusCode::FORBIDDEN, "otp_expired".into())
    );
}

#[tokio::test]
async fn a_number_change_is_confirmed_from_the_new_number() {
    let auth = with_phone(true).await;
    let (first, second) = (phone(), phone());
    auth.post("/otp", json!({ "phone": first })).await;
    let code = auth.latest_mail(&first).await.code();
    let session: Value = verify(&auth, "sms", &first, &code)
        .await
        .json()
        .await
        .unwrap();
    let token = session["access_token"].as_str().unwrap();

    let updated = auth
        .request(Method::PUT, "/user")
        .bearer_auth(token)
        .json(&json!({ "phone": second }))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), StatusCode::OK);
    let user: Value = updated.json().await.unwrap();
    assert_eq!(user["new_phone"], second.trim_start_matches('+'));
    assert_eq!(
        user["phone"],
        first.trim_start_matches('+'),
        "unchanged until confirmed"
    );

    let resent = auth
        .post(
            "/resend",
            json!({ "type": "phone_change", "phone": second }),
        )
        .await;
    assert_eq!(resent.status(), StatusCode::OK);
    let code = auth.latest_mail(&second).await.code();
    let changed = verify(&auth, "phone_change", &second, &code).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let user: Value = auth.get_as("/user", token).await.json().await.unwrap();
    assert_eq!(user["phone"], second.trim_start_matches('+'));
    assert!(user.get("new_phone").is_none());
    assert_eq!(
        user["identities"][0]["identity_data"]["phone"],
        second.trim_start_matches('+')
    );
}

#[tokio::test]
async fn a_taken_number_and_malformed_numbers_are_refused() {
    let auth = with_phone(false).await;
    let taken = phone();
    let owner: Value = auth
        .post(
            "/signup",
            json!({ "phone": taken, "password": "password-1" }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        owner["access_token"].is_string(),
        "no confirmation needed: {owner}"
    );
    let other: Value = auth
        .post(
            "/signup",
            json!({ "phone": phone(), "password": "password-1" }),
        )
        .await
        .json()
        .await
        .unwrap();

    let change = auth
        .request(Method::PUT, "/user")
        .bearer_auth(other["access_token"].as_str().unwrap())
        .json(&json!({ "phone": taken }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(change).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "phone_exists".into())
    );
    let again = auth
        .post(
            "/signup",
            json!({ "phone": taken, "password": "password-1" }),
        )
        .await;
    assert_eq!(
        error_code(again).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "user_already_exists".into()
        )
    );
    let malformed = auth.post("/otp", json!({ "phone": "call me" })).await;
    assert_eq!(
        error_code(malformed).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
}

#[tokio::test]
async fn a_guest_becomes_permanent_with_a_confirmed_number() {
    let auth = TestAuth::spawn_with(|config| {
        config.sms.enable_signup = true;
        config.sms.enable_confirmations = true;
        config.enable_anonymous_sign_ins = true;
    })
    .await;
    let guest: Value = auth.post("/signup", json!({})).await.json().await.unwrap();
    let number = phone();

    let updated = auth
        .request(Method::PUT, "/user")
        .bearer_auth(guest["access_token"].as_str().unwrap())
        .json(&json!({ "phone": number, "password": "password-1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), StatusCode::OK);
    let code = auth.latest_mail(&number).await.code();
    let session: Value = verify(&auth, "phone_change", &number, &code)
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(session["user"]["id"], guest["user"]["id"]);
    assert_eq!(session["user"]["is_anonymous"], false);
    assert_eq!(session["user"]["app_metadata"]["provider"], "phone");
    let signed_in = auth
        .post(
            "/token?grant_type=password",
            json!({ "phone": number, "password": "password-1" }),
        )
        .await;
    assert_eq!(signed_in.status(), StatusCode::OK);
}
