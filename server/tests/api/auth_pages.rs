//! The auth pages' server side: the protected-page guard and the form posts a browser without
//! JavaScript makes (plain `application/x-www-form-urlencoded`, answered with redirects).

use reqwest::StatusCode;

use crate::auth_app::{
    TestApp, browser_cookie_header, email, grant_role, session_in, set_cookies, with_roles_hook,
};

/// Posts `fields` to the server function at `path` the way an HTML form does.
async fn post_form(
    app: &TestApp,
    path: &str,
    referer: &str,
    cookies: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post(path, cookies)
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", app.url(referer))
        .form(fields)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_protected_page_redirects_signed_out_visitors_to_sign_in_with_next() {
    let app = TestApp::spawn().await;

    let response = app.get("/protected?tab=1", "").await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/auth/login?next=%2Fprotected%3Ftab%3D1"
    );
}

#[tokio::test]
async fn the_protected_page_shows_the_verified_claims() {
    let app = TestApp::spawn().await;
    let address = email("claims");
    let session = app.signed_in_user(&address).await;

    let response = app.get("/protected", &app.cookie_header(&session)).await;

    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains(&address), "{html}");
    assert!(html.contains(&session.user.id), "{html}");
    assert!(html.contains("aal1"), "{html}");
}

#[tokio::test]
async fn a_form_sign_in_sets_the_session_and_redirects_to_next() {
    let app = TestApp::spawn().await;
    let address = email("form-sign-in");
    app.signed_in_user(&address).await;

    let response = post_form(
        &app,
        "/api/auth/sign-in",
        "/auth/login?next=/protected",
        "",
        &[
            ("email", &address),
            ("password", "correct horse"),
            ("next", "/protected"),
        ],
    )
    .await;

    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/protected");
    let cookies = browser_cookie_header(&set_cookies(&response));
    let session = session_in(&cookies, &app.cookie_key()).expect("a session cookie");
    assert_eq!(session.user.email.as_deref(), Some(address.as_str()));
    assert_eq!(
        response.headers()["cache-control"],
        "private, no-cache, no-store, must-revalidate, max-age=0"
    );
}

#[tokio::test]
async fn a_form_sign_in_with_a_wrong_password_goes_back_with_the_error_and_sets_nothing() {
    let app = TestApp::spawn().await;
    let address = email("form-wrong");
    app.signed_in_user(&address).await;

    let response = post_form(
        &app,
        "/api/auth/sign-in",
        "/auth/login",
        "",
        &[("email", &address), ("password", "not it"), ("next", "/")],
    )
    .await;

    assert!(response.status().is_redirection());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains("/auth/login?") && location.contains("__err="),
        "{location}"
    );
    assert!(set_cookies(&response).is_empty());
    let page = app
        .get(
            location.trim_start_matches(&format!("http://{}", app.app)),
            "",
        )
        .await;
    let html = page.text().await.unwrap();
    assert!(
        html.contains("That email and password do not match an account."),
        "{html}"
    );
}

#[tokio::test]
async fn a_form_sign_in_never_redirects_off_the_site() {
    let app = TestApp::spawn().await;
    let address = email("form-next");
    app.signed_in_user(&address).await;

    for next in [
        "https://evil.example/",
        "/.//evil.example",
        "/..//evil.example",
        "/%2e//evil.example",
        "/a/..//evil.example",
        "/\\evil.example",
    ] {
        let response = post_form(
            &app,
            "/api/auth/sign-in",
            "/auth/login",
            "",
            &[
                ("email", &address),
                ("password", "correct horse"),
                ("next", next),
            ],
        )
        .await;

        assert_eq!(response.headers()["location"], "/", "{next}");
    }
}

#[tokio::test]
async fn a_form_sign_out_deletes_every_auth_cookie() {
    let app = TestApp::spawn().await;
    let session = app.signed_in_user(&email("form-sign-out")).await;
    let cookies = app.cookie_header(&session);

    let response = post_form(&app, "/api/auth/sign-out", "/", &cookies, &[]).await;

    assert_eq!(response.headers()["location"], "/?signed-out=1");
    let set = set_cookies(&response);
    assert!(!set.is_empty());
    assert!(set.iter().all(|line| line.contains("Max-Age=0")), "{set:?}");
    let refresh = app
        .auth_request(reqwest::Method::POST, "/token?grant_type=refresh_token")
        .json(&serde_json::json!({ "refresh_token": session.refresh_token.expose_secret() }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refresh.status(),
        StatusCode::BAD_REQUEST,
        "the session ended on the server"
    );
}

#[tokio::test]
async fn the_account_page_renders_for_a_signed_in_user() {
    let app = TestApp::spawn().await;
    let address = email("account-page");
    let session = app.signed_in_user(&address).await;

    let response = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        app.get("/account", &app.cookie_header(&session)),
    )
    .await
    .expect("the page renders");

    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    assert!(body.contains(&address), "{body}");
    assert!(body.contains("Save the profile"), "{body}");
}

