//! Email links and codes: `GET`/`POST /verify`, `/otp`, `/recover`, `/resend`, PKCE and `redirect_to`.

use local_auth::crypto::pkce_s256;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestAuth, email, error_code};

const VERIFIER: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Follows a mail link to `/verify`; returns the `Location` of the 303.
async fn follow(auth: &TestAuth, link: &str) -> String {
    let response = auth.client.get(link).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{link}");
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_confirmation_link_confirms_and_redirects_with_tokens_in_the_fragment() {
    let auth = TestAuth::spawn().await;
    let address = email("link");
    auth.post(
        "/signup?redirect_to=http://127.0.0.1:3000/welcome",
        json!({ "email": address, "password": "secret-pass" }),
    )
    .await;
    let link = auth.latest_mail(&address).await.link();

    let location = follow(&auth, &link).await;

    let (target, fragment) = location.split_once('#').unwrap();
    assert_eq!(target, "http://127.0.0.1:3000/welcome");
    let params: Vec<(String, String)> = url::form_urlencoded::parse(fragment.as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    assert!(get("access_token").is_some());
    assert_eq!(get("refresh_token").map(|t| t.len()), Some(12));
    assert_eq!(get("type").as_deref(), Some("signup"));
    assert_eq!(get("token_type").as_deref(), Some("bearer"));
    auth.sign_in(&address, "secret-pass").await;
}

#[tokio::test]
async fn a_used_link_redirects_with_otp_expired() {
    let auth = TestAuth::spawn().await;
    let address = email("twice");
    auth.post(
        "/signup",
        json!({ "email": address, "password": "secret-pass" }),
    )
    .await;
    let link = auth.latest_mail(&address).await.link();
    follow(&auth, &link).await;

    let location = follow(&auth, &link).await;

    assert!(
        location.starts_with("http://127.0.0.1:3000/#error=access_denied&error_code=otp_expired"),
        "{location}"
    );
}

#[tokio::test]
async fn a_disallowed_redirect_falls_back_to_the_site_url() {
    let auth = TestAuth::spawn().await;
    let address = email("redirect");
    auth.post(
        "/signup?redirect_to=https://evil.example.org/",
        json!({ "email": address, "password": "secret-pass" }),
    )
    .await;
    let link = auth.latest_mail(&address).await.link();

    let location = follow(&auth, &link).await;

    assert!(
        location.starts_with("http://127.0.0.1:3000/#access_token="),
        "{location}"
    );
}

#[tokio::test]
async fn pkce_signup_redirects_with_a_code_that_exchanges_once_for_a_session() {
    let auth = TestAuth::spawn().await;
    let address = email("pkce");
    auth.post(
        "/signup?redirect_to=http://127.0.0.1:3000/auth/callback",
        json!({ "email": address, "password": "secret-pass",
                "code_challenge": pkce_s256(VERIFIER), "code_challenge_method": "s256" }),
    )
    .await;
    let link = auth.latest_mail(&address).await.link();
    assert!(link.contains("token=pkce_"), "{link}");

    let location = follow(&auth, &link).await;
    let code = location
        .strip_prefix("http://127.0.0.1:3000/auth/callback?code=")
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned();
    let wrong = auth
        .post(
            "/token?grant_type=pkce",
            json!({ "auth_code": code, "code_verifier": "x".repeat(112) }),
        )
        .await;
    let exchanged = auth
        .post(
            "/token?grant_type=pkce",
            json!({ "auth_code": code, "code_verifier": VERIFIER }),
        )
        .await;
    let again = auth
        .post(
            "/token?grant_type=pkce",
            json!({ "auth_code": code, "code_verifier": VERIFIER }),
        )
        .await;

    assert_eq!(
        error_code(wrong).await,
        (StatusCode::BAD_REQUEST, "bad_code_verifier".into())
    );
    assert_eq!(exchanged.status(), StatusCode::OK);
    let session: Value = exchanged.json().await.unwrap();
    assert_eq!(session["user"]["email"], address);
    assert!(session["user"]["email_confirmed_at"].is_string());
    assert_eq!(
        error_code(again).await,
        (StatusCode::NOT_FOUND, "flow_state_not_found".into())
    );
}

#[tokio::test]
async fn pkce_exchange_needs_both_fields() {
    let auth = TestAuth::spawn().await;

    let response = auth
        .post("/token?grant_type=pkce", json!({ "auth_code": "abc" }))
        .await;

    assert_eq!(
        error_code(response).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
}

#[tokio::test]
async fn otp_for_a_confirmed_user_mails_a_magic_link_whose_code_signs_in() {
    let auth = TestAuth::spawn().await;
    let address = email("otp");
    auth.confirmed_user(&address, "secret-pass").await;

    let response = auth.post("/otp", json!({ "email": address })).await;
    let mail = auth.latest_mail(&address).await;
    let verified = auth
        .post(
            "/verify",
            json!({ "type": "email", "email": address, "token": mail.code() }),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(mail.subject, "Your Magic Link");
    assert_eq!(verified.status(), StatusCode::OK);
    let session: Value = verified.json().await.unwrap();
    assert_eq!(session["user"]["email"], address);
}

#[tokio::test]
async fn otp_without_create_user_refuses_unknown_addresses() {
    let auth = TestAuth::spawn().await;

    let response = auth
        .post(
            "/otp",
            json!({ "email": email("new"), "create_user": false }),
        )
        .await;

    assert_eq!(
        error_code(response).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "otp_disabled".into())
    );
}

#[tokio::test]
async fn otp_creates_and_confirms_a_new_user() {
    let auth = TestAuth::spawn().await;
    let address = email("otpnew");

    auth.post(
        "/otp",
        json!({ "email": address, "data": { "plan": "free" } }),
    )
    .await;
    let mail = auth.latest_mail(&address).await;
    let verified = auth
        .post(
            "/verify",
            json!({ "type": "email", "email": address, "token": mail.code() }),
        )
        .await;

    assert_eq!(mail.subject, "Confirm Your Signup");
    let session: Value = verified.json().await.unwrap();
    assert!(session["user"]["email_confirmed_at"].is_string());
    assert_eq!(session["user"]["user_metadata"]["plan"], "free");
}

#[tokio::test]
async fn wrong_codes_are_otp_expired_and_token_hash_excludes_email() {
    let auth = TestAuth::spawn().await;
    let address = email("wrongcode");
    auth.post(
        "/signup",
        json!({ "email": address, "password": "secret-pass" }),
    )
    .await;

    let wrong = auth
        .post(
            "/verify",
            json!({ "type": "signup", "email": address, "token": "000000x" }),
        )
        .await;
    let both = auth
        .post(
            "/verify",
            json!({ "type": "signup", "email": address, "token_hash": "abc" }),
        )
        .await;
    let no_type = auth
        .post("/verify", json!({ "email": address, "token": "123456" }))
        .await;

    assert_eq!(
        error_code(wrong).await,
        (StatusCode::FORBIDDEN, "otp_expired".into())
    );
    assert_eq!(
        error_code(both).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
    assert_eq!(
        error_code(no_type).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
}

#[tokio::test]
async fn app_style_links_carry_the_token_hash_that_post_verify_accepts() {
    let auth =
        TestAuth::spawn_with(|config| config.email_links = local_auth::EmailLinks::App).await;
    let address = email("app");
    auth.post(
        "/signup",
        json!({ "email": address, "password": "secret-pass" }),
    )
    .await;
    let link = auth.latest_mail(&address).await.link();
    let url = url::Url::parse(&link).unwrap();
    let token_hash = url
        .query_pairs()
        .find(|(k, _)| k == "token_hash")
        .unwrap()
        .1
        .into_owned();

    let verified = auth
        .post(
            "/verify",
            json!({ "type": "email", "token_hash": token_hash }),
        )
        .await;

    assert!(
        link.starts_with("http://127.0.0.1:3000/auth/confirm?token_hash="),
        "{link}"
    );
    assert!(link.contains("&type=signup&next="), "{link}");
    assert_eq!(verified.status(), StatusCode::OK);
}

#[tokio::test]
async fn recovery_mails_a_link_that_signs_in_and_unknown_addresses_get_the_same_answer() {
    let auth = TestAuth::spawn().await;
    let address = email("recover");
    auth.confirmed_user(&address, "secret-pass").await;
    let before = auth.mails().await.len();

    let known = auth.post("/recover", json!({ "email": address })).await;
    let unknown = auth
        .post("/recover", json!({ "email": email("ghost") }))
        .await;
    let mail = auth.latest_mail(&address).await;
    let verified = auth
        .post(
            "/verify",
            json!({ "type": "recovery", "email": address, "token": mail.code() }),
        )
        .await;

    assert_eq!(known.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(unknown.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(
        auth.mails().await.len(),
        before + 1,
        "only the known address gets mail"
    );
    assert_eq!(mail.subject, "Reset Your Password");
    assert_eq!(verified.status(), StatusCode::OK);
}

#[tokio::test]
async fn resend_sends_a_new_confirmation_and_the_old_code_stops_working() {
    let auth = TestAuth::spawn().await;
    let address = email("resend");
    auth.post(
        "/signup",
        json!({ "email": address, "password": "secret-pass" }),
    )
    .await;
    let old = auth.latest_mail(&address).await.code();

    auth.post("/resend", json!({ "type": "signup", "email": address }))
        .await;
    let new = auth.latest_mail(&address).await.code();
    let with_old = auth
        .post(
            "/verify",
            json!({ "type": "signup", "email": address, "token": old }),
        )
        .await;
    let with_new = auth
        .post(
            "/verify",
            json!({ "type": "signup", "email": address, "token": new }),
        )
        .await;

    if old != new {
        assert_eq!(
            error_code(with_old).await,
            (StatusCode::FORBIDDEN, "otp_expired".into())
        );
    }
    assert_eq!(with_new.status(), StatusCode::OK);
}

#[tokio::test]
async fn mails_are_rate_limited_per_user() {
    let auth = TestAuth::spawn_with(|config| config.email_max_frequency = 60).await;
    let address = email("limit");
    auth.post(
        "/signup",
        json!({ "email": address, "password": "secret-pass" }),
    )
    .await;

    let response = auth
        .post("/resend", json!({ "type": "signup", "email": address }))
        .await;

    assert_eq!(
        error_code(response).await,
        (
            StatusCode::TOO_MANY_REQUESTS,
            "over_email_send_rate_limit".into()
        )
    );
}

#[tokio::test]
async fn the_mailbox_lists_messages_and_can_be_emptied() {
    let auth = TestAuth::spawn().await;
    let address = email("mailbox");
    auth.post(
        "/signup",
        json!({ "email": address, "password": "secret-pass" }),
    )
    .await;

    let page = auth
        .client
        .get(format!("http://{}/", auth.mailbox.addr()))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    let deleted = auth
        .client
        .delete(format!("http://{}/api/v1/messages", auth.mailbox.addr()))
        .send()
        .await
        .unwrap();

    assert!(
        html.contains(&address) && html.contains("Confirm Your Signup"),
        "{html}"
    );
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(auth.mails().await.is_empty());
}

#[tokio::test]
async fn the_mailbox_page_refreshes_itself_and_is_emptied_from_its_own_page_only() {
    let auth = TestAuth::spawn().await;
    let address = email("mailbox-page");
    auth.post(
        "/signup",
        json!({ "email": address, "password": "secret-pass" }),
    )
    .await;
    let base = format!("http://{}", auth.mailbox.addr());
    let clear = |site: &'static str, origin: String| {
        auth.client
            .post(format!("{base}/clear"))
            .header("sec-fetch-site", site)
            .header("origin", origin)
            .send()
    };

    let html = auth
        .client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let forged = clear("cross-site", "http://evil.example".to_owned())
        .await
        .unwrap();
    let kept = auth.mails().await.len();
    let cleared = clear("same-origin", base.clone()).await.unwrap();

    assert!(
        html.contains(r#"<meta http-equiv="refresh" content="5">"#),
        "{html}"
    );
    assert!(html.contains("Delete all mail"), "{html}");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(kept, 1, "a cross-site post deletes nothing");
    assert_eq!(cleared.status(), StatusCode::SEE_OTHER);
    assert!(auth.mails().await.is_empty());
}
