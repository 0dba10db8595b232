//! OAuth sign-in through the development identity provider: `/authorize` → the provider's page →
//! `/callback` → the app, in the PKCE and the implicit flow, with the errors upstream redirects.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use url::Url;

use crate::helpers::{TestAuth, email, error_code};

/// The app's callback, within the default site URL.
pub const APP_CALLBACK: &str = "http://127.0.0.1:3000/auth/callback";
/// A PKCE verifier and its S256 challenge.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-and-some-more-letters";

pub fn challenge() -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(VERIFIER))
}

pub async fn with_providers() -> TestAuth {
    TestAuth::spawn_with(|config| {
        config.external_providers = vec!["github".into(), "google".into()];
        config.enable_manual_linking = true;
    })
    .await
}

/// A `Location` header.
pub fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// What the browser does from the provider URL on: the sign-in page, the developer's decision,
/// the callback. Returns the final redirect into the app.
pub async fn through_provider(
    auth: &TestAuth,
    provider_url: &str,
    who: &str,
    approve: bool,
) -> Url {
    let to_callback = to_callback(auth, provider_url, who, approve).await;
    let callback = auth.client.get(&to_callback).send().await.unwrap();
    assert_eq!(callback.status(), StatusCode::FOUND);
    Url::parse(&location(&callback)).unwrap()
}

/// The provider's sign-in page and the developer's decision; returns the `/callback` URL the
/// provider sends the browser to.
pub async fn to_callback(auth: &TestAuth, provider_url: &str, who: &str, approve: bool) -> String {
    let page = auth.client.get(provider_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"email\""), "{html}");
    let url = Url::parse(provider_url).unwrap();
    let mut form: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| ["provider", "state", "redirect_uri", "scope"].contains(&key.as_ref()))
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    form.push(("email".into(), who.into()));
    form.push(("name".into(), "Octo Cat".into()));
    form.push((
        "decision".into(),
        if approve { "approve" } else { "deny" }.into(),
    ));
    let decided = auth
        .client
        .post(provider_url)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(decided.status(), StatusCode::FOUND);
    let to_callback = location(&decided);
    assert!(
        to_callback.starts_with(&auth.url("/callback?")),
        "{to_callback}"
    );
    to_callback
}

