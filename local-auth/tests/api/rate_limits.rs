//! Rate limits as Supabase Auth applies them: token buckets of 30 per limiter and client, the
//! client named by `Sb-Forwarded-For` only with the secret key and forwarding on, and the
//! server-wide mail limit.

use local_auth::{
    captcha::HCAPTCHA_TEST_SECRET,
    config::{Captcha, CaptchaProvider, RateLimits, SmtpConfig, SmtpTls},
};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

use crate::{
    helpers::{TestAuth, email, error_code},
    smtp::smtp_sink,
};

/// Upstream's bucket capacity.
const CAPACITY: usize = 30;

/// local-auth with `limits`, forwarding on, anonymous sign-ins on.
async fn limited(limits: RateLimits) -> TestAuth {
    TestAuth::spawn_with(move |config| {
        config.rate_limits = limits;
        config.sb_forwarded_for_enabled = true;
        config.enable_anonymous_sign_ins = true;
    })
    .await
}

/// Asserts a 429 with `code` and a `Retry-After` within `window` seconds.
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

/// Sends `request()` `times` times and asserts none was limited.
async fn spend(times: usize, request: impl Fn() -> RequestBuilder) {
    for attempt in 0..times {
        let status = request().send().await.unwrap().status();
        assert_ne!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "attempt {attempt} was limited"
        );
    }
}

/// A request to `path` with `key` as its only `apikey`, as the official clients send it.
fn with_key(auth: &TestAuth, method: Method, path: &str, key: &str) -> RequestBuilder {
    auth.client
        .request(method, auth.url(path))
        .header("apikey", key)
        .header("x-supabase-api-version", "2024-01-01")
}

/// A wrong-password sign-in sent by a server with `key`, naming `forwarded` as its end user.
fn sign_in_as(auth: &TestAuth, key: &str, forwarded: &str) -> RequestBuilder {
    with_key(auth, Method::POST, "/token?grant_type=password", key)
        .header("sb-forwarded-for", forwarded)
        .json(&json!({ "email": "nobody@example.com", "password": "wrong-password" }))
}

/// A refresh limit that does not refill during a test: the bucket's 30 and no more.
const NO_REFILL: RateLimits = RateLimits {
    token_refresh: 0,
    sign_in_sign_ups: 0,
    token_verifications: 0,
    anonymous_users: 1,
    mfa: 0,
    passkey: 0,
    email_sent: 1,
    sms_sent: 30,
    web3: 30,
    sso: 0,
    oauth_client_register: 0,
};

#[tokio::test]
async fn a_server_with_the_secret_key_is_counted_per_forwarded_address() {
    let auth = limited(NO_REFILL).await;
    let secret = auth.secret_key.clone();

    spend(CAPACITY, || {
        sign_in_as(&auth, &secret, "203.0.113.1, 10.0.0.1")
    })
    .await;
    assert_limited(
        sign_in_as(&auth, &secret, "203.0.113.1")
            .send()
            .await
            .unwrap(),
        "over_request_rate_limit",
        3600,
    )
    .await;
    // Another end user of the same server has a bucket of their own.
    let other = sign_in_as(&auth, &secret, "2001:db8::7")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::BAD_REQUEST, "wrong password");
}

