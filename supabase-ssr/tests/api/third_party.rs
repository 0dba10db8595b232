//! Third-party tokens against local-auth's development issuers: the audience is read where each
//! provider writes it, the issuer's keys are fetched once through its discovery document, and an
//! issuer whose keys cannot be had is trouble to retry, not a refused token.

use reqwest::StatusCode;
use serde_json::{Value, json};
use supabase_ssr::{
    AccessToken, Error,
    third_party::{Issuer, ThirdPartyVerifier},
};

use crate::helpers::{Fault, TestAuth};

async fn standing_in_for(spec: &str) -> (TestAuth, Issuer) {
    let issuer = Issuer::from_spec(spec).unwrap();
    let configured = issuer.clone();
    let auth = TestAuth::spawn_with(move |config| config.third_party = Some(configured)).await;
    let discovery = format!(
        "{}/auth/v1/third-party/.well-known/openid-configuration",
        auth.url
    );
    (auth, issuer.with_discovery(discovery.parse().unwrap()))
}

/// A token of the development issuer with `claims` set on top.
async fn mint(auth: &TestAuth, secret: &str, claims: Value) -> AccessToken {
    let minted = reqwest::Client::new()
        .post(format!("{}/auth/v1/admin/third-party/tokens", auth.url))
        .header("apikey", secret)
        .bearer_auth(secret)
        .json(&json!({ "email": "ada@example.com", "claims": claims }))
        .send()
        .await
        .unwrap();
    assert_eq!(minted.status(), StatusCode::OK);
    let minted: Value = minted.json().await.unwrap();
    AccessToken::new(minted["access_token"].as_str().unwrap())
}

#[tokio::test]
async fn audiences_are_read_where_each_provider_writes_them() {
    // AWS Cognito's access tokens name their app client in `client_id`, with no `aud`.
    let (auth, issuer) = standing_in_for("aws_cognito:eu-west-1_Starter1").await;
    let secret = auth.secret_key.clone();
    let token = mint(&auth, &secret, json!({})).await;
    let client = auth.client.clone();
    let ours = ThirdPartyVerifier::new(
        client.clone(),
        issuer.clone().with_audience("localauthdevelopmentclient"),
    );
    assert_eq!(ours.verify(&token).await.unwrap().role, "authenticated");
    let theirs = ThirdPartyVerifier::new(client.clone(), issuer.with_audience("another-client"));
    assert!(matches!(
        theirs.verify(&token).await,
        Err(Error::InvalidJwt(_))
    ));

    // Auth0's list of audiences; a `client_id` claim counts for Cognito only.
    let (auth, issuer) = standing_in_for("auth0:starter.eu").await;
    let secret = auth.secret_key.clone();
    let token = mint(&auth, &secret, json!({ "client_id": "my-api" })).await;
    let userinfo = ThirdPartyVerifier::new(
        auth.client.clone(),
        issuer
            .clone()
            .with_audience("https://starter.eu.auth0.com/userinfo"),
    );
    assert!(userinfo.verify(&token).await.is_ok());
    let api = ThirdPartyVerifier::new(auth.client.clone(), issuer.with_audience("my-api"));
    assert!(matches!(
        api.verify(&token).await,
        Err(Error::InvalidJwt(_))
    ));
}

#[tokio::test]
async fn keys_are_fetched_once_and_an_issuer_without_keys_is_trouble_not_a_refusal() {
    let (auth, issuer) = standing_in_for("clerk:clerk.example.test").await;
    let secret = auth.secret_key.clone();
    let verifier = ThirdPartyVerifier::new(auth.client.clone(), issuer.clone());
    for email in 0..3 {
        let token = mint(&auth, &secret, json!({ "sub": format!("user_{email}") })).await;
        assert_eq!(
            verifier.verify(&token).await.unwrap().sub,
            format!("user_{email}")
        );
    }
    assert_eq!(
        auth.hits("/third-party/.well-known/openid-configuration"),
        1
    );
    assert_eq!(auth.hits("/third-party/jwks.json"), 1);

    // A proxy's HTML page where the discovery document should be, for a verifier with no keys.
    let token = mint(&auth, &secret, json!({})).await;
    *auth.fault.lock().unwrap() = Fault::Html {
        path: "/third-party/",
    };
    let fresh = ThirdPartyVerifier::new(auth.client.clone(), issuer);
    let error = fresh.verify(&token).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    // The verifier that has the keys goes on verifying.
    assert!(verifier.verify(&token).await.is_ok());
}
