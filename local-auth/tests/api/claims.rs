//! Custom access-token claims from the claims file.

use local_auth::claims::CustomClaims;
use serde_json::Value;

use crate::helpers::{TestAuth, email};

fn claims(session: &Value) -> Value {
    jsonwebtoken::dangerous::insecure_decode_claims(session["access_token"].as_str().unwrap())
        .unwrap()
}

#[tokio::test]
async fn access_tokens_carry_the_custom_claims_of_their_user() {
    let admin = email("admin");
    let file = format!(
        r#"{{"default":{{"user_role":"member"}},"users":{{"{admin}":{{"user_role":"admin","permissions":["posts.delete"]}}}}}}"#
    );
    let auth = TestAuth::spawn_with(|config| {
        config.custom_claims = CustomClaims::from_json(&file).unwrap();
    })
    .await;
    let member = email("member");

    let admin_session = auth.confirmed_user(&admin, "admin-password").await;
    let member_session = auth.confirmed_user(&member, "member-password").await;

    let admin_claims = claims(&admin_session);
    assert_eq!(admin_claims["user_role"], "admin");
    assert_eq!(admin_claims["permissions"][0], "posts.delete");
    assert_eq!(
        admin_claims["role"], "authenticated",
        "standard claims stay"
    );
    assert_eq!(claims(&member_session)["user_role"], "member");
    // Refreshed tokens carry them too, and the API accepts tokens with extra claims.
    let refreshed: Value = auth
        .refresh(admin_session["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(claims(&refreshed)["user_role"], "admin");
    let user = auth
        .get_as("/user", refreshed["access_token"].as_str().unwrap())
        .await;
    assert_eq!(user.status(), reqwest::StatusCode::OK);
}

#[tokio::test]
async fn without_a_claims_file_tokens_have_only_the_standard_claims() {
    let auth = TestAuth::spawn().await;

    let session = auth.confirmed_user(&email("plain"), "plain-password").await;

    let claims = claims(&session);
    let mut names: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    let mut standard = local_auth::claims::STANDARD_CLAIMS.to_vec();
    standard.sort_unstable();
    assert_eq!(names, standard);
}
