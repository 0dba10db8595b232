//! CAPTCHA protection, answered as hCaptcha's and Turnstile's published test keys answer.

use local_auth::{
    captcha::{
        HCAPTCHA_TEST_SECRET, HCAPTCHA_TEST_TOKEN, TURNSTILE_FAILING_SECRET,
        TURNSTILE_PASSING_SECRET,
    },
    config::{Captcha, CaptchaProvider as Provider},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestAuth, email, error_code};

async fn protected(provider: Provider, secret: &str) -> TestAuth {
    let captcha = Captcha {
        provider,
        secret: secret.to_owned(),
    };
    TestAuth::spawn_with(move |config| {
        config.captcha = Some(captcha);
        config.enable_confirmations = false;
        config.enable_anonymous_sign_ins = true;
        config.saml_enabled = true;
        config.web3.ethereum.enabled = true;
    })
    .await
}

fn with_token(mut body: Value, token: &str) -> Value {
    body["gotrue_meta_security"] = json!({ "captcha_token": token });
    body
}

#[tokio::test]
async fn with_hcaptcha_test_keys_only_the_test_token_passes() {
    let auth = protected(Provider::Hcaptcha, HCAPTCHA_TEST_SECRET).await;
    let address = email("captcha");
    let credentials = json!({ "email": address, "password": "captcha-password" });

    for (path, body) in [
        ("/signup", credentials.clone()),
        ("/signup", json!({})),
        ("/token?grant_type=password", credentials.clone()),
        ("/otp", json!({ "email": address })),
        ("/magiclink", json!({ "email": address })),
        ("/recover", json!({ "email": address })),
        ("/sso", json!({ "domain": "example.com" })),
        (
            "/token?grant_type=web3",
            json!({ "chain": "ethereum", "message": "m", "signature": "s" }),
        ),
    ] {
        let missing = auth.post(path, body.clone()).await;
        assert_eq!(
            error_code(missing).await,
            (StatusCode::BAD_REQUEST, "captcha_failed".into()),
            "{path} without a token"
        );
        let wrong = auth
            .post(path, with_token(body, "not-the-test-token"))
            .await;
        assert_eq!(
            error_code(wrong).await,
            (StatusCode::BAD_REQUEST, "captcha_failed".into()),
            "{path} with a wrong token"
        );
    }

    let signed_up = auth
        .post(
            "/signup",
            with_token(credentials.clone(), HCAPTCHA_TEST_TOKEN),
        )
        .await;
    assert_eq!(signed_up.status(), StatusCode::OK);
    let session: Value = auth
        .post(
            "/token?grant_type=password",
            with_token(credentials, HCAPTCHA_TEST_TOKEN),
        )
        .await
        .json()
        .await
        .unwrap();
    // Refreshing is not protected, as upstream.
    let refreshed = auth
        .refresh(session["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
}

#[tokio::test]
async fn turnstile_test_secrets_pass_or_fail_every_token() {
    let passing = protected(Provider::Turnstile, TURNSTILE_PASSING_SECRET).await;
    let failing = protected(Provider::Turnstile, TURNSTILE_FAILING_SECRET).await;
    let body = with_token(json!({}), "XXXX.DUMMY.TOKEN.XXXX");

    assert_eq!(
        passing.post("/signup", body.clone()).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        error_code(failing.post("/signup", body).await).await,
        (StatusCode::BAD_REQUEST, "captcha_failed".into())
    );
}

#[tokio::test]
async fn a_real_secret_cannot_be_checked_here_and_fails() {
    let auth = protected(Provider::Hcaptcha, "0xREAL-SECRET").await;

    let response = auth
        .post("/signup", with_token(json!({}), HCAPTCHA_TEST_TOKEN))
        .await;

    assert_eq!(
        error_code(response).await,
        (StatusCode::BAD_REQUEST, "captcha_failed".into())
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_still_bad_json() {
    let auth = protected(Provider::Hcaptcha, HCAPTCHA_TEST_SECRET).await;

    let response = auth
        .request(reqwest::Method::POST, "/signup")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();

    assert_eq!(
        error_code(response).await,
        (StatusCode::BAD_REQUEST, "bad_json".into())
    );
}