#[tokio::test]
async fn a_password_change_needs_the_mailed_code_when_the_project_asks_for_it() {
    let app = TestApp::spawn_with(|config| config.secure_password_change = true).await;
    let address = email("secure-change");
    let session = app.signed_in_user(&address).await;
    let cookies = app.cookie_header(&session);
    let new_password = "a new long password";
    let location = |response: &reqwest::Response| {
        response.headers()["location"]
            .to_str()
            .unwrap()
            .trim_start_matches(&format!("http://{}", app.app))
            .to_owned()
    };
    let change = |code: &'static str| {
        [
            ("password", new_password),
            ("password_repeat", new_password),
            ("code", code),
        ]
    };

    let without = post_form(
        &app,
        "/api/account/password",
        "/account",
        &cookies,
        &change(""),
    )
    .await;
    let back = location(&without);
    assert!(
        back.starts_with("/account?") && back.contains("__err="),
        "{back}"
    );
    let page = app.get(&back, &cookies).await.text().await.unwrap();
    assert!(
        page.contains("Changing your password needs a code"),
        "{page}"
    );

    let sent = post_form(
        &app,
        "/api/account/reauthenticate",
        "/account",
        &cookies,
        &[],
    )
    .await;
    assert_eq!(location(&sent), "/account?done=code");
    let mail = app.latest_mail_text(&address).await;
    let (_, after) = mail
        .split_once("enter the code: ")
        .expect("the mail has a code");
    let code: String = after.chars().take_while(char::is_ascii_digit).collect();
    let fields = [
        ("password", new_password),
        ("password_repeat", new_password),
        ("code", code.as_str()),
    ];
    let with = post_form(&app, "/api/account/password", "/account", &cookies, &fields).await;
    assert_eq!(location(&with), "/account?done=password");

    let signed_in = app
        .auth_request(reqwest::Method::POST, "/token?grant_type=password")
        .json(&serde_json::json!({ "email": address, "password": new_password }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::OK);
}

