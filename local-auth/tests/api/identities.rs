//! Identity linking: `GET /user/identities/authorize` and `DELETE /user/identities/{id}`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use url::Url;

use crate::{
    helpers::{TestAuth, email, error_code},
    oauth::{
        APP_CALLBACK, challenge, exchange, oauth_session, query, through_provider, with_providers,
    },
};

fn token(session: &Value) -> &str {
    session["access_token"].as_str().unwrap()
}

/// Starts linking `provider` for the session's user; returns the provider URL from `{url}`.
async fn link_url(auth: &TestAuth, session: &Value, provider: &str) -> String {
    let response = auth
        .request(Method::GET, "/user/identities/authorize")
        .query(&[
            ("provider", provider),
            ("redirect_to", APP_CALLBACK),
            ("code_challenge", &challenge()),
            ("code_challenge_method", "s256"),
            ("skip_http_redirect", "true"),
        ])
        .bearer_auth(token(session))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["url"].as_str().unwrap().to_owned()
}

async fn user(auth: &TestAuth, session: &Value) -> Value {
    auth.get_as("/user", token(session))
        .await
        .json()
        .await
        .unwrap()
}

async fn unlink(auth: &TestAuth, session: &Value, identity_id: &str) -> reqwest::Response {
    auth.request(Method::DELETE, &format!("/user/identities/{identity_id}"))
        .bearer_auth(token(session))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn linking_is_refused_unless_manual_linking_is_on() {
    let auth =
        TestAuth::spawn_with(|config| config.external_providers = vec!["github".into()]).await;
    let session = auth.confirmed_user(&email("solo"), "password-1").await;
    let identity_id = session["user"]["identities"][0]["identity_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let link = auth
        .request(
            Method::GET,
            "/user/identities/authorize?provider=github&skip_http_redirect=true",
        )
        .bearer_auth(token(&session))
        .send()
        .await
        .unwrap();
    let unlinked = unlink(&auth, &session, &identity_id).await;

    let expected = (StatusCode::NOT_FOUND, "manual_linking_disabled".to_owned());
    assert_eq!(error_code(link).await, expected);
    assert_eq!(error_code(unlinked).await, expected);
}

#[tokio::test]
async fn an_identity_is_linked_then_unlinked_but_never_the_last() {
    let auth = with_providers().await;
    let who = email("linker");
    let session = auth.confirmed_user(&who, "password-1").await;

    let provider_url = link_url(&auth, &session, "github").await;
    let back = through_provider(&auth, &provider_url, &email("work-account"), true).await;
    let linked = exchange(&auth, &back).await;

    assert_eq!(linked["user"]["id"], session["user"]["id"]);
    let identities = linked["user"]["identities"].as_array().unwrap().clone();
    assert_eq!(identities.len(), 2);
    assert_eq!(
        linked["user"]["app_metadata"]["providers"],
        json!(["email", "github"])
    );
    assert_eq!(linked["user"]["email"], who.as_str(), "the address stays");

    let unknown = unlink(&auth, &session, &uuid::Uuid::new_v4().to_string()).await;
    assert_eq!(
        error_code(unknown).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "identity_not_found".into()
        )
    );
    let github = identities
        .iter()
        .find(|i| i["provider"] == "github")
        .unwrap();
    let removed = unlink(&auth, &session, github["identity_id"].as_str().unwrap()).await;
    assert_eq!(removed.status(), StatusCode::OK);
    let after = user(&auth, &session).await;
    assert_eq!(after["identities"].as_array().unwrap().len(), 1);
    assert_eq!(after["app_metadata"]["providers"], json!(["email"]));

    let email_identity = after["identities"][0]["identity_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let last = unlink(&auth, &session, &email_identity).await;
    assert_eq!(
        error_code(last).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "single_identity_not_deletable".into()
        )
    );
}

#[tokio::test]
async fn an_identity_of_another_user_cannot_be_linked() {
    let auth = with_providers().await;
    let taken = email("taken");
    oauth_session(&auth, "github", &taken).await;
    let session = auth.confirmed_user(&email("other"), "password-1").await;

    let provider_url = link_url(&auth, &session, "github").await;
    let back = through_provider(&auth, &provider_url, &taken, true).await;

    assert!(back.as_str().starts_with(APP_CALLBACK), "{back}");
    assert_eq!(
        query(&back, "error_code").as_deref(),
        Some("identity_already_exists")
    );
    assert_eq!(
        user(&auth, &session).await["identities"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_guest_who_links_an_identity_becomes_permanent_with_the_same_id() {
    let auth = TestAuth::spawn_with(|config| {
        config.external_providers = vec!["github".into()];
        config.enable_manual_linking = true;
        config.enable_anonymous_sign_ins = true;
    })
    .await;
    let guest: Value = auth.post("/signup", json!({})).await.json().await.unwrap();
    let who = email("upgraded");

    let provider_url = link_url(&auth, &guest, "github").await;
    let back: Url = through_provider(&auth, &provider_url, &who, true).await;
    let session = exchange(&auth, &back).await;

    assert_eq!(session["user"]["id"], guest["user"]["id"]);
    assert_eq!(session["user"]["is_anonymous"], false);
    assert_eq!(session["user"]["email"], who.as_str());
    assert_eq!(session["user"]["app_metadata"]["provider"], "github");
    let again = oauth_session(&auth, "github", &who).await;
    assert_eq!(again["user"]["id"], guest["user"]["id"]);
}
