//! The session layer end to end against local-auth: cookies in, refresh before render, cookies
//! out; the auth routes that set them; the cross-site check.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use supabase_ssr::{PkceVerifier, Session, cookie};

use crate::auth_app::{TestApp, browser_cookie_header, email, session_in, set_cookies};

/// local-auth issuing tokens that live less than the 90 s refresh margin, so every request with
/// a session refreshes it.
async fn app_with_short_tokens() -> TestApp {
    TestApp::spawn_with(|config| config.jwt_expiry = 30).await
}

async fn body(response: reqwest::Response) -> String {
    response.text().await.unwrap()
}

fn assert_no_store(response: &reqwest::Response) {
    let headers = response.headers();
    assert_eq!(
        headers["cache-control"],
        "private, no-cache, no-store, must-revalidate, max-age=0"
    );
    assert_eq!(headers["expires"], "0");
    assert_eq!(headers["pragma"], "no-cache");
}

#[tokio::test]
async fn a_valid_session_cookie_renders_the_page_signed_in_without_calling_the_auth_server() {
    let app = TestApp::spawn().await;
    let address = email("valid");
    let session = app.signed_in_user(&address).await;

    let response = app.get("/", &app.cookie_header(&session)).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty());
    // The page names the user: no shared cache may keep it.
    assert_no_store(&response);
    let html = body(response).await;
    assert!(html.contains(&format!("Signed in as {address}")), "{html}");
    assert_eq!(app.refresh_calls(), 0);
}

#[tokio::test]
async fn without_cookies_the_page_renders_signed_out() {
    let app = TestApp::spawn().await;

    let response = app.get("/", "").await;

    assert!(response.headers().get("cache-control").is_none());
    let html = body(response).await;
    assert!(html.contains("Not signed in"), "{html}");
}

#[tokio::test]
async fn an_expiring_session_is_refreshed_before_render_with_new_cookies_and_no_store() {
    let app = app_with_short_tokens().await;
    let address = email("expiring");
    let session = app.signed_in_user(&address).await;

    let response = app.get("/", &app.cookie_header(&session)).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_no_store(&response);
    let set = set_cookies(&response);
    assert_eq!(set.len(), 1, "{set:?}");
    assert!(set[0].starts_with(&format!("{}=base64-", app.cookie_key())));
    assert!(set[0].ends_with("; Max-Age=34560000; Path=/; SameSite=Lax"));
    let fresh = session_in(&browser_cookie_header(&set), &app.cookie_key()).unwrap();
    assert_ne!(
        fresh.refresh_token.expose_secret(),
        session.refresh_token.expose_secret()
    );
    assert!(fresh.expires_at.is_some());
    assert!(
        body(response)
            .await
            .contains(&format!("Signed in as {address}"))
    );
    assert_eq!(app.refresh_calls(), 1);
}

#[tokio::test]
async fn fifty_concurrent_requests_with_one_expiring_session_share_one_refresh() {
    let app = app_with_short_tokens().await;
    let address = email("stampede");
    let session = app.signed_in_user(&address).await;
    let cookies = app.cookie_header(&session);

    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (client, url, cookies) = (app.client.clone(), app.url("/"), cookies.clone());
        requests.spawn(async move {
            let response = client
                .get(url)
                .header("cookie", cookies)
                .send()
                .await
                .unwrap();
            let set = set_cookies(&response);
            (set, response.text().await.unwrap())
        });
    }
    let answers = requests.join_all().await;

    assert_eq!(app.refresh_calls(), 1);
    let signed_in = format!("Signed in as {address}");
    assert!(answers.iter().all(|(_, html)| html.contains(&signed_in)));
    let first = &answers[0].0;
    assert_eq!(first.len(), 1);
    assert!(
        answers.iter().all(|(set, _)| set == first),
        "every answer carries the same new session"
    );
}

#[tokio::test]
async fn a_large_session_in_chunks_is_read_and_rewritten_in_chunks() {
    let app = app_with_short_tokens().await;
    let address = email("large");
    let mut session = app.signed_in_user(&address).await;
    // Big user metadata, as stored by a client: the cookie needs several chunks.
    session.user.user_metadata = json!({ "bio": "x".repeat(7_000) });
    let cookies = app.cookie_header(&session);
    assert!(cookies.contains(".2="), "{cookies}");

    let response = app.get("/", &cookies).await;

    let set = set_cookies(&response);
    assert!(set.len() >= 3, "{set:?}");
    assert!(
        body(response)
            .await
            .contains(&format!("Signed in as {address}"))
    );
}

