//! Regression tests of the attacker's review (issue 14) that local-auth answers for: codes that
//! cannot be guessed, equal answers for known and unknown addresses, the forwarded address
//! believed only from the app (`rate_limits.rs`), and a development server that stays on loopback.

use local_auth::{Config, LocalAuth};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestAuth, email, error_code};

/// Finding 3: after five wrong codes the codes sent to the address are withdrawn, so the right
/// one no longer signs in; the answer is the same `otp_expired` throughout.
#[tokio::test]
async fn a_code_is_withdrawn_after_five_wrong_tries() {
    let auth = TestAuth::spawn().await;
    let address = email("guessed");
    auth.confirmed_user(&address, "secret-pass").await;
    auth.post("/otp", json!({ "email": address })).await;
    let code = auth.latest_mail(&address).await.code();
    let wrong = if code == "000000" { "111111" } else { "000000" };

    for _ in 0..5 {
        let guess = auth
            .post(
                "/verify",
                json!({ "type": "email", "email": address, "token": wrong }),
            )
            .await;
        assert_eq!(
            error_code(guess).await,
            (StatusCode::FORBIDDEN, "otp_expired".into())
        );
    }
    let right = auth
        .post(
            "/verify",
            json!({ "type": "email", "email": address, "token": code }),
        )
        .await;

    assert_eq!(
        error_code(right).await,
        (StatusCode::FORBIDDEN, "otp_expired".into())
    );
}

/// Four wrong tries leave the code usable: a typo does not cost the user their mail.
#[tokio::test]
async fn a_code_survives_a_few_typos() {
    let auth = TestAuth::spawn().await;
    let address = email("typo");
    auth.confirmed_user(&address, "secret-pass").await;
    auth.post("/otp", json!({ "email": address })).await;
    let code = auth.latest_mail(&address).await.code();
    let wrong = if code == "000000" { "111111" } else { "000000" };

    for _ in 0..4 {
        auth.post(
            "/verify",
            json!({ "type": "email", "email": address, "token": wrong }),
        )
        .await;
    }
    let right = auth
        .post(
            "/verify",
            json!({ "type": "email", "email": address, "token": code }),
        )
        .await;

    assert_eq!(right.status(), StatusCode::OK);
}

/// Finding 6: the decoy hash for unknown addresses has the configured cost, and the default cost
/// is upstream's 10.
#[tokio::test]
async fn the_decoy_hash_has_the_configured_cost() {
    assert_eq!(Config::default().bcrypt_cost, 10);
    let data_dir = tempfile::tempdir().unwrap();
    let server = LocalAuth::start(Config {
        bcrypt_cost: 7,
        data_dir: data_dir.path().to_path_buf(),
        ..Config::default()
    })
    .await
    .unwrap();

    assert!(
        server.state().decoy_hash.starts_with("$2b$07$"),
        "{}",
        server.state().decoy_hash
    );
}

/// Finding 7: local-auth refuses to listen beyond loopback unless told it may.
#[tokio::test]
async fn local_auth_stays_on_loopback_unless_allowed() {
    let data_dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: data_dir.path().to_path_buf(),
        ..Config::default()
    };
    let server = LocalAuth::start(config).await.unwrap();
    let api = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let mailbox = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();

    let refused = server.serve(api, mailbox, async {}).await.unwrap_err();

    assert_eq!(refused.kind(), std::io::ErrorKind::PermissionDenied);
    assert!(
        refused.to_string().contains("LOCAL_AUTH_ALLOW_REMOTE"),
        "{refused}"
    );
}

/// Unknown addresses and known ones get the same answer to a code that matches nothing.
#[tokio::test]
async fn wrong_codes_answer_alike_for_known_and_unknown_addresses() {
    let auth = TestAuth::spawn().await;
    let known = email("known");
    auth.confirmed_user(&known, "secret-pass").await;
    auth.post("/otp", json!({ "email": known })).await;

    let mut answers = Vec::new();
    for address in [known, email("unknown")] {
        let response = auth
            .post(
                "/verify",
                json!({ "type": "email", "email": address, "token": "123456" }),
            )
            .await;
        answers.push((response.status(), response.json::<Value>().await.unwrap()));
    }

    assert_eq!(answers[0], answers[1]);
}