#[tokio::test]
async fn the_forwarded_address_is_ignored_without_the_secret_key_or_the_setting() {
    let publishable = limited(NO_REFILL).await;
    let key = publishable.publishable_key.clone();
    // Every request names another address, yet all count as the peer.
    let counter = std::sync::atomic::AtomicU32::new(1);
    let spoofed = || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        sign_in_as(&publishable, &key, &format!("198.51.100.{n}"))
    };
    spend(CAPACITY, spoofed).await;
    assert_eq!(
        spoofed().send().await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    let switched_off = TestAuth::spawn_with(|config| config.rate_limits = NO_REFILL).await;
    let secret = switched_off.secret_key.clone();
    let counter = std::sync::atomic::AtomicU32::new(1);
    let forwarded = || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        sign_in_as(&switched_off, &secret, &format!("198.51.100.{n}"))
    };
    spend(CAPACITY, forwarded).await;
    assert_eq!(
        forwarded().send().await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_malformed_forwarded_address_counts_as_the_peer() {
    let auth = limited(NO_REFILL).await;
    let secret = auth.secret_key.clone();
    let malformed = ["not-an-ip", "", " , 203.0.113.5", "203.0.113.300", "[::1]"];
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let request = || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        sign_in_as(&auth, &secret, malformed[n % malformed.len()])
    };
    spend(CAPACITY, request).await;
    assert_eq!(
        request().send().await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // A valid address still has its own bucket.
    let valid = sign_in_as(&auth, &secret, "203.0.113.5")
        .send()
        .await
        .unwrap();
    assert_eq!(valid.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_proxy_header_names_the_client_when_configured() {
    let auth = TestAuth::spawn_with(|config| {
        config.rate_limits = NO_REFILL;
        config.rate_limit_header = Some("x-real-ip".into());
    })
    .await;
    let named = |client: &'static str| {
        auth.request(Method::POST, "/token?grant_type=password")
            .header("x-real-ip", client)
            .json(&json!({ "email": "nobody@example.com", "password": "wrong" }))
    };
    spend(CAPACITY, || named("203.0.113.7")).await;
    assert_eq!(
        named("203.0.113.7").send().await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        named("203.0.113.8").send().await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn endpoints_that_share_a_setting_have_buckets_of_their_own() {
    let auth = limited(NO_REFILL).await;
    let unknown = email("nobody");

    spend(CAPACITY, || {
        auth.request(Method::POST, "/recover")
            .json(&json!({ "email": unknown }))
    })
    .await;
    assert_limited(
        auth.post("/recover", json!({ "email": unknown })).await,
        "over_request_rate_limit",
        3600,
    )
    .await;
    // Magic links, sign-ups and OTP are limited by the same setting, in their own buckets.
    assert_eq!(
        auth.post("/magiclink", json!({ "email": unknown }))
            .await
            .status(),
        StatusCode::OK
    );
    let signup = auth
        .post(
            "/signup",
            json!({ "email": email("new"), "password": "long-enough-password" }),
        )
        .await;
    assert_eq!(signup.status(), StatusCode::OK);
}

#[tokio::test]
async fn refreshes_verifications_and_anonymous_sign_ins_have_their_own_limits() {
    let auth = limited(NO_REFILL).await;

    let guest: Value = auth.post("/signup", json!({})).await.json().await.unwrap();
    assert_limited(
        auth.post("/signup", json!({})).await,
        "over_request_rate_limit",
        3600,
    )
    .await;
    let refresh_token = guest["refresh_token"].as_str().unwrap().to_owned();
    // Refreshes share the token limiter with password and PKCE grants, as upstream.
    spend(CAPACITY, || {
        auth.request(Method::POST, "/token?grant_type=refresh_token")
            .json(&json!({ "refresh_token": refresh_token }))
    })
    .await;
    assert_limited(
        auth.refresh(&refresh_token).await,
        "over_request_rate_limit",
        3600,
    )
    .await;
    let body = json!({ "type": "email", "email": email("nobody"), "token": "123456" });
    spend(CAPACITY, || {
        auth.request(Method::POST, "/verify").json(&body)
    })
    .await;
    assert_limited(
        auth.post("/verify", body).await,
        "over_request_rate_limit",
        3600,
    )
    .await;
}

#[tokio::test]
async fn a_bucket_refills_at_the_configured_rate() {
    // 300 per 5 minutes: a token a second.
    let auth = limited(RateLimits {
        token_verifications: 300,
        ..NO_REFILL
    })
    .await;
    let body = json!({ "type": "email", "email": email("nobody"), "token": "123456" });
    spend(CAPACITY, || {
        auth.request(Method::POST, "/verify").json(&body)
    })
    .await;
    let limited = auth.post("/verify", body.clone()).await;
    assert_limited(limited, "over_request_rate_limit", 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        auth.post("/verify", body).await.status(),
        StatusCode::FORBIDDEN,
        "one token back: the code is checked (and wrong)"
    );
}

#[tokio::test]
async fn mails_sent_by_smtp_are_limited_for_the_whole_server() {
    let (port, _received) = smtp_sink().await;
    let auth = TestAuth::spawn_with(move |config| {
        config.rate_limits = NO_REFILL;
        config.smtp = Some(SmtpConfig {
            port,
            tls: SmtpTls::None,
            ..SmtpConfig::new("127.0.0.1")
        });
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
async fn mail_kept_in_the_development_mailbox_is_not_limited() {
    let auth = TestAuth::spawn_with(|config| config.rate_limits = NO_REFILL).await;
    for n in 0..3 {
        let sent = auth
            .post("/otp", json!({ "email": email(&format!("mailbox-{n}")) }))
            .await;
        assert_eq!(sent.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn forwarding_never_turns_captcha_off() {
    let auth = TestAuth::spawn_with(|config| {
        config.sb_forwarded_for_enabled = true;
        config.captcha = Some(Captcha {
            provider: CaptchaProvider::Hcaptcha,
            secret: HCAPTCHA_TEST_SECRET.into(),
        });
    })
    .await;
    let sign_up = |bearer: &str| {
        with_key(&auth, Method::POST, "/signup", &auth.secret_key)
            .header("sb-forwarded-for", "203.0.113.9")
            .bearer_auth(bearer)
            .json(&json!({ "email": email("captcha"), "password": "long-enough-password" }))
            .send()
    };

    // What the app sends for a user: the secret key as `apikey`, the publishable key as bearer.
    let forwarded = sign_up(&auth.publishable_key).await.unwrap();
    assert_eq!(
        error_code(forwarded).await,
        (StatusCode::BAD_REQUEST, "captcha_failed".into())
    );
    // Admin credentials in `Authorization` skip the check, as upstream: never send them for a user.
    let admin = sign_up(&auth.secret_key).await.unwrap();
    assert_eq!(admin.status(), StatusCode::OK);
}

#[tokio::test]
async fn mfa_challenges_are_limited_per_minute() {
    let auth = limited(NO_REFILL).await;
    let session = auth
        .confirmed_user(&email("mfa-limit"), "mfa-password")
        .await;
    let token = session["access_token"].as_str().unwrap().to_owned();
    let factor: Value = auth
        .request(Method::POST, "/factors")
        .bearer_auth(&token)
        .json(&json!({ "factor_type": "totp" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = format!("/factors/{}/challenge", factor["id"].as_str().unwrap());
    let challenge = || {
        auth.request(Method::POST, &path)
            .bearer_auth(&token)
            .json(&json!({}))
    };

    spend(CAPACITY, challenge).await;
    assert_limited(
        challenge().send().await.unwrap(),
        "over_request_rate_limit",
        60,
    )
    .await;
}

#[tokio::test]
async fn sso_sign_ins_have_their_own_bucket() {
    let auth = TestAuth::spawn_with(|config| {
        config.rate_limits = NO_REFILL;
        config.saml_enabled = true;
    })
    .await;
    let start = || {
        with_key(&auth, Method::POST, "/sso", &auth.publishable_key)
            .json(&json!({ "domain": "nobody.example.com" }))
    };
    spend(CAPACITY, start).await;
    assert_limited(
        start().send().await.unwrap(),
        "over_request_rate_limit",
        3600,
    )
    .await;
    // Other endpoints count in their own buckets.
    let settings = with_key(&auth, Method::POST, "/otp", &auth.publishable_key)
        .json(&json!({ "email": "someone@example.com", "create_user": false }))
        .send()
        .await
        .unwrap();
    assert_ne!(settings.status(), StatusCode::TOO_MANY_REQUESTS);
}