#[tokio::test]
async fn when_the_auth_server_is_down_a_still_valid_token_keeps_the_user_signed_in() {
    let mut app = TestApp::spawn_with(|config| config.jwt_expiry = 120).await;
    let address = email("down-valid");
    let session = app.signed_in_user(&address).await;
    // Warm the key cache, as any earlier request would have.
    let _ = app.get("/", &app.cookie_header(&session)).await;
    app.stop_auth().await;
    // 120 s tokens are inside the refresh margin once 30 s have passed; pretend they have.
    let mut expiring = session.clone();
    expiring.expires_at = Some(supabase_ssr::unix_now() + 60);

    let response = app.get("/", &app.cookie_header(&expiring)).await;

    assert!(set_cookies(&response).is_empty(), "the cookies are kept");
    assert!(
        body(response)
            .await
            .contains(&format!("Signed in as {address}"))
    );
}

#[tokio::test]
async fn when_the_auth_server_is_down_an_expired_session_is_kept_and_shown_as_signed_out_for_now() {
    let mut app = TestApp::spawn().await;
    let session = app.signed_in_user(&email("down-expired")).await;
    app.stop_auth().await;
    let mut expired = session.clone();
    expired.expires_at = Some(supabase_ssr::unix_now() - 10);

    let response = app.get("/", &app.cookie_header(&expired)).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty(), "the cookies are kept");
    assert!(body(response).await.contains("Signed out for now"));
}

#[tokio::test]
async fn a_revoked_session_has_its_cookies_cleared() {
    let app = app_with_short_tokens().await;
    let session = app.signed_in_user(&email("revoked")).await;
    let logout = app
        .auth_request(reqwest::Method::POST, "/logout?scope=global")
        .bearer_auth(session.access_token.expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);

    let response = app.get("/", &app.cookie_header(&session)).await;

    let set = set_cookies(&response);
    assert_eq!(set.len(), 1, "{set:?}");
    assert!(
        set[0].starts_with(&format!("{}=; Max-Age=0", app.cookie_key())),
        "{set:?}"
    );
    assert_no_store(&response);
    assert!(body(response).await.contains("Not signed in"));
}

#[tokio::test]
async fn a_session_cookie_that_does_not_decode_is_cleared() {
    let app = TestApp::spawn().await;
    let key = app.cookie_key();

    let response = app
        .get("/", &format!("{key}.0=base64-bm90IGpzb24; {key}.1=more"))
        .await;

    let mut set = set_cookies(&response);
    set.sort();
    assert_eq!(set.len(), 2, "{set:?}");
    assert!(set.iter().all(|line| line.contains("Max-Age=0")));
    assert!(body(response).await.contains("Not signed in"));
}

#[tokio::test]
async fn a_token_signed_by_someone_else_is_not_trusted() {
    let app = TestApp::spawn().await;
    let mut session = app.signed_in_user(&email("forged")).await;
    // Keep the header and claims, break the signature.
    let token = session.access_token.expose_secret().to_owned();
    let (unsigned, _) = token.rsplit_once('.').unwrap();
    session.access_token = supabase_ssr::AccessToken::new(format!("{unsigned}.AAAA"));

    let response = app.get("/", &app.cookie_header(&session)).await;

    // The signature fails: the token was not issued by this project, so its refresh token is
    // not even tried (finding 4: made-up cookies must cost no auth-server call), and the cookies
    // are cleared.
    let set = set_cookies(&response);
    assert!(!set.is_empty());
    assert!(set.iter().all(|line| line.contains("Max-Age=0")), "{set:?}");
    assert!(body(response).await.contains("Not signed in"));
    assert_eq!(app.refresh_calls(), 0);
}

#[tokio::test]
async fn a_confirmation_link_sets_the_session_and_redirects_to_next() {
    let app = TestApp::spawn().await;
    let address = email("confirm");
    app.sign_up(&address, "correct horse").await;
    let link = app.latest_mail_link(&address).await;
    let path = link.trim_start_matches(&format!("http://{}", app.app));
    assert!(path.starts_with("/auth/confirm?token_hash="), "{link}");

    let response = app.get(path, "").await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/");
    assert_no_store(&response);
    let cookies = browser_cookie_header(&set_cookies(&response));
    let session = session_in(&cookies, &app.cookie_key()).expect("a session cookie");
    assert_eq!(session.user.email.as_deref(), Some(address.as_str()));
    let html = body(app.get("/", &cookies).await).await;
    assert!(html.contains(&format!("Signed in as {address}")));
}

#[tokio::test]
async fn a_recovery_link_signs_in_and_goes_to_the_update_password_page() {
    let app = TestApp::spawn().await;
    let address = email("recovery");
    app.signed_in_user(&address).await;
    let recover = app
        .auth_request(reqwest::Method::POST, "/recover")
        .json(&json!({ "email": address }))
        .send()
        .await
        .unwrap();
    assert_eq!(recover.status(), StatusCode::OK);
    let link = app.latest_mail_link(&address).await;
    let path = link.trim_start_matches(&format!("http://{}", app.app));
    assert!(path.contains("type=recovery"), "{link}");

    let response = app.get(path, "").await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/auth/update-password");
    let cookies = browser_cookie_header(&set_cookies(&response));
    let session = session_in(&cookies, &app.cookie_key()).expect("a recovery session");
    assert_eq!(session.user.email.as_deref(), Some(address.as_str()));
}