/// Finding 11 and 9: the mailbox answers loopback host names only (a rebound DNS name gets 403)
/// and its pages run no script and sit in no frame.
#[tokio::test]
async fn the_mailbox_refuses_foreign_host_names_and_sends_a_strict_policy() {
    let auth = TestAuth::spawn().await;
    let url = format!("http://{}/", auth.mailbox.addr());

    let rebound = auth
        .client
        .get(&url)
        .header(
            "host",
            format!("evil.example:{}", auth.mailbox.addr().port()),
        )
        .send()
        .await
        .unwrap();
    let local = auth.client.get(&url).send().await.unwrap();

    assert_eq!(rebound.status(), StatusCode::FORBIDDEN);
    assert_eq!(local.status(), StatusCode::OK);
    let policy = local.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(local.headers()["referrer-policy"], "no-referrer");
    assert_eq!(local.headers()["x-content-type-options"], "nosniff");
}

/// Upstream fix: links in mails are built from the configuration, never from the request's
/// `Host` or `X-Forwarded-Host`.
#[tokio::test]
async fn mail_links_ignore_the_requests_host_headers() {
    let auth = TestAuth::spawn().await;
    let address = email("host");
    auth.confirmed_user(&address, "secret-pass").await;

    let response = auth
        .request(Method::POST, "/recover")
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .json(&json!({ "email": address }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let mail = auth.latest_mail(&address).await;
    assert!(!mail.text.contains("evil.example"), "{}", mail.text);
    assert!(
        mail.link().starts_with(&format!("http://{}/", auth.api)),
        "{}",
        mail.link()
    );
}

/// Upstream fix: when a user's address changes, the links and codes mailed before stop working.
#[tokio::test]
async fn a_changed_address_revokes_the_mail_sent_before() {
    let auth = TestAuth::spawn().await;
    let old = email("old");
    let session = auth.confirmed_user(&old, "secret-pass").await;
    auth.post("/recover", json!({ "email": old })).await;
    let code = auth.latest_mail(&old).await.code();

    let changed = auth
        .request(
            Method::PUT,
            &format!("/admin/users/{}", session["user"]["id"].as_str().unwrap()),
        )
        .header("apikey", &auth.secret_key)
        .bearer_auth(&auth.secret_key)
        .json(&json!({ "email": email("new"), "email_confirm": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let recovered = auth
        .post(
            "/verify",
            json!({ "type": "recovery", "email": old, "token": code }),
        )
        .await;

    assert_eq!(
        error_code(recovered).await,
        (StatusCode::FORBIDDEN, "otp_expired".into())
    );
}

/// Upstream fix: a banned user's still-valid access token is refused at `/user`.
#[tokio::test]
async fn a_banned_users_token_is_refused() {
    let auth = TestAuth::spawn().await;
    let session = auth.confirmed_user(&email("banned"), "secret-pass").await;
    let token = session["access_token"].as_str().unwrap();

    let banned = auth
        .request(
            Method::PUT,
            &format!("/admin/users/{}", session["user"]["id"].as_str().unwrap()),
        )
        .header("apikey", &auth.secret_key)
        .bearer_auth(&auth.secret_key)
        .json(&json!({ "ban_duration": "24h" }))
        .send()
        .await
        .unwrap();
    assert_eq!(banned.status(), StatusCode::OK);

    assert_eq!(
        error_code(auth.get_as("/user", token).await).await,
        (StatusCode::FORBIDDEN, "user_banned".into())
    );
}

/// Upstream fix: a PKCE auth code is exchanged once, even by two exchanges racing.
#[tokio::test]
async fn racing_pkce_exchanges_get_one_session() {
    use crate::oauth::{VERIFIER, authorize, query, through_provider, with_providers};

    let auth = with_providers().await;
    let provider_url = authorize(&auth, "github").await;
    let back = through_provider(&auth, &provider_url, &email("race"), true).await;
    let code = query(&back, "code").unwrap();

    let exchange = || {
        auth.post(
            "/token?grant_type=pkce",
            json!({ "auth_code": code, "code_verifier": VERIFIER }),
        )
    };
    let (first, second) = tokio::join!(exchange(), exchange());

    let mut statuses = [first.status(), second.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::NOT_FOUND]);
}

/// Upstream fix: the provider's callback code signs in once, even when replayed in a race.
#[tokio::test]
async fn a_racing_callback_replay_gets_no_second_code() {
    use crate::oauth::{authorize, location, query, to_callback, with_providers};

    let auth = with_providers().await;
    let provider_url = authorize(&auth, "github").await;
    let callback = to_callback(&auth, &provider_url, &email("replay"), true).await;

    let get = || auth.client.get(&callback).send();
    let (first, second) = tokio::join!(get(), get());

    let codes: Vec<Option<String>> = [first.unwrap(), second.unwrap()]
        .iter()
        .map(|answer| query(&url::Url::parse(&location(answer)).unwrap(), "code"))
        .collect();
    assert_eq!(
        codes.iter().filter(|code| code.is_some()).count(),
        1,
        "{codes:?}"
    );
}
