//! Regression tests of the attacker's review (issue 14), one behaviour each: what an attacker
//! tried against the built server, and what it must answer now.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::auth_app::{TestApp, add_verified_factor, email};

/// Finding 2: an `aal1` session of a user with a verified factor, whose cookie says the user has
/// no factors (the browser wrote it), opens nothing that needs the full session.
#[tokio::test]
async fn a_cookie_that_hides_the_users_factors_does_not_skip_the_second_factor() {
    let app = TestApp::spawn().await;
    let mut session = app.signed_in_user(&email("mfa-edit")).await;
    add_verified_factor(&app, session.access_token.expose_secret()).await;
    session.user.factors = Some(Vec::new());
    let cookie = app.cookie_header(&session);

    for page in ["/protected", "/account", "/admin"] {
        let response = app.get(page, &cookie).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{page}");
        let location = response.headers()["location"].to_str().unwrap();
        assert!(location.starts_with("/auth/mfa?"), "{page}: {location}");
    }
    for function in ["/api/admin", "/api/account"] {
        let response = app
            .client
            .post(app.url(function))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{function}");
    }
    let renamed = app
        .client
        .post(app.url("/api/account/profile"))
        .header("cookie", &cookie)
        .form(&[("display_name", "attacker")])
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::FORBIDDEN);
    let user: Value = app
        .auth_request(Method::GET, "/user")
        .bearer_auth(session.access_token.expose_secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(user["user_metadata"]["display_name"].is_null(), "{user}");
}

