//! `POST /token`: password, refresh-token rotation and reuse, PKCE; and the access token's claims.

use std::collections::HashSet;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestAuth, email, error_code};

#[tokio::test]
async fn unconfirmed_users_cannot_sign_in_with_a_password() {
    let auth = TestAuth::spawn().await;
    let address = email("unconfirmed");
    auth.post(
        "/signup",
        json!({ "email": address, "password": "secret-pass" }),
    )
    .await;

    let response = auth
        .post(
            "/token?grant_type=password",
            json!({ "email": address, "password": "secret-pass" }),
        )
        .await;

    assert_eq!(
        error_code(response).await,
        (StatusCode::BAD_REQUEST, "email_not_confirmed".into())
    );
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_are_invalid_credentials() {
    let auth = TestAuth::spawn().await;
    let address = email("wrong");
    auth.confirmed_user(&address, "secret-pass").await;

    let wrong = auth
        .post(
            "/token?grant_type=password",
            json!({ "email": address, "password": "not-it" }),
        )
        .await;
    let unknown = auth
        .post(
            "/token?grant_type=password",
            json!({ "email": email("nobody"), "password": "secret-pass" }),
        )
        .await;

    assert_eq!(
        error_code(wrong).await,
        (StatusCode::BAD_REQUEST, "invalid_credentials".into())
    );
    assert_eq!(
        error_code(unknown).await,
        (StatusCode::BAD_REQUEST, "invalid_credentials".into())
    );
}

#[tokio::test]
async fn access_tokens_are_es256_with_the_documented_claims_and_verify_with_the_jwks() {
    let auth = TestAuth::spawn().await;
    let address = email("claims");
    auth.confirmed_user(&address, "secret-pass").await;

    let session = auth.sign_in(&address, "secret-pass").await;

    let token = session["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::ES256);
    let jwks = auth.jwks().await;
    let key = &jwks["keys"][0];
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let decoding =
        DecodingKey::from_ec_components(key["x"].as_str().unwrap(), key["y"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&["authenticated"]);
    let claims = jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["iss"], auth.url(""));
    assert_eq!(claims["sub"], session["user"]["id"]);
    assert_eq!(claims["email"], address);
    assert_eq!(claims["phone"], "");
    assert_eq!(claims["role"], "authenticated");
    assert_eq!(claims["aal"], "aal1");
    assert_eq!(claims["amr"][0]["method"], "password");
    assert_eq!(claims["is_anonymous"], false);
    assert!(claims["session_id"].is_string());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    assert_eq!(session["expires_in"], 3600);
    assert_eq!(session["token_type"], "bearer");
}

#[tokio::test]
async fn refreshing_rotates_the_refresh_token() {
    let auth = TestAuth::spawn().await;
    let address = email("rotate");
    let session = auth.confirmed_user(&address, "secret-pass").await;
    let first = session["refresh_token"].as_str().unwrap();

    let refreshed: Value = auth.refresh(first).await.json().await.unwrap();

    let second = refreshed["refresh_token"].as_str().unwrap();
    assert_ne!(first, second);
    assert_eq!(second.len(), 12);
    assert_eq!(refreshed["user"]["email"], address);
}

#[tokio::test]
async fn reusing_the_parent_of_the_active_token_returns_the_active_token() {
    let auth = TestAuth::spawn_with(|config| config.refresh_token_reuse_interval = 0).await;
    let session = auth.confirmed_user(&email("parent"), "secret-pass").await;
    let first = session["refresh_token"].as_str().unwrap();
    let second: Value = auth.refresh(first).await.json().await.unwrap();

    let again = auth.refresh(first).await;

    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["refresh_token"], second["refresh_token"]);
}

#[tokio::test]
async fn reuse_within_the_interval_issues_a_new_child() {
    let auth = TestAuth::spawn().await;
    let session = auth.confirmed_user(&email("interval"), "secret-pass").await;
    let first = session["refresh_token"].as_str().unwrap().to_owned();
    let second: Value = auth.refresh(&first).await.json().await.unwrap();
    let second = second["refresh_token"].as_str().unwrap().to_owned();
    let third: Value = auth.refresh(&second).await.json().await.unwrap();

    let reused = auth.refresh(&first).await;

    assert_eq!(reused.status(), StatusCode::OK);
    let reused: Value = reused.json().await.unwrap();
    let issued = reused["refresh_token"].as_str().unwrap();
    assert!(
        ![
            first.as_str(),
            second.as_str(),
            third["refresh_token"].as_str().unwrap()
        ]
        .contains(&issued)
    );
}

#[tokio::test]
async fn reuse_outside_the_interval_revokes_the_whole_session() {
    let auth = TestAuth::spawn_with(|config| config.refresh_token_reuse_interval = 0).await;
    let session = auth.confirmed_user(&email("reuse"), "secret-pass").await;
    let first = session["refresh_token"].as_str().unwrap().to_owned();
    let second: Value = auth.refresh(&first).await.json().await.unwrap();
    let second = second["refresh_token"].as_str().unwrap().to_owned();
    let third: Value = auth.refresh(&second).await.json().await.unwrap();
    let third = third["refresh_token"].as_str().unwrap().to_owned();

    let reused = auth.refresh(&first).await;
    let active_afterwards = auth.refresh(&third).await;

    assert_eq!(
        error_code(reused).await,
        (StatusCode::BAD_REQUEST, "refresh_token_already_used".into())
    );
    assert_eq!(
        error_code(active_afterwards).await,
        (StatusCode::BAD_REQUEST, "refresh_token_already_used".into())
    );
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_all_succeed_with_one_new_token() {
    let auth = TestAuth::spawn().await;
    let session = auth
        .confirmed_user(&email("concurrent"), "secret-pass")
        .await;
    let token = session["refresh_token"].as_str().unwrap().to_owned();

    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let request = auth
            .request(reqwest::Method::POST, "/token?grant_type=refresh_token")
            .json(&json!({ "refresh_token": token }));
        requests.spawn(async move { request.send().await.unwrap() });
    }
    let responses = requests.join_all().await;

    let mut issued = HashSet::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        issued.insert(body["refresh_token"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        issued.len(),
        1,
        "every concurrent refresh got the same successor: {issued:?}"
    );
    assert!(!issued.contains(&token));
}

#[tokio::test]
async fn unknown_refresh_tokens_and_grants_are_refused() {
    let auth = TestAuth::spawn().await;

    let unknown = auth.refresh("aaaaaaaaaaaa").await;
    let empty = auth.refresh("").await;
    let grant = auth.post("/token?grant_type=magic", json!({})).await;

    assert_eq!(
        error_code(unknown).await,
        (StatusCode::BAD_REQUEST, "refresh_token_not_found".into())
    );
    assert_eq!(
        error_code(empty).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
    assert_eq!(
        error_code(grant).await,
        (StatusCode::BAD_REQUEST, "invalid_credentials".into())
    );
}

/// The refresh token of a session answer.
fn refresh_token_of(session: &Value) -> String {
    session["refresh_token"].as_str().unwrap().to_owned()
}

/// `[auth.sessions] timebox`: a session ends that long after sign-in, however active.
#[tokio::test]
async fn a_timeboxed_session_ends_at_its_timebox_however_active() {
    let auth = TestAuth::spawn_with(|config| config.sessions.timebox = Some(2)).await;
    let session = auth.confirmed_user(&email("timebox"), "timebox-pass").await;

    let refreshed: Value = auth
        .refresh(&refresh_token_of(&session))
        .await
        .json()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let ended = auth.refresh(&refresh_token_of(&refreshed)).await;

    assert_eq!(
        error_code(ended).await,
        (StatusCode::BAD_REQUEST, "session_expired".into())
    );
}

/// `[auth.sessions] inactivity_timeout`: each refresh keeps the session alive; a pause longer
/// than the timeout ends it, with upstream's message.
#[tokio::test]
async fn an_idle_session_ends_after_the_inactivity_timeout() {
    let auth = TestAuth::spawn_with(|config| config.sessions.inactivity_timeout = Some(2)).await;
    let mut session = auth.confirmed_user(&email("idle"), "idle-pass").await;

    for _ in 0..2 {
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        let refreshed = auth.refresh(&refresh_token_of(&session)).await;
        assert_eq!(
            refreshed.status(),
            StatusCode::OK,
            "active within the timeout"
        );
        session = refreshed.json().await.unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let ended = auth.refresh(&refresh_token_of(&session)).await;

    assert_eq!(ended.status(), StatusCode::BAD_REQUEST);
    let body: Value = ended.json().await.unwrap();
    assert_eq!(body["code"], "session_expired");
    assert_eq!(
        body["message"],
        "Invalid Refresh Token: Session Expired (Inactivity)"
    );
}

/// `LOCAL_AUTH_SESSIONS_SINGLE_PER_USER`: a newer sign-in ends the older session at its next
/// refresh; the newer one goes on.
#[tokio::test]
async fn with_single_sessions_a_newer_sign_in_ends_the_older_session() {
    let auth = TestAuth::spawn_with(|config| config.sessions.single_per_user = true).await;
    let address = email("single");
    let older = auth.confirmed_user(&address, "single-pass").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let newer = auth.sign_in(&address, "single-pass").await;

    let ended = auth.refresh(&refresh_token_of(&older)).await;
    let body: Value = ended.json().await.unwrap();
    assert_eq!(body["code"], "session_expired");
    assert_eq!(
        body["message"],
        "Invalid Refresh Token: Session Expired (Revoked by Newer Login)"
    );
    let goes_on = auth.refresh(&refresh_token_of(&newer)).await;
    assert_eq!(goes_on.status(), StatusCode::OK);
}
