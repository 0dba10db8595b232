//! Restarts keep users, sessions and keys; the legacy HS256 mode.

use jsonwebtoken::Algorithm;
use reqwest::StatusCode;

use crate::helpers::{TestAuth, email};

#[tokio::test]
async fn a_restart_keeps_users_sessions_and_keys() {
    let auth = TestAuth::spawn().await;
    let address = email("restart");
    let session = auth.confirmed_user(&address, "secret-pass").await;
    let keys = (auth.publishable_key.clone(), auth.secret_key.clone());
    let jwks = auth.jwks().await;
    let data_dir = auth.stop().await;

    let restarted = TestAuth::spawn_in(data_dir, |_| {}).await;

    assert_eq!(
        (
            restarted.publishable_key.clone(),
            restarted.secret_key.clone()
        ),
        keys
    );
    let jwks_after = restarted.jwks().await;
    assert_eq!(jwks_after, jwks);
    let user = restarted
        .get_as("/user", session["access_token"].as_str().unwrap())
        .await;
    assert_eq!(
        user.status(),
        StatusCode::OK,
        "the old access token still verifies"
    );
    let refreshed = restarted
        .refresh(session["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    restarted.sign_in(&address, "secret-pass").await;
}

#[tokio::test]
async fn with_a_jwt_secret_tokens_are_hs256_and_the_jwks_is_empty() {
    let auth = TestAuth::spawn_with(|config| {
        config.jwt_secret = Some(local_auth::Secret::new(
            "super-secret-jwt-token-with-at-least-32-characters",
        ));
    })
    .await;
    let address = email("hs256");

    let session = auth.confirmed_user(&address, "secret-pass").await;

    let token = session["access_token"].as_str().unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(token).unwrap().alg,
        Algorithm::HS256
    );
    assert_eq!(jsonwebtoken::decode_header(token).unwrap().kid, None);
    let jwks = auth.jwks().await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 0);
    assert_eq!(auth.get_as("/user", token).await.status(), StatusCode::OK);
}