#[tokio::test]
async fn signed_in_users_opening_sign_in_or_sign_up_go_on_to_next() {
    let app = TestApp::spawn().await;
    let session = app.signed_in_user(&email("already")).await;
    let cookie = app.cookie_header(&session);

    let login = app.get("/auth/login?next=%2Faccount", &cookie).await;
    let sign_up = app.get("/auth/sign-up", &cookie).await;
    let hostile = app
        .get("/auth/login?next=%2F.%2F%2Fevil.example", &cookie)
        .await;

    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    assert_eq!(login.headers()["location"], "/account");
    assert_eq!(sign_up.headers()["location"], "/protected");
    assert_eq!(hostile.headers()["location"], "/");
    assert_eq!(app.get("/auth/login", "").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_code_page_sends_users_without_a_second_factor_on_to_next() {
    let app = TestApp::spawn().await;
    let session = app.signed_in_user(&email("no-factor")).await;

    let signed_in = app
        .get("/auth/mfa?next=%2Faccount", &app.cookie_header(&session))
        .await;
    let signed_out = app.get("/auth/mfa", "").await;

    assert_eq!(signed_in.headers()["location"], "/account");
    assert_eq!(
        signed_out.headers()["location"],
        "/auth/login?next=%2Fauth%2Fmfa"
    );
}

#[tokio::test]
async fn pages_that_send_mail_link_the_development_mailbox_while_local_auth_runs() {
    use tower::ServiceExt;

    let mut auth = server::AuthEndpoint::new("http://127.0.0.1:9", "sb_publishable_test");
    let project = server::router(crate::helpers::state_for(auth.clone()));
    auth.mailbox = Some("http://127.0.0.1:24324".into());
    let embedded = server::router(crate::helpers::state_for(auth));
    let page = |router: axum::Router| async move {
        let response = router
            .oneshot(
                axum::http::Request::get("/auth/sign-up-success")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        crate::helpers::body_text(response).await
    };

    let with_local_auth = page(embedded).await;
    let with_a_project = page(project).await;

    assert!(
        with_local_auth.contains(r#"href="http://127.0.0.1:24324""#),
        "{with_local_auth}"
    );
    assert!(
        !with_a_project.contains("development mailbox"),
        "{with_a_project}"
    );
}

/// A page the route table gives to a role (`/admin`, `user_role: admin`) opens for a token that
/// carries the role and answers 403 with the forbidden page to every other complete session; its
/// server function refuses the same way.
#[tokio::test]
async fn a_role_page_opens_only_for_tokens_carrying_the_role() {
    let admin = email("role-admin");
    let app = TestApp::spawn_with_database(with_roles_hook).await;
    app.signed_in_user(&admin).await;
    grant_role(&admin, "admin").await;
    let admin_cookie = app.cookie_header(&app.signed_in_again(&admin).await);
    let member_cookie = app.cookie_header(&app.signed_in_user(&email("role-member")).await);

    let opened = app.get("/admin", &admin_cookie).await;
    assert_eq!(opened.status(), StatusCode::OK);
    let html = opened.text().await.unwrap();
    assert!(html.contains("user_role = admin"), "{html}");

    let refused = app.get("/admin", &member_cookie).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let html = refused.text().await.unwrap();
    assert!(html.contains(r#"data-testid="forbidden""#), "{html}");
    assert!(!html.contains("Welcome,"), "{html}");

    for (cookie, status) in [
        (&admin_cookie, StatusCode::OK),
        (&member_cookie, StatusCode::FORBIDDEN),
    ] {
        let answer = app
            .client
            .post(app.url("/api/admin"))
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), status);
    }
    let signed_out = app.get("/admin", "").await;
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
}

/// A session the auth server ends (past its time box, or idle too long) signs the user out at the
/// next page: the cookies go, the protected page sends them to sign in, and the sign-in page says
/// why.
async fn assert_ended_session_is_explained(adjust: fn(&mut local_auth::Config)) {
    let app = TestApp::spawn_with(adjust).await;
    let session = app.signed_in_user(&email("ended")).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;

    let response = app.get("/protected", &app.cookie_header(&session)).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        "/auth/login?next=%2Fprotected&ended=session_expired"
    );
    let cleared = set_cookies(&response);
    assert!(
        !cleared.is_empty() && cleared.iter().all(|line| line.contains("Max-Age=0")),
        "{cleared:?}"
    );
    let login = app.get(&location, "").await.text().await.unwrap();
    assert!(login.contains("Your session has ended"), "{login}");
    let plain = app.get("/auth/login", "").await.text().await.unwrap();
    assert!(!plain.contains("Your session has ended"));
}

#[tokio::test]
async fn a_session_past_its_timebox_is_signed_out_and_the_sign_in_page_says_why() {
    assert_ended_session_is_explained(|config| {
        config.jwt_expiry = 60;
        config.sessions.timebox = Some(1);
    })
    .await;
}

#[tokio::test]
async fn an_idle_session_is_signed_out_and_the_sign_in_page_says_why() {
    assert_ended_session_is_explained(|config| {
        config.jwt_expiry = 60;
        config.sessions.inactivity_timeout = Some(1);
    })
    .await;
}

/// The last way to sign in cannot be unlinked: the account page offers no button for it, and a
/// call made anyway gets the form's sentence (422), the identity kept.
#[tokio::test]
async fn the_last_way_to_sign_in_cannot_be_unlinked() {
    let app = TestApp::spawn_with(|config| config.enable_manual_linking = true).await;
    let session = app.signed_in_user(&email("last-identity")).await;
    let cookie = app.cookie_header(&session);
    let token = session.access_token.expose_secret().to_owned();
    let identities = || async {
        let user: serde_json::Value = app
            .auth_request(reqwest::Method::GET, "/user")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        user["identities"].as_array().cloned().unwrap_or_default()
    };
    let identity = identities().await[0]["identity_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let page = app.get("/account", &cookie).await.text().await.unwrap();
    let refused = app
        .post("/api/account/unlink", &cookie)
        .header("accept", "application/json")
        .form(&[("identity_id", identity.as_str())])
        .send()
        .await
        .unwrap();

    assert!(page.contains("Your only way to sign in"), "{page}");
    assert!(!page.contains("Unlink Email"), "{page}");
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("LastIdentity"));
    assert_eq!(identities().await.len(), 1);
}

/// The encoding a page came back in, asked for with `Accept-Encoding: br, gzip`.
async fn page_encoding(app: &TestApp, path: &str, cookies: &str) -> Option<String> {
    let mut request = app
        .client
        .get(app.url(path))
        .header("accept-encoding", "br, gzip");
    if !cookies.is_empty() {
        request = request.header("cookie", cookies);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response
        .headers()
        .get("content-encoding")
        .map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn pages_are_compressed_for_nobody_in_particular_and_never_for_a_signed_in_user() {
    let app = TestApp::spawn().await;
    let session = app.signed_in_user(&email("compressed")).await;
    let cookies = app.cookie_header(&session);

    // Signed out: the pages hold nothing of anyone's.
    for path in ["/", "/auth/login", "/auth/error?code=otp_expired"] {
        assert_eq!(
            page_encoding(&app, path, "").await.as_deref(),
            Some("gzip"),
            "{path}"
        );
    }
    // Signed in: a page that reflects its URL beside the user's address would leak the address
    // through its compressed size (BREACH), so none is compressed.
    for path in [
        "/",
        "/protected",
        "/account",
        "/auth/error?code=otp_expired",
    ] {
        assert_eq!(page_encoding(&app, path, &cookies).await, None, "{path}");
    }
    let plain = app.get("/auth/login", "").await;
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.text().await.unwrap().starts_with("<!DOCTYPE html>"));
}
