//! The app at scale against one auth server with upstream's default rate limits: with the secret
//! key, each end user counts as their own address; without it, every user counts as the app
//! server's one address, and the limits show.

use std::net::SocketAddr;

use reqwest::{Client, StatusCode};
use tokio::task::JoinSet;

use crate::auth_app::{TestApp, browser_cookie_header, email, set_cookies};

/// How many users arrive together.
const USERS: usize = 200;
/// How many of them are in flight at once.
const AT_ONCE: usize = 20;

/// What one user's visit came to.
#[derive(Debug, Default, Clone, Copy)]
struct Visit {
    signed_up: bool,
    signed_in: bool,
    refreshed: bool,
}

/// Posts the sign-up form for `user` (password "correct horse") to the app at `base`, from the
/// client address `from` when given (the proxy's `x-forwarded-for`).
async fn sign_up(client: &Client, base: &str, from: Option<&str>, user: &str) -> reqwest::Response {
    let mut request = client
        .post(format!("{base}/api/auth/sign-up"))
        .header("accept", "text/html")
        .header("origin", base);
    if let Some(from) = from {
        request = request.header("x-forwarded-for", from);
    }
    request
        .form(&[
            ("email", user),
            ("password", "correct horse"),
            ("password_repeat", "correct horse"),
        ])
        .send()
        .await
        .unwrap()
}

/// User `n` at their own address behind the proxy: signs up (confirmations are off), signs in,
/// then opens a page while their token is due for refresh (tokens live 60 s, inside the
/// 90 s refresh margin).
async fn visit(client: Client, app: SocketAddr, n: usize) -> Visit {
    let address = format!("10.1.{}.{}", n / 250, n % 250 + 1);
    let user = email(&format!("crowd-{n}"));
    let url = |path: &str| format!("http://{app}{path}");
    let form = |path: &str, fields: Vec<(&str, &str)>| {
        client
            .post(url(path))
            .header("x-forwarded-for", &address)
            .header("accept", "text/html")
            .header("origin", format!("http://{app}"))
            .form(&fields)
            .send()
    };
    let signed_up = sign_up(&client, &url(""), Some(&address), &user).await;
    let signed_up = !set_cookies(&signed_up).is_empty();
    let signed_in = form(
        "/api/auth/sign-in",
        vec![
            ("email", &user),
            ("password", "correct horse"),
            ("next", "/protected"),
        ],
    )
    .await
    .unwrap();
    let cookies = browser_cookie_header(&set_cookies(&signed_in));
    let signed_in = signed_in.headers().get("location").map(|l| l.as_bytes())
        == Some(b"/protected")
        && !cookies.is_empty();
    let page = client
        .get(url("/protected"))
        .header("x-forwarded-for", &address)
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    let refreshed = page.status() == StatusCode::OK && !set_cookies(&page).is_empty();
    Visit {
        signed_up,
        signed_in,
        refreshed,
    }
}

/// Every user's visit, [`AT_ONCE`] at a time; the seconds it took.
async fn crowd(app: &TestApp) -> (Vec<Visit>, f64) {
    let started = std::time::Instant::now();
    let mut visits = Vec::new();
    for wave in (0..USERS).collect::<Vec<_>>().chunks(AT_ONCE) {
        let mut in_flight = JoinSet::new();
        for &n in wave {
            in_flight.spawn(visit(app.client.clone(), app.app, n));
        }
        visits.extend(in_flight.join_all().await);
    }
    (visits, started.elapsed().as_secs_f64())
}

fn count(visits: &[Visit], of: impl Fn(&Visit) -> bool) -> usize {
    visits.iter().filter(|visit| of(visit)).count()
}

fn with_short_tokens(config: &mut local_auth::Config) {
    config.enable_confirmations = false;
    config.jwt_expiry = 60;
}

#[tokio::test]
async fn with_the_secret_key_two_hundred_users_sign_up_sign_in_and_refresh_without_a_429() {
    let app = TestApp::spawn_behind_proxy(true, with_short_tokens).await;

    let (visits, seconds) = crowd(&app).await;

    eprintln!(
        "forwarding: {USERS} users in {seconds:.1} s, {} answers 429",
        app.rate_limited()
    );
    assert_eq!(app.rate_limited(), 0);
    assert_eq!(count(&visits, |v| v.signed_up), USERS);
    assert_eq!(count(&visits, |v| v.signed_in), USERS);
    assert_eq!(count(&visits, |v| v.refreshed), USERS);
}