/// `GET /authorize` for `provider` in the PKCE flow; returns the provider URL it redirects to.
pub async fn authorize(auth: &TestAuth, provider: &str) -> String {
    let response = auth
        .client
        .get(auth.url("/authorize"))
        .query(&[
            ("provider", provider),
            ("redirect_to", APP_CALLBACK),
            ("code_challenge", &challenge()),
            ("code_challenge_method", "s256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    location(&response)
}

/// Exchanges the auth code of the app redirect `to`; returns the session.
pub async fn exchange(auth: &TestAuth, to: &Url) -> Value {
    let code = query(to, "code").expect("the redirect carries a code");
    let response = auth
        .post(
            "/token?grant_type=pkce",
            json!({ "auth_code": code, "code_verifier": VERIFIER }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

pub fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn claims(session: &Value) -> Value {
    jsonwebtoken::dangerous::insecure_decode_claims(session["access_token"].as_str().unwrap())
        .unwrap()
}

/// Signs in with `provider` as `who` (PKCE); returns the session.
pub async fn oauth_session(auth: &TestAuth, provider: &str, who: &str) -> Value {
    let provider_url = authorize(auth, provider).await;
    let back = through_provider(auth, &provider_url, who, true).await;
    assert!(back.as_str().starts_with(APP_CALLBACK), "{back}");
    exchange(auth, &back).await
}

#[tokio::test]
async fn a_pkce_sign_in_signs_a_new_user_up_with_the_identity() {
    let auth = with_providers().await;
    let who = email("octo");

    let provider_url = authorize(&auth, "github").await;
    assert!(
        provider_url.starts_with(&auth.url("/dev-idp/authorize?")),
        "{provider_url}"
    );
    let back = through_provider(&auth, &provider_url, &who, true).await;
    let session = exchange(&auth, &back).await;

    let user = &session["user"];
    assert_eq!(user["email"], who.as_str());
    assert_eq!(
        user["identities"][0]["identity_data"]["email_verified"], false,
        "the development provider verifies no address"
    );
    assert_eq!(
        user["app_metadata"],
        json!({ "provider": "github", "providers": ["github"] })
    );
    assert_eq!(user["user_metadata"]["full_name"], "Octo Cat");
    assert_eq!(user["identities"][0]["provider"], "github");
    assert_eq!(
        user["identities"][0]["identity_data"]["email"],
        who.as_str()
    );
    assert_eq!(claims(&session)["amr"][0]["method"], "oauth");
    assert!(
        session["provider_token"]
            .as_str()
            .unwrap()
            .starts_with("dev-idp-")
    );

    let again = oauth_session(&auth, "github", &who).await;
    assert_eq!(
        again["user"]["id"], user["id"],
        "the same identity signs in again"
    );
    assert_eq!(again["user"]["identities"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_implicit_flow_puts_the_session_in_the_fragment() {
    let auth = with_providers().await;
    let response = auth
        .client
        .get(auth.url("/authorize"))
        .query(&[("provider", "google"), ("redirect_to", APP_CALLBACK)])
        .send()
        .await
        .unwrap();
    let back = through_provider(&auth, &location(&response), &email("implicit"), true).await;

    let fragment: Vec<(String, String)> =
        url::form_urlencoded::parse(back.fragment().unwrap().as_bytes())
            .into_owned()
            .collect();
    let field = |name: &str| {
        fragment
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, v)| v.clone())
    };
    let access_token = field("access_token").expect("an access token");
    assert!(field("refresh_token").is_some());
    assert!(field("provider_token").unwrap().starts_with("dev-idp-"));
    let user: Value = auth
        .get_as("/user", &access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["app_metadata"]["provider"], "google");
}

#[tokio::test]
async fn denying_on_the_provider_page_redirects_the_providers_error_to_the_app() {
    let auth = with_providers().await;
    let provider_url = authorize(&auth, "github").await;

    let back = through_provider(&auth, &provider_url, "", false).await;

    assert!(back.as_str().starts_with(APP_CALLBACK), "{back}");
    assert_eq!(query(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        query(&back, "error_description").as_deref(),
        Some("The user denied the request")
    );
    assert_eq!(query(&back, "code"), None);
}

#[tokio::test]
async fn callbacks_with_a_missing_unknown_or_used_state_are_refused() {
    let auth = with_providers().await;
    let error_of = |response: &reqwest::Response| {
        let to = Url::parse(&location(response)).unwrap();
        (to.origin().ascii_serialization(), query(&to, "error_code"))
    };
    let site = "http://127.0.0.1:3000".to_owned();

    let missing = auth
        .client
        .get(auth.url("/callback?code=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(&missing),
        (site.clone(), Some("bad_oauth_callback".into()))
    );

    let unknown = auth
        .client
        .get(auth.url(&format!("/callback?code=x&state={}", uuid::Uuid::new_v4())))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(&unknown), (site, Some("bad_oauth_state".into())));

    // A real flow, then its callback replayed.
    let provider_url = authorize(&auth, "github").await;
    let mut form: Vec<(String, String)> = Url::parse(&provider_url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    form.extend([
        ("email".into(), email("replay")),
        ("decision".into(), "approve".into()),
    ]);
    let decided = auth
        .client
        .post(&provider_url)
        .form(&form)
        .send()
        .await
        .unwrap();
    let callback = location(&decided);
    let first = auth.client.get(&callback).send().await.unwrap();
    assert!(query(&Url::parse(&location(&first)).unwrap(), "code").is_some());
    let replayed = auth.client.get(&callback).send().await.unwrap();
    let to = Url::parse(&location(&replayed)).unwrap();
    assert!(to.as_str().starts_with(APP_CALLBACK), "{to}");
    assert_eq!(
        query(&to, "error_code").as_deref(),
        Some("flow_state_already_used")
    );
}

#[tokio::test]
async fn a_forged_provider_code_is_refused() {
    let auth = with_providers().await;
    let provider_url = authorize(&auth, "github").await;
    let state = query(&Url::parse(&provider_url).unwrap(), "state").unwrap();

    let response = auth
        .client
        .get(auth.url(&format!("/callback?code=forged&state={state}")))
        .send()
        .await
        .unwrap();

    let to = Url::parse(&location(&response)).unwrap();
    assert_eq!(
        query(&to, "error_code").as_deref(),
        Some("bad_oauth_callback")
    );
}

#[tokio::test]
async fn only_configured_providers_can_be_used() {
    let auth = with_providers().await;
    for provider in ["gitlab", "myspace", ""] {
        let response = auth
            .request(Method::GET, &format!("/authorize?provider={provider}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(response).await,
            (StatusCode::BAD_REQUEST, "validation_failed".into()),
            "{provider}"
        );
    }

    let settings: Value = auth
        .request(Method::GET, "/settings")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(settings["external"]["github"], true);
    assert_eq!(settings["external"]["google"], true);
    assert_eq!(settings["external"]["gitlab"], false);
}

#[tokio::test]
async fn the_provider_page_only_redirects_to_this_servers_callback() {
    let auth = with_providers().await;
    let provider_url = authorize(&auth, "github").await;
    let hijacked = provider_url.replace(
        &url::form_urlencoded::byte_serialize(auth.url("/callback").as_bytes()).collect::<String>(),
        "https%3A%2F%2Fevil.example%2Fcallback",
    );
    assert_ne!(hijacked, provider_url);

    let page = auth.client.get(&hijacked).send().await.unwrap();

    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
}

/// Finding 7: the development provider's addresses are unverified (anyone can type any), so an
/// identity whose address belongs to an account is refused, never linked to it: typing a victim's
/// address does not sign in as the victim, confirmed or not.
#[tokio::test]
async fn a_provider_identity_with_a_known_address_is_refused_not_linked() {
    let auth = with_providers().await;
    let confirmed = email("victim");
    let victim = auth.confirmed_user(&confirmed, "password-1").await;
    let unconfirmed = email("pending");
    let signed_up = auth
        .post(
            "/signup",
            json!({ "email": unconfirmed, "password": "pending-pw" }),
        )
        .await;
    assert_eq!(signed_up.status(), StatusCode::OK);

    for who in [&confirmed, &unconfirmed] {
        let provider_url = authorize(&auth, "github").await;
        let back = through_provider(&auth, &provider_url, who, true).await;

        assert_eq!(
            query(&back, "error_code").as_deref(),
            Some("email_exists"),
            "{who}: {back}"
        );
        assert_eq!(query(&back, "code"), None);
    }
    let again = auth.sign_in(&confirmed, "password-1").await;
    assert_eq!(again["user"]["id"], victim["user"]["id"]);
    assert_eq!(again["user"]["identities"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn no_new_users_when_sign_ups_are_off() {
    let auth = TestAuth::spawn_with(|config| {
        config.external_providers = vec!["github".into()];
        config.enable_signup = false;
    })
    .await;
    let provider_url = authorize(&auth, "github").await;

    let back = through_provider(&auth, &provider_url, &email("late"), true).await;

    assert_eq!(
        query(&back, "error_code").as_deref(),
        Some("signup_disabled")
    );
}
