//! Anonymous sign-in (`POST /signup` without email or phone) and turning the guest into a
//! permanent user by `PUT /user`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestAuth, email, error_code};

/// The claims of an access token (its signature is tested in `token.rs`).
fn claims(session: &Value) -> Value {
    jsonwebtoken::dangerous::insecure_decode_claims(session["access_token"].as_str().unwrap())
        .unwrap()
}

async fn with_anonymous_sign_ins(confirmations: bool) -> TestAuth {
    TestAuth::spawn_with(|config| {
        config.enable_anonymous_sign_ins = true;
        config.enable_confirmations = confirmations;
    })
    .await
}

async fn put_user(auth: &TestAuth, session: &Value, body: Value) -> reqwest::Response {
    auth.request(Method::PUT, "/user")
        .bearer_auth(session["access_token"].as_str().unwrap())
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// `GET /settings`.
async fn settings(auth: &TestAuth) -> Value {
    auth.request(Method::GET, "/settings")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn guest(auth: &TestAuth) -> Value {
    let response = auth
        .post("/signup", json!({ "data": { "theme": "dark" } }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn anonymous_sign_ins_are_off_unless_configured() {
    let auth = TestAuth::spawn().await;

    let response = auth.post("/signup", json!({})).await;

    assert_eq!(
        error_code(response).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "anonymous_provider_disabled".into()
        )
    );
    let settings = settings(&auth).await;
    assert_eq!(settings["external"]["anonymous_users"], false);
}

#[tokio::test]
async fn a_guest_gets_a_session_marked_anonymous() {
    let auth = with_anonymous_sign_ins(true).await;

    let session = guest(&auth).await;

    let user = &session["user"];
    assert_eq!(user["is_anonymous"], true);
    assert_eq!(user["role"], "authenticated");
    assert_eq!(user["email"], "");
    assert_eq!(user["identities"], json!([]));
    assert_eq!(user["app_metadata"]["provider"], "anonymous");
    assert_eq!(user["user_metadata"]["theme"], "dark");
    let claims = claims(&session);
    assert_eq!(claims["is_anonymous"], true);
    assert_eq!(claims["role"], "authenticated");
    assert_eq!(claims["amr"][0]["method"], "anonymous");
    // The session refreshes like any other and stays anonymous.
    let refreshed: Value = auth
        .refresh(session["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(self::claims(&refreshed)["is_anonymous"], true);
    let settings = settings(&auth).await;
    assert_eq!(settings["external"]["anonymous_users"], true);
}

#[tokio::test]
async fn a_guest_cannot_set_a_password_without_an_email_address() {
    let auth = with_anonymous_sign_ins(true).await;
    let session = guest(&auth).await;

    let response = put_user(&auth, &session, json!({ "password": "guest-password" })).await;

    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "validation_failed");
    assert_eq!(
        body["message"],
        "Updating password of an anonymous user without an email or phone is not allowed"
    );
}

#[tokio::test]
async fn a_guest_becomes_permanent_once_the_address_is_confirmed() {
    let auth = with_anonymous_sign_ins(true).await;
    let session = guest(&auth).await;
    let guest_id = session["user"]["id"].clone();
    let address = email("guest");

    let response = put_user(
        &auth,
        &session,
        json!({ "email": address, "password": "guest-password" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let pending: Value = response.json().await.unwrap();
    assert_eq!(pending["is_anonymous"], true, "not before confirmation");
    assert_eq!(pending["new_email"], address);

    let code = auth.latest_mail(&address).await.code();
    let verified = auth
        .post(
            "/verify",
            json!({ "type": "email_change", "email": address, "token": code }),
        )
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
    let verified: Value = verified.json().await.unwrap();

    let user = &verified["user"];
    assert_eq!(user["id"], guest_id);
    assert_eq!(user["is_anonymous"], false);
    assert_eq!(user["email"], address);
    assert_eq!(user["app_metadata"]["provider"], "email");
    assert_eq!(user["identities"][0]["provider"], "email");
    assert_eq!(claims(&verified)["is_anonymous"], false);
    // The password set with the address signs the same user in.
    let signed_in = auth.sign_in(&address, "guest-password").await;
    assert_eq!(signed_in["user"]["id"], guest_id);
}

#[tokio::test]
async fn without_confirmations_a_guest_becomes_permanent_at_once() {
    let auth = with_anonymous_sign_ins(false).await;
    let session = guest(&auth).await;
    let address = email("instant");

    let response = put_user(
        &auth,
        &session,
        json!({ "email": address, "password": "guest-password" }),
    )
    .await;

    assert_eq!(response.status(), StatusCode::OK);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["id"], session["user"]["id"]);
    assert_eq!(user["is_anonymous"], false);
    assert_eq!(user["email"], address);
    assert!(user["email_confirmed_at"].is_string());
    let signed_in = auth.sign_in(&address, "guest-password").await;
    assert_eq!(signed_in["user"]["id"], session["user"]["id"]);
}

#[tokio::test]
async fn a_guest_cannot_take_an_address_that_is_registered() {
    let auth = with_anonymous_sign_ins(true).await;
    let taken = email("taken");
    auth.confirmed_user(&taken, "owner-password").await;
    let session = guest(&auth).await;

    let response = put_user(&auth, &session, json!({ "email": taken })).await;

    assert_eq!(
        error_code(response).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "email_exists".into())
    );
}