#[tokio::test]
async fn without_the_secret_key_every_user_shares_the_servers_limits() {
    let app = TestApp::spawn_behind_proxy(false, with_short_tokens).await;

    let (visits, seconds) = crowd(&app).await;

    let limited = app.rate_limited();
    eprintln!(
        "no forwarding: {USERS} users in {seconds:.1} s, {limited} answers 429; signed up {}, \
         signed in {}, refreshed {}",
        count(&visits, |v| v.signed_up),
        count(&visits, |v| v.signed_in),
        count(&visits, |v| v.refreshed),
    );
    // One bucket of 30 sign-ups (then one per 10 s) and one of 30 sign-ins and refreshes (then
    // one per 2 s) for the whole site.
    assert!(limited >= 100, "{limited}");
    assert!(count(&visits, |v| v.signed_up) < 60);
    assert!(count(&visits, |v| v.refreshed) < 100);
}

/// The secret key stays in the server: a production server forwarding with it, logging at debug,
/// puts it in no page, no error answer and no log line, while local-auth sees it on every call
/// made for a user.
#[tokio::test]
async fn the_secret_key_is_in_no_page_answer_or_log_line() {
    use crate::instances::start_instance_with;

    let app = TestApp::spawn_with(|config| config.enable_confirmations = false).await;
    let site_root = tempfile::tempdir().unwrap();
    let instance = start_instance_with(
        &app,
        site_root.path(),
        &[
            ("SUPABASE_SECRET_KEY", &app.secret_key),
            ("LEPTOS_ENV", "PROD"),
            ("RUST_LOG", "debug"),
        ],
    );
    let user = email("secret-keeper");
    let client = &app.client;
    let mut answers = Vec::new();
    let signed_up = sign_up(client, &instance.url, None, &user).await;
    let cookies = browser_cookie_header(&set_cookies(&signed_up));
    assert!(!cookies.is_empty(), "the sign-up signed in");
    answers.push(signed_up.text().await.unwrap());
    // An error from the auth server, as JSON the way the islands ask for it.
    let wrong = client
        .post(format!("{}/api/auth/sign-in", instance.url))
        .header("origin", &instance.url)
        .form(&[("email", user.as_str()), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    answers.push(wrong.text().await.unwrap());
    for path in [
        "/",
        "/auth/login",
        "/protected",
        "/account",
        "/does-not-exist",
    ] {
        let page = client
            .get(format!("{}{path}", instance.url))
            .header("cookie", &cookies)
            .send()
            .await
            .unwrap();
        answers.push(format!("{path}: {}", page.text().await.unwrap()));
    }

    for answer in &answers {
        assert!(!answer.contains(&app.secret_key), "{answer}");
    }
    assert!(answers.iter().any(|page| page.contains(&user)), "signed in");
    let log = instance.log.lock().unwrap().clone();
    assert!(log.contains("forwarding end users' addresses"), "{log}");
    assert!(!log.contains(&app.secret_key), "{log}");
    assert!(
        !log.contains("SUPABASE_SECRET_KEY is not set"),
        "no shared-limits warning with the key: {log}"
    );
}

/// Without the secret key, a production server says at start what the shared limits mean.
#[tokio::test]
async fn without_the_secret_key_a_production_server_warns_of_the_shared_limits() {
    use crate::instances::start_instance_with;

    let app = TestApp::spawn().await;
    let site_root = tempfile::tempdir().unwrap();
    let instance = start_instance_with(&app, site_root.path(), &[("LEPTOS_ENV", "PROD")]);
    let health = app
        .client
        .get(format!("{}/auth/login", instance.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    let log = instance.log.lock().unwrap().clone();
    assert!(log.contains("SUPABASE_SECRET_KEY is not set"), "{log}");
    assert!(log.contains("IP address forwarding"), "{log}");
}

/// The links in confirmation mails land on the app's `/auth/confirm`, whose verification counts
/// against the user's address too: forty users confirming at once stay clear of the auth
/// server's verification bucket (30 per address).
#[tokio::test]
async fn confirmation_links_count_against_each_users_address() {
    let app = TestApp::spawn_behind_proxy(true, |_| {}).await;

    for n in 0..40 {
        let address = format!("10.2.0.{}", n + 1);
        let user = email(&format!("confirming-{n}"));
        let signed_up = sign_up(
            &app.client,
            &format!("http://{}", app.app),
            Some(&address),
            &user,
        )
        .await;
        assert!(
            signed_up.status().is_redirection(),
            "{}",
            signed_up.status()
        );
        let link = app.latest_mail_link(&user).await;
        assert!(link.contains("/auth/confirm?"), "{link}");
        let confirmed = app
            .client
            .get(&link)
            .header("x-forwarded-for", &address)
            .send()
            .await
            .unwrap();
        assert_eq!(
            confirmed.headers()["location"],
            "/protected",
            "user {n} was not confirmed"
        );
    }
    assert_eq!(app.rate_limited(), 0);
}

/// local-auth with CAPTCHA on (hCaptcha's test secret) and sign-ups signed in at once.
fn with_hcaptcha(config: &mut local_auth::Config) {
    config.enable_confirmations = false;
    config.captcha = Some(local_auth::config::Captcha {
        provider: local_auth::config::CaptchaProvider::Hcaptcha,
        secret: local_auth::captcha::HCAPTCHA_TEST_SECRET.into(),
    });
}

/// Forwarding never turns CAPTCHA off: with CAPTCHA on and the app forwarding with the secret key,
/// a sign-up through the app that carries no CAPTCHA token is refused by the auth server, and no
/// user is created.
#[tokio::test]
async fn forwarding_never_turns_captcha_off() {
    let app = TestApp::spawn_behind_proxy(true, with_hcaptcha).await;
    let user = email("no-captcha");

    let refused = sign_up(
        &app.client,
        &format!("http://{}", app.app),
        Some("203.0.113.44"),
        &user,
    )
    .await;

    assert!(set_cookies(&refused).is_empty(), "no session");
    assert_eq!(
        app.auth_calls(&reqwest::Method::POST, "/auth/v1/signup"),
        1,
        "the auth server was asked, and refused"
    );
    let users: serde_json::Value = app
        .auth_request(reqwest::Method::GET, "/admin/users")
        .bearer_auth(&app.secret_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let emails: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|user| user["email"].as_str())
        .collect();
    assert!(!emails.contains(&user.as_str()), "{emails:?}");
}

/// The CAPTCHA widget's answer in a form (`h-captcha-response`, as hCaptcha's widget names it)
/// goes with the call to the auth server, which lets the sign-up and the password sign-in
/// through; a wrong answer is refused with the form's sentence.
#[tokio::test]
async fn a_captcha_answer_in_the_form_reaches_the_auth_server() {
    let app = TestApp::spawn_behind_proxy(true, with_hcaptcha).await;
    let base = format!("http://{}", app.app);
    let user = email("captcha");
    let post = |path: &str, fields: Vec<(&str, &str)>| {
        app.client
            .post(format!("{base}{path}"))
            .header("origin", &base)
            .form(&fields)
            .send()
    };
    let token = local_auth::captcha::HCAPTCHA_TEST_TOKEN;

    let signed_up = post(
        "/api/auth/sign-up",
        vec![
            ("email", &user),
            ("password", "correct horse"),
            ("password_repeat", "correct horse"),
            ("h-captcha-response", token),
        ],
    )
    .await
    .unwrap();
    let wrong = post(
        "/api/auth/sign-in",
        vec![
            ("email", &user),
            ("password", "correct horse"),
            ("h-captcha-response", "not-the-answer"),
        ],
    )
    .await
    .unwrap();
    let signed_in = post(
        "/api/auth/sign-in",
        vec![
            ("email", &user),
            ("password", "correct horse"),
            ("h-captcha-response", token),
        ],
    )
    .await
    .unwrap();

    assert!(!set_cookies(&signed_up).is_empty(), "signed up and in");
    assert_eq!(wrong.status(), reqwest::StatusCode::BAD_REQUEST);
    let refused = wrong.text().await.unwrap();
    assert!(refused.contains("CaptchaFailed"), "{refused}");
    assert!(!set_cookies(&signed_in).is_empty(), "signed in");
}
