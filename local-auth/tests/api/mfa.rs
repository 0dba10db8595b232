//! TOTP multi-factor authentication: `/factors`, `aal2` sessions and what they guard.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::helpers::{TestAuth, email, error_code};

const PASSWORD: &str = "factor-password";

fn claims(session: &Value) -> Value {
    jsonwebtoken::dangerous::insecure_decode_claims(session["access_token"].as_str().unwrap())
        .unwrap()
}

/// `method` `path` as the user of `session`, with a JSON `body`.
pub async fn call(
    auth: &TestAuth,
    method: Method,
    path: &str,
    session: &Value,
    body: Value,
) -> reqwest::Response {
    auth.request(method, path)
        .bearer_auth(session["access_token"].as_str().unwrap())
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The code an authenticator app shows for `secret` at `unix` seconds.
pub fn code_at(secret: &str, unix: u64) -> String {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new())
        .unwrap()
        .generate(unix)
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Enrolls a TOTP factor; returns (factor id, secret).
pub async fn enroll(auth: &TestAuth, session: &Value, name: &str) -> (String, String) {
    let response = call(
        auth,
        Method::POST,
        "/factors",
        session,
        json!({ "factor_type": "totp", "friendly_name": name }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let factor: Value = response.json().await.unwrap();
    (
        factor["id"].as_str().unwrap().to_owned(),
        factor["totp"]["secret"].as_str().unwrap().to_owned(),
    )
}

/// Challenges `factor` and answers with `code`.
pub async fn verify(
    auth: &TestAuth,
    session: &Value,
    factor: &str,
    code: &str,
) -> reqwest::Response {
    let challenge: Value = call(
        auth,
        Method::POST,
        &format!("/factors/{factor}/challenge"),
        session,
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    call(
        auth,
        Method::POST,
        &format!("/factors/{factor}/verify"),
        session,
        json!({ "challenge_id": challenge["id"], "code": code }),
    )
    .await
}

#[tokio::test]
async fn enrolling_gives_a_secret_its_uri_and_a_qr_code() {
    let auth = TestAuth::spawn().await;
    let address = email("enroll");
    let session = auth.confirmed_user(&address, PASSWORD).await;

    let response = call(
        &auth,
        Method::POST,
        "/factors",
        &session,
        json!({ "factor_type": "totp", "friendly_name": "phone" }),
    )
    .await;

    assert_eq!(response.status(), StatusCode::OK);
    let factor: Value = response.json().await.unwrap();
    assert_eq!(factor["type"], "totp");
    assert_eq!(factor["friendly_name"], "phone");
    let secret = factor["totp"]["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let uri = factor["totp"]["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(factor["totp"]["qr_code"].as_str().unwrap().contains("<svg"));
    let user: Value = auth
        .get_as("/user", session["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["factors"][0]["id"], factor["id"]);
    assert_eq!(user["factors"][0]["status"], "unverified");
}

#[tokio::test]
async fn a_verified_code_raises_the_session_to_aal2_and_ends_other_aal1_sessions() {
    let auth = TestAuth::spawn().await;
    let address = email("verify");
    let session = auth.confirmed_user(&address, PASSWORD).await;
    let other = auth.sign_in(&address, PASSWORD).await;
    let (factor, secret) = enroll(&auth, &session, "app").await;

    let response = verify(&auth, &session, &factor, &code_at(&secret, now())).await;

    assert_eq!(response.status(), StatusCode::OK);
    let upgraded: Value = response.json().await.unwrap();
    let claims = claims(&upgraded);
    assert_eq!(claims["aal"], "aal2");
    assert_eq!(claims["amr"][0]["method"], "totp");
    assert_eq!(claims["session_id"], self::claims(&session)["session_id"]);
    assert_eq!(upgraded["user"]["factors"][0]["status"], "verified");
    // The other aal1 session is gone; the refreshed aal2 session keeps its level.
    let stale = auth.refresh(other["refresh_token"].as_str().unwrap()).await;
    assert_eq!(stale.status(), StatusCode::BAD_REQUEST);
    let refreshed: Value = auth
        .refresh(upgraded["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(self::claims(&refreshed)["aal"], "aal2");
}

#[tokio::test]
async fn wrong_reused_and_unknown_answers_are_refused() {
    let auth = TestAuth::spawn().await;
    let session = auth.confirmed_user(&email("refused"), PASSWORD).await;
    let (factor, secret) = enroll(&auth, &session, "app").await;
    let code = code_at(&secret, now());
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let refused = verify(&auth, &session, &factor, wrong).await;
    assert_eq!(
        error_code(refused).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "mfa_verification_failed".into()
        )
    );
    assert_eq!(
        verify(&auth, &session, &factor, &code).await.status(),
        StatusCode::OK
    );
    let again = verify(&auth, &session, &factor, &code).await;
    assert_eq!(
        error_code(again).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "mfa_verification_failed".into()
        ),
        "a code is accepted once"
    );
    let unknown = call(
        &auth,
        Method::POST,
        "/factors/no-such-factor/challenge",
        &session,
        json!({}),
    )
    .await;
    assert_eq!(
        error_code(unknown).await,
        (StatusCode::NOT_FOUND, "mfa_factor_not_found".into())
    );
    let bad_challenge = call(
        &auth,
        Method::POST,
        &format!("/factors/{factor}/verify"),
        &session,
        json!({ "challenge_id": "no-such-challenge", "code": code }),
    )
    .await;
    assert_eq!(
        error_code(bad_challenge).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "mfa_factor_not_found".into()
        )
    );
}

#[tokio::test]
async fn enrolment_limits_names_types_and_anonymous_users() {
    let auth = TestAuth::spawn_with(|config| config.enable_anonymous_sign_ins = true).await;
    let session = auth.confirmed_user(&email("limits"), PASSWORD).await;
    enroll(&auth, &session, "first").await;

    let same_name = call(
        &auth,
        Method::POST,
        "/factors",
        &session,
        json!({ "factor_type": "totp", "friendly_name": "first" }),
    )
    .await;
    assert_eq!(
        error_code(same_name).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "mfa_factor_name_conflict".into()
        )
    );
    let phone = call(
        &auth,
        Method::POST,
        "/factors",
        &session,
        json!({ "factor_type": "phone" }),
    )
    .await;
    assert_eq!(
        error_code(phone).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "mfa_phone_enroll_not_enabled".into()
        )
    );
    for index in 1..10 {
        enroll(&auth, &session, &format!("extra-{index}")).await;
    }
    let eleventh = call(
        &auth,
        Method::POST,
        "/factors",
        &session,
        json!({ "factor_type": "totp" }),
    )
    .await;
    assert_eq!(
        error_code(eleventh).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_enrolled_mfa_factors".into()
        )
    );
    let guest: Value = auth.post("/signup", json!({})).await.json().await.unwrap();
    let anonymous = call(
        &auth,
        Method::POST,
        "/factors",
        &guest,
        json!({ "factor_type": "totp" }),
    )
    .await;
    assert_eq!(
        error_code(anonymous).await,
        (StatusCode::FORBIDDEN, "no_authorization".into())
    );
}

#[tokio::test]
async fn a_verified_factor_guards_changes_and_its_own_removal_behind_aal2() {
    let auth = TestAuth::spawn().await;
    let address = email("guarded");
    let session = auth.confirmed_user(&address, PASSWORD).await;
    let (factor, secret) = enroll(&auth, &session, "app").await;
    let aal2: Value = verify(&auth, &session, &factor, &code_at(&secret, now()))
        .await
        .json()
        .await
        .unwrap();
    let aal1 = auth.sign_in(&address, PASSWORD).await;
    assert_eq!(claims(&aal1)["aal"], "aal1");

    let change = call(
        &auth,
        Method::PUT,
        "/user",
        &aal1,
        json!({ "password": "another-password" }),
    )
    .await;
    assert_eq!(
        error_code(change).await,
        (StatusCode::UNAUTHORIZED, "insufficient_aal".into())
    );
    let second = call(
        &auth,
        Method::POST,
        "/factors",
        &aal1,
        json!({ "factor_type": "totp" }),
    )
    .await;
    assert_eq!(
        error_code(second).await,
        (StatusCode::FORBIDDEN, "insufficient_aal".into())
    );
    let remove = call(
        &auth,
        Method::DELETE,
        &format!("/factors/{factor}"),
        &aal1,
        json!({}),
    )
    .await;
    assert_eq!(
        error_code(remove).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "insufficient_aal".into())
    );

    let changed = call(
        &auth,
        Method::PUT,
        "/user",
        &aal2,
        json!({ "password": "another-password" }),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let removed = call(
        &auth,
        Method::DELETE,
        &format!("/factors/{factor}"),
        &aal2,
        json!({}),
    )
    .await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert_eq!(removed.json::<Value>().await.unwrap()["id"], factor);
    let user: Value = auth
        .get_as("/user", aal2["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert!(user.get("factors").is_none(), "{user}");
}

/// local-auth with phone factors on; `max_frequency` between two texts of a factor.
async fn with_phone_factors(max_frequency: u64) -> TestAuth {
    TestAuth::spawn_with(|config| {
        config.mfa_phone.enroll_enabled = true;
        config.mfa_phone.verify_enabled = true;
        config.mfa_phone.max_frequency = max_frequency;
        // Each request names its client, so a test can answer from another address.
        config.rate_limit_header = Some("x-test-client".into());
    })
    .await
}

/// A number nobody else in the run has.
fn phone_number() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 10_000_000;
    format!("+1555{n:07}")
}

/// `POST /factors/{factor}/challenge` from `client` (the address the rate limiter sees).
async fn challenge_from(
    auth: &TestAuth,
    session: &Value,
    factor: &str,
    client: &str,
    body: Value,
) -> reqwest::Response {
    auth.request(Method::POST, &format!("/factors/{factor}/challenge"))
        .bearer_auth(session["access_token"].as_str().unwrap())
        .header("x-test-client", client)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// `POST /factors/{factor}/verify` from `client`.
async fn verify_from(
    auth: &TestAuth,
    session: &Value,
    factor: &str,
    client: &str,
    challenge: &str,
    code: &str,
) -> reqwest::Response {
    auth.request(Method::POST, &format!("/factors/{factor}/verify"))
        .bearer_auth(session["access_token"].as_str().unwrap())
        .header("x-test-client", client)
        .json(&json!({ "challenge_id": challenge, "code": code }))
        .send()
        .await
        .unwrap()
}

/// Enrolls `number` as a phone factor; returns its id.
async fn enroll_phone(auth: &TestAuth, session: &Value, number: &str) -> String {
    let response = call(
        auth,
        Method::POST,
        "/factors",
        session,
        json!({ "factor_type": "phone", "phone": number }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let factor: Value = response.json().await.unwrap();
    assert_eq!(factor["type"], "phone");
    assert_eq!(factor["phone"], number, "the number as given");
    factor["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_texted_code_raises_the_session_to_aal2() {
    let auth = with_phone_factors(0).await;
    let session = auth.confirmed_user(&email("phone-factor"), PASSWORD).await;
    let number = phone_number();
    let factor = enroll_phone(&auth, &session, &number).await;

    let challenge = challenge_from(
        &auth,
        &session,
        &factor,
        "10.0.0.1",
        json!({ "channel": "sms" }),
    )
    .await;
    assert_eq!(challenge.status(), StatusCode::OK);
    let challenge: Value = challenge.json().await.unwrap();
    assert_eq!(challenge["type"], "phone");
    assert!(challenge["expires_at"].as_i64().unwrap() > now() as i64);
    let text = auth.latest_mail(&number).await;
    assert!(text.is_sms, "texted, into the mailbox");
    let code = text.code();
    assert_eq!(code.len(), 6);

    let challenge_id = challenge["id"].as_str().unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = verify_from(&auth, &session, &factor, "10.0.0.1", challenge_id, wrong).await;
    assert_eq!(
        error_code(refused).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "mfa_verification_failed".into()
        )
    );
    let verified = verify_from(&auth, &session, &factor, "10.0.0.1", challenge_id, &code).await;
    assert_eq!(verified.status(), StatusCode::OK);
    let raised: Value = verified.json().await.unwrap();
    let claims = claims(&raised);
    assert_eq!(claims["aal"], "aal2");
    let methods: Vec<&str> = claims["amr"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|entry| entry["method"].as_str())
        .collect();
    assert!(methods.contains(&"mfa/phone"), "amr: {methods:?}");

    // The code is used, and the factor is listed as verified, with its number.
    let again = verify_from(&auth, &session, &factor, "10.0.0.1", challenge_id, &code).await;
    assert_eq!(
        error_code(again).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "mfa_factor_not_found".into()
        )
    );
    let user: Value = auth
        .get_as("/user", raised["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    let listed = &user["factors"][0];
    assert_eq!(
        (&listed["factor_type"], &listed["status"], &listed["phone"]),
        (
            &json!("phone"),
            &json!("verified"),
            &json!(number.trim_start_matches('+'))
        )
    );
}

#[tokio::test]
async fn phone_factor_refusals() {
    let auth = with_phone_factors(60).await;
    let session = auth
        .confirmed_user(&email("phone-refusals"), PASSWORD)
        .await;
    let enroll = |body: Value| call(&auth, Method::POST, "/factors", &session, body);

    for body in [
        json!({ "factor_type": "phone" }),
        json!({ "factor_type": "phone", "phone": "  " }),
        json!({ "factor_type": "phone", "phone": "12345" }),
        json!({ "factor_type": "phone", "phone": "+1 555 abc 0000" }),
    ] {
        let refused = enroll(body.clone()).await;
        assert_eq!(
            error_code(refused).await,
            (StatusCode::BAD_REQUEST, "validation_failed".into()),
            "{body}"
        );
    }

    let number = phone_number();
    let first = enroll_phone(&auth, &session, &number).await;
    // Enrolling the same number again replaces the unverified factor.
    let factor = enroll_phone(&auth, &session, &number).await;
    assert_ne!(first, factor);
    let gone = challenge_from(&auth, &session, &first, "10.0.0.2", json!({})).await;
    assert_eq!(
        error_code(gone).await,
        (StatusCode::NOT_FOUND, "mfa_factor_not_found".into())
    );

    let channel = challenge_from(
        &auth,
        &session,
        &factor,
        "10.0.0.2",
        json!({ "channel": "pigeon" }),
    )
    .await;
    assert_eq!(
        error_code(channel).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
    let challenge: Value = challenge_from(&auth, &session, &factor, "10.0.0.2", json!({}))
        .await
        .json()
        .await
        .unwrap();
    let challenge_id = challenge["id"].as_str().unwrap();
    let too_soon = challenge_from(&auth, &session, &factor, "10.0.0.2", json!({})).await;
    assert_eq!(
        error_code(too_soon).await,
        (
            StatusCode::TOO_MANY_REQUESTS,
            "over_sms_send_rate_limit".into()
        )
    );

    // The right code, from another address than asked for it, is refused; from the same, taken.
    let code = auth.latest_mail(&number).await.code();
    let elsewhere = verify_from(&auth, &session, &factor, "10.0.0.3", challenge_id, &code).await;
    assert_eq!(
        error_code(elsewhere).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "mfa_ip_address_mismatch".into()
        )
    );
    let verified = verify_from(&auth, &session, &factor, "10.0.0.2", challenge_id, &code).await;
    assert_eq!(verified.status(), StatusCode::OK);
    let raised: Value = verified.json().await.unwrap();

    // A verified number cannot be enrolled twice.
    let twice = call(
        &auth,
        Method::POST,
        "/factors",
        &raised,
        json!({ "factor_type": "phone", "phone": number }),
    )
    .await;
    assert_eq!(
        error_code(twice).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "mfa_verified_factor_exists".into()
        )
    );
}

#[tokio::test]
async fn phone_factors_follow_their_switches() {
    let auth = TestAuth::spawn_with(|config| config.mfa_phone.enroll_enabled = true).await;
    let session = auth
        .confirmed_user(&email("phone-switches"), PASSWORD)
        .await;
    let number = phone_number();
    let factor = enroll_phone(&auth, &session, &number).await;
    let challenge = call(
        &auth,
        Method::POST,
        &format!("/factors/{factor}/challenge"),
        &session,
        json!({}),
    )
    .await;
    assert_eq!(
        error_code(challenge).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "mfa_phone_verify_not_enabled".into()
        )
    );
    let texts = auth.mails().await;
    assert!(
        !texts
            .iter()
            .any(|mail| mail.to_string().contains(&number[1..])),
        "no text went out: {texts:?}"
    );
}
