//! The app as the consent page of its project's OAuth 2.1 server, without JavaScript: an
//! application sends the browser to local-auth's `/oauth/authorize`, which sends it to
//! `/oauth/consent`; the page names the application, the plain forms decide, the browser goes
//! back to the application with a code; `/account` lists and revokes. And what must not work: a
//! decision posted from another site, someone else's request, an application's token as the
//! site's session.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use url::Url;

use crate::auth_app::{TestApp, email, set_cookies};

const REDIRECT: &str = "https://client.example/callback";
const VERIFIER: &str = "an-example-clients-verifier-of-forty-three-characters";

async fn with_server() -> TestApp {
    TestApp::spawn_with(|config| config.oauth_server.enabled = true).await
}

/// Registers a confidential client named `name`; returns it with its secret.
async fn register(app: &TestApp, name: &str) -> Value {
    let response = app
        .auth_request(Method::POST, "/admin/oauth/clients")
        .bearer_auth(&app.secret_key)
        .json(&json!({ "client_name": name, "redirect_uris": [REDIRECT] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// What the application sends the browser to; the consent page's path and query it lands on.
async fn authorize(app: &TestApp, client: &Value) -> String {
    let verifier = supabase_ssr::PkceVerifier::from_stored(VERIFIER).unwrap();
    let challenge = verifier.challenge().as_str().to_owned();
    let response = app
        .client
        .get(format!("http://{}/auth/v1/oauth/authorize", app.auth))
        .query(&[
            ("client_id", client["client_id"].as_str().unwrap()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid email"),
            ("state", "app-state"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let consent = location(&response);
    let consent = Url::parse(&consent).unwrap();
    assert_eq!(
        consent.origin(),
        Url::parse(&app.url("/")).unwrap().origin()
    );
    assert_eq!(consent.path(), app::routes::path::OAUTH_CONSENT);
    format!("{}?{}", consent.path(), consent.query().unwrap())
}

fn location(response: &Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

fn param(url: &str, name: &str) -> Option<String> {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// A decision posted by the consent page's plain form.
async fn decide(app: &TestApp, cookies: &str, consent_path: &str, decision: &str) -> Response {
    let id = param(&app.url(consent_path), "authorization_id").unwrap();
    app.post("/api/oauth/consent", cookies)
        .header("accept", "text/html")
        .form(&[("authorization_id", id.as_str()), ("decision", decision)])
        .send()
        .await
        .unwrap()
}

/// The application's exchange of `code` with its secret and verifier: the tokens.
async fn exchange(app: &TestApp, client: &Value, code: &str) -> Value {
    let response = app
        .client
        .post(format!("http://{}/auth/v1/oauth/token", app.auth))
        .basic_auth(
            client["client_id"].as_str().unwrap(),
            client["client_secret"].as_str(),
        )
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The signed-in browser's cookies.
async fn signed_in(app: &TestApp, name: &str) -> String {
    let session = app.signed_in_user(&email(name)).await;
    app.cookie_header(&session)
}

#[tokio::test]
async fn the_consent_page_asks_approves_and_sends_the_browser_back_with_a_code() {
    let app = with_server().await;
    let client = register(&app, "Example Calendar").await;
    let cookies = signed_in(&app, "consent").await;
    let consent = authorize(&app, &client).await;

    let page = app.get(&consent, &cookies).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Example Calendar"), "{html}");
    assert!(
        html.contains("client.example"),
        "the redirect host is named"
    );
    assert!(html.contains("See your email address") && html.contains("Confirm who you are"));
    assert!(
        html.contains(r#"data-decision="approve""#) && html.contains(r#"data-decision="deny""#)
    );

    let approved = decide(&app, &cookies, &consent, "approve").await;
    assert!(approved.status().is_redirection(), "{}", approved.status());
    let back = location(&approved);
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(param(&back, "state").as_deref(), Some("app-state"));
    let code = param(&back, "code").unwrap();

    // The application exchanges the code with its secret and verifier.
    let tokens = exchange(&app, &client, &code).await;
    assert!(tokens["id_token"].is_string());

    // The same request again is answered: nothing decided twice.
    let again = app.get(&consent, &cookies).await;
    let html = again.text().await.unwrap();
    assert!(html.contains("already answered"), "{html}");
    let twice = decide(&app, &cookies, &consent, "approve").await;
    let to = location(&twice);
    assert!(
        !to.starts_with(REDIRECT),
        "a second decision goes nowhere: {to}"
    );

    // A later request asking no more is approved at once: the page a browser opens (asking for
    // HTML) is a redirect back.
    let later = authorize(&app, &client).await;
    let page = app
        .client
        .get(app.url(&later))
        .header("cookie", &cookies)
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert!(page.status().is_redirection(), "{}", page.status());
    assert!(location(&page).starts_with(REDIRECT));
    assert!(param(&location(&page), "code").is_some());
}

#[tokio::test]
async fn denying_sends_the_application_a_refusal_and_grants_nothing() {
    let app = with_server().await;
    let client = register(&app, "Example Mail").await;
    let cookies = signed_in(&app, "consent-deny").await;
    let consent = authorize(&app, &client).await;
    assert_eq!(app.get(&consent, &cookies).await.status(), StatusCode::OK);
    let denied = decide(&app, &cookies, &consent, "deny").await;
    let back = location(&denied);
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    assert!(param(&back, "code").is_none());
    let account = app.get("/account", &cookies).await.text().await.unwrap();
    assert!(
        account.contains("No application uses your account"),
        "{account}"
    );
}

#[tokio::test]
async fn signed_out_visitors_sign_in_first_and_come_back() {
    let app = with_server().await;
    let client = register(&app, "Example").await;
    let consent = authorize(&app, &client).await;
    let page = app.get(&consent, "").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let to = location(&page);
    assert!(to.starts_with(app::routes::path::LOGIN), "{to}");
    let next = param(&app.url(&to), "next").unwrap();
    assert_eq!(next, consent, "back to the same request after signing in");
}

#[tokio::test]
async fn a_request_that_is_not_the_visitors_grants_nothing() {
    let app = with_server().await;
    let client = register(&app, "Example").await;
    let owner = signed_in(&app, "consent-owner").await;
    let other = signed_in(&app, "consent-other").await;
    let consent = authorize(&app, &client).await;
    assert_eq!(app.get(&consent, &owner).await.status(), StatusCode::OK);

    for (path, who) in [
        (consent.clone(), &other),
        (
            "/oauth/consent?authorization_id=unknown0000".to_owned(),
            &owner,
        ),
        (
            "/oauth/consent?authorization_id=..%2F..%2Fadmin".to_owned(),
            &owner,
        ),
        ("/oauth/consent".to_owned(), &owner),
    ] {
        let html = app.get(&path, who).await.text().await.unwrap();
        assert!(html.contains("not yours"), "{path}: {html}");
    }
    let intruder = decide(&app, &other, &consent, "approve").await;
    assert!(!location(&intruder).starts_with(REDIRECT));

    // Posted from another site (a hidden form there), the decision never reaches the auth server.
    let id = param(&app.url(&consent), "authorization_id").unwrap();
    let cross_site = app
        .client
        .post(app.url("/api/oauth/consent"))
        .header("cookie", &owner)
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .header("accept", "text/html")
        .form(&[("authorization_id", id.as_str()), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    // Still pending: the owner decides.
    let html = app.get(&consent, &owner).await.text().await.unwrap();
    assert!(html.contains(r#"data-decision="approve""#), "{html}");
}

#[tokio::test]
async fn the_account_page_lists_allowed_applications_and_takes_access_back() {
    let app = with_server().await;
    let client = register(&app, "Example Notes").await;
    let cookies = signed_in(&app, "consent-account").await;
    let consent = authorize(&app, &client).await;
    assert_eq!(app.get(&consent, &cookies).await.status(), StatusCode::OK);
    decide(&app, &cookies, &consent, "approve").await;

    let account = app.get("/account", &cookies).await.text().await.unwrap();
    assert!(account.contains("Example Notes"), "{account}");
    assert!(account.contains("openid, email"), "{account}");
    let revoked = app
        .post("/api/account/revoke-app", &cookies)
        .header("accept", "text/html")
        .form(&[("client_id", client["client_id"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&revoked), "/account?done=app-removed");
    let account = app.get("/account", &cookies).await.text().await.unwrap();
    assert!(!account.contains("Example Notes"), "{account}");
    assert!(account.contains("No application uses your account"));
}

#[tokio::test]
async fn an_applications_token_is_never_the_sites_session() {
    let app = with_server().await;
    let client = register(&app, "Example").await;
    let address = email("consent-token");
    let own = app.signed_in_user(&address).await;
    let cookies = app.cookie_header(&own);
    let consent = authorize(&app, &client).await;
    assert_eq!(app.get(&consent, &cookies).await.status(), StatusCode::OK);
    let code = param(
        &location(&decide(&app, &cookies, &consent, "approve").await),
        "code",
    )
    .unwrap();
    let mut tokens = exchange(&app, &client, &code).await;
    // The session shape the app's cookie holds: the client's tokens and the user.
    tokens["user"] = serde_json::to_value(&own.user).unwrap();
    tokens["expires_at"] = json!(supabase_ssr::unix_now() + 3600);
    let tokens: supabase_ssr::Session = serde_json::from_value(tokens).unwrap();
    let planted = app.cookie_header(&tokens);
    let page = app.get("/protected", &planted).await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER, "signed out");
    assert!(
        set_cookies(&page)
            .iter()
            .any(|cookie| cookie.contains("Max-Age=0")),
        "the planted cookie is cleared"
    );
    // The user's own session is unaffected.
    assert_eq!(
        app.get("/protected", &cookies).await.status(),
        StatusCode::OK
    );
}

#[test]
fn the_config_files_consent_path_is_the_apps_page() {
    let config: toml::Table = toml::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../supabase/config.toml"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        config["auth"]["oauth_server"]["authorization_url_path"].as_str(),
        Some(app::routes::path::OAUTH_CONSENT)
    );
}