#[tokio::test]
async fn a_used_or_bad_confirmation_link_leads_to_the_error_page_with_its_code() {
    let app = TestApp::spawn().await;

    let bad = app
        .get("/auth/confirm?token_hash=nope&type=signup", "")
        .await;
    let incomplete = app.get("/auth/confirm?type=signup", "").await;

    assert_eq!(bad.status(), StatusCode::SEE_OTHER);
    assert_eq!(bad.headers()["location"], "/auth/error?code=otp_expired");
    assert!(set_cookies(&bad).is_empty());
    assert_eq!(
        incomplete.headers()["location"],
        "/auth/error?code=validation_failed"
    );
    let page = body(app.get("/auth/error?code=otp_expired", "").await).await;
    assert!(
        page.contains("This link has expired or was already used."),
        "{page}"
    );
}

/// Starts a magic-link PKCE flow for `address` and follows the mail's `/verify` link; returns
/// the app URL local-auth redirected to (with `?code=`).
async fn pkce_code(app: &TestApp, address: &str, verifier: &PkceVerifier, next: &str) -> String {
    app.sign_up(address, "correct horse").await;
    let confirm = app.latest_mail_link(address).await;
    assert_eq!(
        app.client.get(confirm).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );

    let redirect_to = app.url(&format!("/auth/callback?next={next}"));
    let response = app
        .auth_request(reqwest::Method::POST, "/otp")
        .query(&[("redirect_to", redirect_to.as_str())])
        .json(&json!({
            "email": address,
            "code_challenge": verifier.challenge().as_str(),
            "code_challenge_method": "s256",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let link = app.latest_mail_link(address).await;
    let verify = app.client.get(link).send().await.unwrap();
    assert_eq!(verify.status(), StatusCode::SEE_OTHER);
    verify.headers()["location"].to_str().unwrap().to_owned()
}

fn verifier_cookie(app: &TestApp, verifier: &PkceVerifier) -> String {
    let set = cookie::write_verifier(
        &app.cookie_key(),
        verifier,
        false,
        &cookie::CookieOptions::default(),
    );
    browser_cookie_header(&[set.to_string()])
}

#[tokio::test]
async fn the_callback_exchanges_the_code_with_the_verifier_cookie_and_deletes_it() {
    let app =
        TestApp::spawn_with(|config| config.email_links = local_auth::EmailLinks::Verify).await;
    let address = email("pkce");
    let verifier = PkceVerifier::generate();
    let cookies = verifier_cookie(&app, &verifier);
    let callback = pkce_code(&app, &address, &verifier, "/protected").await;
    let path = callback.trim_start_matches(&format!("http://{}", app.app));
    assert!(path.starts_with("/auth/callback?"), "{callback}");

    let response = app.get(path, &cookies).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/protected");
    let set = set_cookies(&response);
    let verifier_name = cookie::verifier_key(&app.cookie_key());
    assert!(
        set.iter()
            .any(|line| line.starts_with(&format!("{verifier_name}=; Max-Age=0")))
    );
    let session: Session = session_in(&browser_cookie_header(&set), &app.cookie_key()).unwrap();
    assert_eq!(session.user.email.as_deref(), Some(address.as_str()));
}

#[tokio::test]
async fn the_callback_with_a_mismatched_verifier_goes_to_the_error_page_and_sets_no_session() {
    let app =
        TestApp::spawn_with(|config| config.email_links = local_auth::EmailLinks::Verify).await;
    let verifier = PkceVerifier::generate();
    let callback = pkce_code(&app, &email("mismatch"), &verifier, "/").await;
    let path = callback.trim_start_matches(&format!("http://{}", app.app));

    let response = app
        .get(path, &verifier_cookie(&app, &PkceVerifier::generate()))
        .await;

    assert_eq!(
        response.headers()["location"],
        "/auth/error?code=bad_code_verifier"
    );
    let set = set_cookies(&response);
    assert_eq!(set.len(), 1, "only the verifier is deleted: {set:?}");
    assert!(set[0].contains("-code-verifier=; Max-Age=0"));
}

#[tokio::test]
async fn a_recovery_flow_through_the_callback_goes_to_the_update_password_page() {
    let app =
        TestApp::spawn_with(|config| config.email_links = local_auth::EmailLinks::Verify).await;
    let address = email("pkce-recovery");
    app.signed_in_user(&address).await;
    let verifier = PkceVerifier::generate();
    let recover = app
        .auth_request(reqwest::Method::POST, "/recover")
        .query(&[("redirect_to", app.url("/auth/callback").as_str())])
        .json(&json!({
            "email": address,
            "code_challenge": verifier.challenge().as_str(),
            "code_challenge_method": "s256",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(recover.status(), StatusCode::OK);
    let set = cookie::write_verifier(
        &app.cookie_key(),
        &verifier,
        true,
        &cookie::CookieOptions::default(),
    );
    let cookies = browser_cookie_header(&[set.to_string()]);
    let link = app.latest_mail_link(&address).await;
    let verified = app.client.get(link).send().await.unwrap();
    let callback = verified.headers()["location"].to_str().unwrap().to_owned();
    let path = callback.trim_start_matches(&format!("http://{}", app.app));

    let response = app.get(path, &cookies).await;

    assert_eq!(response.headers()["location"], "/auth/update-password");
    let session = session_in(
        &browser_cookie_header(&set_cookies(&response)),
        &app.cookie_key(),
    );
    assert!(session.is_some());
}

#[tokio::test]
async fn the_callback_without_a_verifier_cookie_goes_to_the_error_page() {
    let app = TestApp::spawn().await;

    let response = app
        .get(
            "/auth/callback?code=4a0e7c2e-0000-4000-8000-000000000000",
            "",
        )
        .await;

    assert_eq!(
        response.headers()["location"],
        "/auth/error?code=pkce_code_verifier_not_found"
    );
    assert!(set_cookies(&response).is_empty());
}

#[tokio::test]
async fn the_callback_never_redirects_off_the_site() {
    let app =
        TestApp::spawn_with(|config| config.email_links = local_auth::EmailLinks::Verify).await;
    for next in ["//evil.example", "/.//evil.example", "/a/..//evil.example"] {
        let verifier = PkceVerifier::generate();
        let cookies = verifier_cookie(&app, &verifier);
        let callback = pkce_code(&app, &email("offsite"), &verifier, next).await;
        let path = callback.trim_start_matches(&format!("http://{}", app.app));

        let response = app.get(path, &cookies).await;

        assert_eq!(response.headers()["location"], "/", "{next}");
    }
}

#[tokio::test]
async fn an_error_from_the_provider_is_shown_with_its_code() {
    let app = TestApp::spawn().await;

    let response = app
        .get(
            "/auth/callback?error=access_denied&error_description=denied",
            "",
        )
        .await;

    assert_eq!(
        response.headers()["location"],
        "/auth/error?code=access_denied"
    );
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_same_origin_ones_pass() {
    let app = TestApp::spawn().await;
    let post = |site: &'static str, origin: String| {
        app.client
            .post(app.url("/api/health"))
            .header("sec-fetch-site", site)
            .header("origin", origin)
            .form(&[("", ""); 0])
            .send()
    };

    let cross = post("cross-site", "https://evil.example".into())
        .await
        .unwrap();
    let same = post("same-origin", format!("http://{}", app.app))
        .await
        .unwrap();
    let forged_origin = app
        .client
        .post(app.url("/api/health"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();

    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    assert_eq!(same.status(), StatusCode::OK);
    assert_eq!(forged_origin.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_stalled_auth_server_does_not_hang_the_page() {
    // Something accepts connections but never answers.
    let stalled = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stalled_addr = stalled.local_addr().unwrap();
    let _hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = stalled.accept().await {
            held.push(socket);
        }
    });
    let state = crate::helpers::state_for(server::AuthEndpoint::new(
        format!("http://{stalled_addr}"),
        "sb_publishable_test",
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::run(listener, state, std::future::pending()));
    let key = cookie::storage_key(&format!("http://{stalled_addr}").parse().unwrap());
    // An expired ES256 token (`kid` "k"), so checking whether it is ours needs the JWKS.
    let token = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xL2F1dGgvdjEi\
                 LCJzdWIiOiJ1IiwiYXVkIjoiYXV0aGVudGljYXRlZCIsImV4cCI6MSwiaWF0IjowLCJyb2xlIjoiYXV0aG\
                 VudGljYXRlZCJ9.c2ln";
    let session: Session = serde_json::from_value(json!({
        "access_token": token, "expires_in": 3600,
        "expires_at": 1, "refresh_token": "abcdefghijkl", "user": {"id": "u"}
    }))
    .unwrap();
    let set = cookie::write_session(&key, &session, &Default::default(), &Default::default());

    let response = tokio::time::timeout(
        Duration::from_secs(30),
        crate::helpers::http_client()
            .get(format!("http://{addr}/"))
            .header("cookie", browser_cookie_header(&[set[0].to_string()]))
            .send(),
    )
    .await
    .expect("the page answers once the auth call times out")
    .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Signed out for now")
    );
}