/// Posts `fields` to the server function at `path` as an island's `fetch` does (no HTML wanted).
async fn call(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// Finding 3: wrong codes through the code sign-in form are stopped after ten per address, with
/// `429`, `Retry-After` and a sentence that says how long to wait.
#[tokio::test]
async fn guessing_a_mailed_code_through_the_app_is_stopped() {
    let app = TestApp::spawn().await;
    let address = email("guess");
    app.signed_in_user(&address).await;

    for guess in 0..10 {
        let code = format!("{guess:06}");
        let answer = call(
            &app,
            "/api/auth/verify-code",
            &[("email", &address), ("code", &code)],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "guess {guess}");
    }
    let limited = call(
        &app,
        "/api/auth/verify-code",
        &[("email", &address), ("code", "999999")],
    )
    .await;

    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    let body = limited.text().await.unwrap();
    assert!(body.contains("RateLimited"), "{body}");
}

/// Finding 3: the limit holds per address, whichever client the guesses come from, and the form
/// post without JavaScript is sent back with the message and `Retry-After`.
#[tokio::test]
async fn the_code_limit_holds_for_form_posts_too() {
    let app = TestApp::spawn().await;
    let address = email("guess-form");

    let mut last = None;
    for _ in 0..11 {
        last = Some(
            app.client
                .post(app.url("/api/auth/verify-code"))
                .header("accept", "text/html")
                .header("referer", app.url("/auth/otp"))
                .form(&[("email", address.as_str()), ("code", "123456")])
                .send()
                .await
                .unwrap(),
        );
    }
    let last = last.unwrap();

    assert!(last.status().is_redirection(), "{}", last.status());
    assert!(last.headers().contains_key("retry-after"));
    let location = last.headers()["location"].to_str().unwrap().to_owned();
    let page = app
        .get(
            location.trim_start_matches(&format!("http://{}", app.app)),
            "",
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Too many attempts. Try again in"), "{page}");
}

/// Finding 6: "email me a link" and "forgot password" answer a known and an unknown address
/// alike, also when asked twice within the mail frequency limit.
#[tokio::test]
async fn mail_forms_answer_known_and_unknown_addresses_alike() {
    let app = TestApp::spawn_with(|config| config.email_max_frequency = 60).await;
    let known = email("known");
    app.signed_in_user(&known).await;
    let unknown = email("unknown");

    for path in ["/api/auth/forgot-password", "/api/auth/email-sign-in"] {
        let mut answers = Vec::new();
        for address in [&known, &unknown] {
            for _ in 0..2 {
                let answer = call(&app, path, &[("email", address.as_str())]).await;
                let status = answer.status();
                let body = answer
                    .text()
                    .await
                    .unwrap()
                    .replace(&address.replace('@', "%40"), "ADDRESS");
                answers.push((status, body));
            }
        }
        assert!(
            answers.iter().all(|answer| answer == &answers[0]),
            "{path}: {answers:?}"
        );
        assert_eq!(answers[0].0, StatusCode::OK, "{path}");
    }
}

/// Finding 9: a page's inline script runs only by the nonce its policy names, nothing may frame
/// it, and no referrer leaves the site.
#[tokio::test]
async fn pages_carry_a_nonce_policy_and_the_security_headers() {
    use crate::helpers::{body_text, oneshot};

    let response = oneshot(
        axum::http::Request::get("/auth/login")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;

    let headers = response.headers().clone();
    let policy = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = body_text(response).await;
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy");
    assert!(
        html.contains(&format!("<script nonce=\"{nonce}\">")),
        "{html}"
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    // The browser-side session check calls the auth server itself.
    assert!(
        policy.contains("connect-src 'self' http://127.0.0.1:9;"),
        "{policy}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert!(!headers.contains_key("strict-transport-security"));

    let again = oneshot(
        axum::http::Request::get("/auth/login")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_ne!(again.headers()["content-security-policy"], policy.as_str());
}

/// Finding 9: an https site tells browsers to stay on https.
#[tokio::test]
async fn an_https_site_sends_hsts() {
    use tower::ServiceExt;

    let leptos = leptos::config::LeptosOptions::builder()
        .output_name("app")
        .site_root("target/site")
        .build();
    let settings = server::SessionSettings::from_lookup(&leptos, |name| {
        (name == "SITE_URL").then(|| "https://app.example".to_owned())
    })
    .unwrap();
    let state = server::AppState::new(
        leptos,
        server::AuthEndpoint::new("http://127.0.0.1:9", "sb_publishable_test"),
        &settings,
    )
    .unwrap();

    let response = server::router(state)
        .oneshot(
            axum::http::Request::get("/")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();

    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
}

/// Finding 10: no server function answers 5xx for what a client sent: an oversized body is 413,
/// and malformed or missing fields are 4xx, for every registered function.
#[tokio::test]
async fn no_server_function_answers_5xx_for_a_client_error() {
    let app = TestApp::spawn().await;
    let paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    assert!(paths.len() >= 20, "{paths:?}");
    let oversized = "a=".to_owned() + &"x".repeat(3 * 1024 * 1024);

    for path in paths {
        let post = |body: String, content_type: &'static str| {
            app.client
                .post(app.url(path))
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let large = post(oversized.clone(), "application/x-www-form-urlencoded")
            .await
            .unwrap();
        assert_eq!(large.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        for (body, content_type) in [
            (String::new(), "application/x-www-form-urlencoded"),
            (
                "%%%=&&==%ff".to_owned(),
                "application/x-www-form-urlencoded",
            ),
            ("{not json".to_owned(), "application/json"),
            ("\u{0}\u{1}binary".to_owned(), "application/octet-stream"),
        ] {
            let answer = post(body.clone(), content_type).await.unwrap();
            assert!(
                answer.status().as_u16() < 500,
                "{path} with {body:?} ({content_type}): {}",
                answer.status()
            );
        }
    }
}

/// Finding 1: a confirmation link and a code sign-in, crafted with a `next` that normalizes to
/// `//evil.example`, land on the site.
#[tokio::test]
async fn crafted_links_never_redirect_off_the_site() {
    let app = TestApp::spawn().await;
    let address = email("crafted");
    app.sign_up(&address, "correct horse").await;
    let mut link = url::Url::parse(&app.latest_mail_link(&address).await).unwrap();
    let pairs: Vec<(String, String)> = link
        .query_pairs()
        .filter(|(key, _)| key != "next")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    link.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair("next", "/.//evil.example");
    let confirm = app.get(&link[url::Position::BeforePath..], "").await;
    assert_eq!(confirm.headers()["location"], "/");

    app.auth_request(Method::POST, "/otp")
        .json(&json!({ "email": address }))
        .send()
        .await
        .unwrap();
    let text = app.latest_mail_text(&address).await;
    let code: String = text
        .split("enter the code: ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let signed_in = app
        .client
        .post(app.url("/api/auth/verify-code"))
        .header("accept", "text/html")
        .form(&[
            ("email", address.as_str()),
            ("code", code.as_str()),
            ("next", "/a/..//evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.headers()["location"], "/");
}

/// Finding 6: signing up twice with an address that has an unconfirmed account answers as for a
/// new address, also within the mail frequency limit.
#[tokio::test]
async fn sign_up_answers_pending_and_new_addresses_alike() {
    let app = TestApp::spawn_with(|config| config.email_max_frequency = 60).await;
    let pending = email("pending");
    let new = email("new");

    let mut answers = Vec::new();
    for address in [&pending, &pending, &new] {
        let answer = call(
            &app,
            "/api/auth/sign-up",
            &[
                ("email", address.as_str()),
                ("password", "correct horse"),
                ("password_repeat", "correct horse"),
            ],
        )
        .await;
        answers.push((answer.status(), answer.text().await.unwrap()));
    }

    assert!(
        answers.iter().all(|answer| answer == &answers[0]),
        "{answers:?}"
    );
    assert_eq!(answers[0].0, StatusCode::OK);
}
