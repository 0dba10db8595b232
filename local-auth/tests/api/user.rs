//! `GET`/`PUT /user`, `GET /reauthenticate` and `POST /logout`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestAuth, email, error_code};

fn access(session: &Value) -> &str {
    session["access_token"].as_str().unwrap()
}

fn refresh(session: &Value) -> &str {
    session["refresh_token"].as_str().unwrap()
}

async fn put_user(auth: &TestAuth, session: &Value, body: Value) -> reqwest::Response {
    auth.request(Method::PUT, "/user")
        .bearer_auth(access(session))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn get_user_needs_a_valid_bearer_token() {
    let auth = TestAuth::spawn().await;
    let address = email("getuser");
    let session = auth.confirmed_user(&address, "secret-pass").await;

    let ok = auth.get_as("/user", access(&session)).await;
    let missing = auth.request(Method::GET, "/user").send().await.unwrap();
    let garbage = auth.get_as("/user", "not.a.jwt").await;

    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.json::<Value>().await.unwrap()["email"], address);
    assert_eq!(
        error_code(missing).await,
        (StatusCode::UNAUTHORIZED, "no_authorization".into())
    );
    assert_eq!(
        error_code(garbage).await,
        (StatusCode::FORBIDDEN, "bad_jwt".into())
    );
}

#[tokio::test]
async fn metadata_updates_merge_and_null_removes_a_key() {
    let auth = TestAuth::spawn().await;
    let session = auth.confirmed_user(&email("meta"), "secret-pass").await;
    put_user(
        &auth,
        &session,
        json!({ "data": { "name": "Ada", "team": "core" } }),
    )
    .await;

    let response = put_user(
        &auth,
        &session,
        json!({ "data": { "team": null, "role": "lead" } }),
    )
    .await;

    assert_eq!(response.status(), StatusCode::OK);
    let user: Value = response.json().await.unwrap();
    assert_eq!(
        user["user_metadata"],
        json!({ "name": "Ada", "role": "lead" })
    );
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_and_keeps_this_one() {
    let auth = TestAuth::spawn().await;
    let address = email("password");
    let this = auth.confirmed_user(&address, "secret-pass").await;
    let other = auth.sign_in(&address, "secret-pass").await;

    let same = put_user(&auth, &this, json!({ "password": "secret-pass" })).await;
    let weak = put_user(&auth, &this, json!({ "password": "x" })).await;
    let changed = put_user(&auth, &this, json!({ "password": "new-secret" })).await;

    assert_eq!(
        error_code(same).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "same_password".into())
    );
    assert_eq!(
        error_code(weak).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "weak_password".into())
    );
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(auth.refresh(refresh(&this)).await.status(), StatusCode::OK);
    assert_eq!(
        error_code(auth.get_as("/user", access(&other)).await).await,
        (StatusCode::FORBIDDEN, "session_not_found".into())
    );
    auth.sign_in(&address, "new-secret").await;
}

#[tokio::test]
async fn with_secure_password_change_a_reauthentication_code_is_required() {
    let auth = TestAuth::spawn_with(|config| config.secure_password_change = true).await;
    let address = email("reauth");
    let session = auth.confirmed_user(&address, "secret-pass").await;

    let without = put_user(&auth, &session, json!({ "password": "new-secret" })).await;
    let sent = auth.get_as("/reauthenticate", access(&session)).await;
    let code = auth.latest_mail(&address).await;
    let wrong = put_user(
        &auth,
        &session,
        json!({ "password": "new-secret", "nonce": "000000x" }),
    )
    .await;
    let right = put_user(
        &auth,
        &session,
        json!({ "password": "new-secret", "nonce": code.code() }),
    )
    .await;

    assert_eq!(
        error_code(without).await,
        (StatusCode::BAD_REQUEST, "reauthentication_needed".into())
    );
    assert_eq!(sent.status(), StatusCode::OK);
    assert_eq!(code.subject, "Confirm Reauthentication");
    assert_eq!(
        error_code(wrong).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "reauthentication_not_valid".into()
        )
    );
    assert_eq!(right.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_email_change_needs_both_addresses_to_confirm() {
    let auth = TestAuth::spawn().await;
    let old = email("old");
    let new = email("new");
    let session = auth.confirmed_user(&old, "secret-pass").await;

    let response = put_user(&auth, &session, json!({ "email": new })).await;
    let user: Value = response.json().await.unwrap();
    let to_new = auth.latest_mail(&new).await.code();
    let to_old = auth.latest_mail(&old).await.code();
    let first = auth
        .post(
            "/verify",
            json!({ "type": "email_change", "email": new, "token": to_new }),
        )
        .await;
    let second = auth
        .post(
            "/verify",
            json!({ "type": "email_change", "email": old, "token": to_old }),
        )
        .await;

    assert_eq!(user["new_email"], new);
    assert_eq!(user["email"], old);
    assert_eq!(first.json::<Value>().await.unwrap()["code"], 200);
    assert_eq!(second.status(), StatusCode::OK);
    let session: Value = second.json().await.unwrap();
    assert_eq!(session["user"]["email"], new);
    auth.sign_in(&new, "secret-pass").await;
}

#[tokio::test]
async fn an_email_change_to_a_taken_address_is_email_exists() {
    let auth = TestAuth::spawn().await;
    let taken = email("taken");
    auth.confirmed_user(&taken, "secret-pass").await;
    let session = auth.confirmed_user(&email("mover"), "secret-pass").await;

    let response = put_user(&auth, &session, json!({ "email": taken })).await;

    assert_eq!(
        error_code(response).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "email_exists".into())
    );
}

async fn logout(auth: &TestAuth, session: &Value, scope: &str) -> reqwest::Response {
    auth.request(Method::POST, &format!("/logout?scope={scope}"))
        .bearer_auth(access(session))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn logout_scopes_end_the_right_sessions() {
    let auth = TestAuth::spawn().await;
    let address = email("logout");
    let a = auth.confirmed_user(&address, "secret-pass").await;
    let b = auth.sign_in(&address, "secret-pass").await;
    let c = auth.sign_in(&address, "secret-pass").await;

    let others = logout(&auth, &a, "others").await;
    let b_after = auth.get_as("/user", access(&b)).await;
    let local = logout(&auth, &a, "local").await;
    let a_after = auth.get_as("/user", access(&a)).await;

    assert_eq!(others.status(), StatusCode::NO_CONTENT);
    assert_eq!(error_code(b_after).await.1, "session_not_found");
    assert_eq!(
        error_code(auth.get_as("/user", access(&c)).await).await.1,
        "session_not_found"
    );
    assert_eq!(local.status(), StatusCode::NO_CONTENT);
    assert_eq!(error_code(a_after).await.1, "session_not_found");
    assert_eq!(
        error_code(auth.refresh(refresh(&a)).await).await.1,
        "refresh_token_not_found"
    );
}

#[tokio::test]
async fn global_logout_is_the_default_and_unknown_scopes_are_refused() {
    let auth = TestAuth::spawn().await;
    let address = email("global");
    let a = auth.confirmed_user(&address, "secret-pass").await;
    let b = auth.sign_in(&address, "secret-pass").await;

    let bad = logout(&auth, &a, "everything").await;
    let global = auth
        .request(Method::POST, "/logout")
        .bearer_auth(access(&a))
        .send()
        .await
        .unwrap();

    assert_eq!(
        error_code(bad).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
    assert_eq!(global.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        error_code(auth.get_as("/user", access(&b)).await).await.1,
        "session_not_found"
    );
}
