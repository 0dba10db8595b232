//! Rate limits per client and window, and the server-wide mail limit.

use local_auth::config::{PROXY_SECRET_HEADER, RateLimits};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestAuth, email, error_code};

const PROXY_SECRET: &str = "proxy-secret";

/// local-auth behind a proxy that names the client in `x-forwarded-for` and proves itself with
/// the header secret, as the app embedding it does; requests without the secret count by their
/// peer address.
async fn limited(limits: RateLimits) -> TestAuth {
    TestAuth::spawn_with(move |config| {
        config.rate_limits = limits;
        config.rate_limit_header = Some("x-forwarded-for".into());
        config.rate_limit_header_secret = Some(local_auth::Secret::new(PROXY_SECRET));
        config.enable_anonymous_sign_ins = true;
    })
    .await
}

/// Asserts a 429 with `code` and a `Retry-After` within the window.
async fn assert_limited(response: Response, code: &str, window: u64) {
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=window).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    assert_eq!(
        error_code(response).await,
        (StatusCode::TOO_MANY_REQUESTS, code.into())
    );
}

async fn sign_in_from(auth: &TestAuth, client: &str, address: &str) -> Response {
    auth.request(reqwest::Method::POST, "/token?grant_type=password")
        .header("x-forwarded-for", format!("{client}, 10.0.0.1"))
        .header(PROXY_SECRET_HEADER, PROXY_SECRET)
        .json(&json!({ "email": address, "password": "wrong-password" }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_ins_are_limited_per_client() {
    let auth = limited(RateLimits {
        sign_in_sign_ups: Some(2),
        ..RateLimits::default()
    })
    .await;
    let address = email("limited");

    for _ in 0..2 {
        let allowed = sign_in_from(&auth, "203.0.113.1", &address).await;
        assert_eq!(
            allowed.status(),
            StatusCode::BAD_REQUEST,
            "invalid credentials, not limited"
        );
    }
    assert_limited(
        sign_in_from(&auth, "203.0.113.1", &address).await,
        "over_request_rate_limit",
        300,
    )
    .await;
    // Another client has its own window.
    let other = sign_in_from(&auth, "203.0.113.2", &address).await;
    assert_eq!(other.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn refreshes_verifications_and_anonymous_sign_ins_have_their_own_limits() {
    let auth = limited(RateLimits {
        token_refresh: Some(1),
        token_verifications: Some(1),
        anonymous_users: Some(1),
        ..RateLimits::default()
    })
    .await;

    let guest: Value = auth.post("/signup", json!({})).await.json().await.unwrap();
    assert_limited(
        auth.post("/signup", json!({})).await,
        "over_request_rate_limit",
        3600,
    )
    .await;
    let refresh_token = guest["refresh_token"].as_str().unwrap();
    assert_eq!(auth.refresh(refresh_token).await.status(), StatusCode::OK);
    assert_limited(
        auth.refresh(refresh_token).await,
        "over_request_rate_limit",
        300,
    )
    .await;
    let body = json!({ "type": "email", "email": email("nobody"), "token": "123456" });
    assert_eq!(
        auth.post("/verify", body.clone()).await.status(),
        StatusCode::FORBIDDEN,
        "expired or invalid, not limited"
    );
    assert_limited(
        auth.post("/verify", body).await,
        "over_request_rate_limit",
        300,
    )
    .await;
}

#[tokio::test]
async fn mails_are_limited_for_the_whole_server() {
    let auth = limited(RateLimits {
        email_sent: Some(1),
        ..RateLimits::default()
    })
    .await;

    let first = auth.post("/otp", json!({ "email": email("first") })).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_limited(
        auth.post("/otp", json!({ "email": email("second") })).await,
        "over_email_send_rate_limit",
        3600,
    )
    .await;
}

#[tokio::test]
async fn without_limits_nothing_is_throttled() {
    let auth = TestAuth::spawn().await;
    let address = email("unthrottled");

    for _ in 0..40 {
        let response = sign_in_from(&auth, "203.0.113.9", &address).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn request_limits_need_the_client_ip_header_as_upstream() {
    let limits = RateLimits {
        sign_in_sign_ups: Some(1),
        ..RateLimits::default()
    };
    // No header configured (the Supabase CLI sets none): no per-IP request limit at all.
    let unconfigured = TestAuth::spawn_with(move |config| config.rate_limits = limits).await;
    // A header without a secret: requests that lack it are not limited either.
    let behind_proxy = TestAuth::spawn_with(move |config| {
        config.rate_limits = limits;
        config.rate_limit_header = Some("x-forwarded-for".into());
    })
    .await;
    let address = email("no-client-ip");
    for auth in [&unconfigured, &behind_proxy] {
        for _ in 0..5 {
            let response = auth
                .post(
                    "/token?grant_type=password",
                    json!({ "email": address, "password": "wrong" }),
                )
                .await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "not limited");
        }
    }
    // With the header, the limit holds per client.
    let named = |client: &'static str| {
        behind_proxy
            .request(reqwest::Method::POST, "/token?grant_type=password")
            .header("x-forwarded-for", client)
            .json(&json!({ "email": address, "password": "wrong" }))
            .send()
    };
    assert_eq!(
        named("203.0.113.7").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_limited(
        named("203.0.113.7").await.unwrap(),
        "over_request_rate_limit",
        300,
    )
    .await;
}

#[tokio::test]
async fn mfa_challenges_and_verifications_are_limited() {
    let auth = limited(RateLimits {
        mfa: Some(1),
        ..RateLimits::default()
    })
    .await;
    let session = auth
        .confirmed_user(&email("mfa-limit"), "mfa-password")
        .await;
    let token = session["access_token"].as_str().unwrap();
    let factor: Value = auth
        .request(reqwest::Method::POST, "/factors")
        .bearer_auth(token)
        .json(&json!({ "factor_type": "totp" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let challenge = || {
        auth.request(
            reqwest::Method::POST,
            &format!("/factors/{}/challenge", factor["id"].as_str().unwrap()),
        )
        .bearer_auth(token)
        .json(&json!({}))
        .send()
    };

    assert_eq!(challenge().await.unwrap().status(), StatusCode::OK);
    assert_limited(challenge().await.unwrap(), "over_request_rate_limit", 60).await;
}
