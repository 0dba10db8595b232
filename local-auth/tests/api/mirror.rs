//! The PostgreSQL copy of users and factors (`LOCAL_AUTH_DATABASE_URL`) when the database is
//! away: auth goes on, and nothing waits on it. (With the database there, the server's notes
//! tests use the copy: foreign keys to `auth.users` and the MFA policy.)

use local_auth::Secret;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestAuth, email};

#[tokio::test]
async fn an_unreachable_database_never_fails_an_auth_request() {
    // Nothing listens on port 1: every connection attempt is refused.
    let auth = TestAuth::spawn_with(|config| {
        config.database_url = Some(Secret::new(
            "postgres://supabase_auth_admin:postgres@127.0.0.1:1/postgres",
        ));
    })
    .await;
    let address = email("mirror-away");

    let session = auth.confirmed_user(&address, "secret-pass").await;
    let signed_in = auth.sign_in(&address, "secret-pass").await;
    let token = signed_in["access_token"].as_str().unwrap();
    let factor = auth
        .request(reqwest::Method::POST, "/factors")
        .bearer_auth(token)
        .json(&json!({ "factor_type": "totp" }))
        .send()
        .await
        .unwrap();

    assert!(session["access_token"].is_string());
    assert_eq!(factor.status(), StatusCode::OK);
    let user = auth.get_as("/user", token).await;
    assert_eq!(user.status(), StatusCode::OK);
}
