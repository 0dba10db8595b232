//! The development third-party issuer: off unless a provider is configured; on, its discovery
//! document names the provider's issuer and its own keys, and the tokens it signs are shaped as
//! that provider's and verify against those keys; its key outlives a restart; minting needs the
//! secret key; its sign-in page leaves the token in `__session` and goes only where redirects may.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};
use supabase_ssr::third_party::Issuer;

use crate::helpers::{TestAuth, error_code};

async fn trusting(spec: &str) -> TestAuth {
    let issuer = Issuer::from_spec(spec).unwrap();
    TestAuth::spawn_with(move |config| config.third_party = Some(issuer)).await
}

async fn get_json(auth: &TestAuth, path: &str) -> Value {
    let response = auth.client.get(auth.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

async fn mint(auth: &TestAuth, body: Value) -> reqwest::Response {
    auth.request(Method::POST, "/admin/third-party/tokens")
        .bearer_auth(&auth.secret_key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The claims of `token`, checked against the keys the discovery document names.
async fn verified(auth: &TestAuth, token: &str, issuer: &str) -> Map<String, Value> {
    let discovery = get_json(auth, "/third-party/.well-known/openid-configuration").await;
    let jwks_uri = discovery["jwks_uri"].as_str().unwrap();
    let jwks: JwkSet = auth
        .client
        .get(jwks_uri)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("the key is published");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_issuer(&[issuer]);
    jsonwebtoken::decode::<Map<String, Value>>(
        token,
        &DecodingKey::from_jwk(jwk).unwrap(),
        &validation,
    )
    .unwrap()
    .claims
}

#[tokio::test]
async fn without_a_provider_the_issuer_is_not_there() {
    let auth = TestAuth::spawn().await;
    for path in [
        "/third-party/.well-known/openid-configuration",
        "/third-party/jwks.json",
        "/third-party/sign-in",
    ] {
        let response = auth.client.get(auth.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let minted = mint(&auth, json!({})).await;
    assert_eq!(minted.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn tokens_take_each_providers_shape_and_verify_against_the_published_key() {
    let cases = [
        ("clerk:clerk.example.test", "https://clerk.example.test"),
        (
            "firebase:starter-dev",
            "https://securetoken.google.com/starter-dev",
        ),
        ("auth0:starter.eu", "https://starter.eu.auth0.com/"),
        (
            "aws_cognito:eu-west-1_Starter1",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Starter1",
        ),
        (
            "workos:https://api.workos.com/user_management/client_1",
            "https://api.workos.com/user_management/client_1",
        ),
    ];
    for (spec, issuer) in cases {
        let auth = trusting(spec).await;
        let discovery = get_json(&auth, "/third-party/.well-known/openid-configuration").await;
        assert_eq!(discovery["issuer"], issuer, "{spec}");
        assert_eq!(
            discovery["jwks_uri"],
            auth.url("/third-party/jwks.json"),
            "{spec}"
        );

        let minted: Value = mint(&auth, json!({ "email": "ada@example.com" }))
            .await
            .json()
            .await
            .unwrap();
        let claims = verified(&auth, minted["access_token"].as_str().unwrap(), issuer).await;
        assert_eq!(claims["role"], "authenticated", "{spec}");
        assert_eq!(claims["sub"], minted["sub"], "{spec}");
        let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
        assert_eq!(lifetime, 3600, "{spec}");
        let sub = claims["sub"].as_str().unwrap();
        match spec.split(':').next().unwrap() {
            "clerk" => {
                assert!(
                    sub.starts_with("user_")
                        && claims["sid"].as_str().unwrap().starts_with("sess_")
                );
                assert!(claims.get("aud").is_none() && claims.get("email").is_none());
            }
            "firebase" => {
                assert_eq!(claims["aud"], "starter-dev");
                assert_eq!(claims["user_id"], sub);
                assert_eq!(claims["email"], "ada@example.com");
                assert_eq!(claims["firebase"]["sign_in_provider"], "password");
            }
            "auth0" => {
                assert!(sub.starts_with("auth0|"));
                assert_eq!(
                    claims["aud"],
                    json!(["https://starter.eu.auth0.com/userinfo"])
                );
            }
            "aws_cognito" => {
                assert!(uuid::Uuid::parse_str(sub).is_ok());
                assert_eq!(claims["token_use"], "access");
                assert!(claims["client_id"].is_string());
            }
            _ => {
                assert!(sub.starts_with("user_01"));
                assert!(claims["sid"].as_str().unwrap().starts_with("session_01"));
            }
        }
        // The same address is the same user.
        let again: Value = mint(&auth, json!({ "email": "ada@example.com" }))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again["sub"], minted["sub"], "{spec}");
    }
}

#[tokio::test]
async fn claims_are_set_and_removed_as_asked_and_the_key_outlives_a_restart() {
    let auth = trusting("clerk:clerk.example.test").await;
    let minted: Value = mint(
        &auth,
        json!({ "claims": { "role": null, "iss": "https://elsewhere.test" } }),
    )
    .await
    .json()
    .await
    .unwrap();
    let claims = verified(
        &auth,
        minted["access_token"].as_str().unwrap(),
        "https://elsewhere.test",
    )
    .await;
    assert!(claims.get("role").is_none());
    let keys = get_json(&auth, "/third-party/jwks.json").await;

    let data_dir = auth.stop().await;
    let issuer = Issuer::from_spec("clerk:clerk.example.test").unwrap();
    let restarted =
        TestAuth::spawn_in(data_dir, move |config| config.third_party = Some(issuer)).await;
    assert_eq!(get_json(&restarted, "/third-party/jwks.json").await, keys);
}

#[tokio::test]
async fn minting_takes_the_secret_key_and_a_bounded_lifetime() {
    let auth = trusting("clerk:clerk.example.test").await;
    let with_publishable = auth
        .request(Method::POST, "/admin/third-party/tokens")
        .bearer_auth(&auth.publishable_key)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(with_publishable).await,
        (StatusCode::FORBIDDEN, "not_admin".to_owned())
    );
    let too_long = mint(&auth, json!({ "expires_in": 2 * 24 * 3600 })).await;
    assert_eq!(error_code(too_long).await.0, StatusCode::BAD_REQUEST);
    let bad_email = mint(&auth, json!({ "email": "not an address" })).await;
    assert_eq!(error_code(bad_email).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_sign_in_page_leaves_the_token_in_its_cookie_and_goes_only_where_allowed() {
    let auth = trusting("firebase:starter-dev").await;
    let page = auth
        .client
        .get(auth.url("/third-party/sign-in?redirect_to=%22%3E%3Cscript%3E"))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Firebase Auth (development)"));
    assert!(!html.contains("\"><script>"), "redirect_to is escaped");

    let again = auth
        .client
        .post(auth.url("/third-party/sign-in"))
        .form(&[("email", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("Enter a valid email address.")
    );

    let site = "http://127.0.0.1:3000/";
    for (asked, lands) in [
        ("http://127.0.0.1:3000/notes", "http://127.0.0.1:3000/notes"),
        ("https://evil.example/", site),
        ("//evil.example/", site),
    ] {
        let signed_in = auth
            .client
            .post(auth.url("/third-party/sign-in"))
            .form(&[("email", "ada@example.com"), ("redirect_to", asked)])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "{asked}");
        assert_eq!(signed_in.headers()["location"], lands, "{asked}");
        let cookie = signed_in.headers()["set-cookie"].to_str().unwrap();
        let token = cookie
            .strip_prefix("__session=")
            .unwrap()
            .split(';')
            .next()
            .unwrap();
        let claims = verified(&auth, token, "https://securetoken.google.com/starter-dev").await;
        assert_eq!(claims["email"], "ada@example.com");
    }
}
