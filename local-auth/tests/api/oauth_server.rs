//! The OAuth 2.1 server's authorization flow (`[auth.oauth_server]`), as a client and a user's
//! browser run it: authorize → consent page → approve → code → tokens (ID token, userinfo,
//! refresh) → grants and revocation; and upstream's refusals on every step, with the attacks
//! they stop (a redirect elsewhere, a code without its verifier or for another client, another
//! user's authorization, a consent from another site, a code spent twice at once).

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

use crate::{
    helpers::{TestAuth, email},
    oauth::{location, query},
};

const REDIRECT: &str = "https://client.example/callback";
const VERIFIER: &str = "a-client-verifier-of-forty-three-or-more-characters_~.";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier))
}

async fn with_server() -> TestAuth {
    TestAuth::spawn_with(|config| config.oauth_server.enabled = true).await
}

/// Registers a client through the admin API; returns it (with its secret, if confidential).
async fn register(auth: &TestAuth, body: Value) -> Value {
    let response = auth
        .request(Method::POST, "/admin/oauth/clients")
        .bearer_auth(&auth.secret_key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn confidential(auth: &TestAuth) -> Value {
    register(
        auth,
        json!({ "client_name": "Example App", "client_uri": "https://client.example",
                "redirect_uris": [REDIRECT] }),
    )
    .await
}

async fn public(auth: &TestAuth) -> Value {
    register(
        auth,
        json!({ "client_name": "Public App", "redirect_uris": [REDIRECT],
                "token_endpoint_auth_method": "none" }),
    )
    .await
}

/// A signed-in user's access token.
async fn user(auth: &TestAuth, name: &str) -> String {
    let address = email(name);
    let session = auth.confirmed_user(&address, "a long password 1").await;
    session["access_token"].as_str().unwrap().to_owned()
}

/// `GET /oauth/authorize` as the browser sends it: no API key, no redirect followed.
async fn authorize(auth: &TestAuth, params: &[(&str, &str)]) -> Response {
    auth.client
        .get(auth.url("/oauth/authorize"))
        .query(params)
        .send()
        .await
        .unwrap()
}

/// Where a redirect answer sends the browser.
fn redirected(response: &Response) -> Url {
    Url::parse(&location(response)).unwrap()
}

/// Starts an authorization for `client` asking `scope`; returns its id (from the consent page
/// the browser is sent to).
async fn start(auth: &TestAuth, client: &Value, scope: &str) -> String {
    let response = authorize(
        auth,
        &[
            ("client_id", client["client_id"].as_str().unwrap()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", scope),
            ("state", "client-state"),
            ("nonce", "client-nonce"),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let consent = redirected(&response);
    assert_eq!(
        consent.as_str().split('?').next(),
        Some("http://127.0.0.1:3000/oauth/consent")
    );
    query(&consent, "authorization_id").unwrap()
}

async fn details(auth: &TestAuth, token: &str, id: &str) -> Response {
    auth.get_as(&format!("/oauth/authorizations/{id}"), token)
        .await
}

async fn decide(auth: &TestAuth, token: &str, id: &str, action: &str) -> Response {
    auth.request(Method::POST, &format!("/oauth/authorizations/{id}/consent"))
        .bearer_auth(token)
        .json(&json!({ "action": action }))
        .send()
        .await
        .unwrap()
}

/// Opens authorization `id` on the consent page and approves it as the user; returns the code
/// from the client's redirect.
async fn approve(auth: &TestAuth, token: &str, id: &str) -> String {
    assert_eq!(details(auth, token, id).await.status(), StatusCode::OK);
    let response = decide(auth, token, id, "approve").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let to = Url::parse(body["redirect_url"].as_str().unwrap()).unwrap();
    assert_eq!(to.as_str().split('?').next(), Some(REDIRECT));
    assert_eq!(query(&to, "state").as_deref(), Some("client-state"));
    query(&to, "code").unwrap()
}

/// `POST /oauth/token` as a client sends it: a form, no API key; `basic` authenticates a
/// confidential client with its secret in the header.
async fn token(auth: &TestAuth, basic: Option<&Value>, form: &[(&str, &str)]) -> Response {
    let request = auth.client.post(auth.url("/oauth/token")).form(form);
    match basic {
        Some(client) => request.basic_auth(
            client["client_id"].as_str().unwrap(),
            client["client_secret"].as_str(),
        ),
        None => request,
    }
    .send()
    .await
    .unwrap()
}

async fn exchange(auth: &TestAuth, client: &Value, code: &str) -> Response {
    token(
        auth,
        Some(client),
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

/// The error code of an error response, in either shape: dated (`code`, what the official
/// clients ask for) or the undated one a client without the version header gets (`error_code`).
async fn error_code(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    let code = body["code"].as_str().or(body["error_code"].as_str());
    (status, code.unwrap_or_default().to_owned())
}

/// `GET /oauth/userinfo` as a client calls it: the bearer token, no API key.
async fn userinfo(auth: &TestAuth, access_token: &str) -> Response {
    auth.client
        .get(auth.url("/oauth/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
}

/// What the user of `token` has granted.
async fn grants(auth: &TestAuth, token: &str) -> Value {
    auth.get_as("/user/oauth/grants", token)
        .await
        .json()
        .await
        .unwrap()
}

async fn oauth_error(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

fn claims(jwt: &str) -> Value {
    jsonwebtoken::dangerous::insecure_decode_claims(jwt).unwrap()
}

#[tokio::test]
async fn a_client_gets_tokens_an_id_token_and_userinfo_and_refreshes_its_own_session() {
    let auth = with_server().await;
    let client = confidential(&auth).await;
    let client_id = client["client_id"].as_str().unwrap();
    let user_token = user(&auth, "oauth-flow").await;
    let id = start(&auth, &client, "openid email profile").await;

    let shown = details(&auth, &user_token, &id).await;
    assert_eq!(shown.status(), StatusCode::OK);
    let shown: Value = shown.json().await.unwrap();
    assert_eq!(shown["authorization_id"], id.as_str());
    assert_eq!(shown["client"]["name"], "Example App");
    assert_eq!(shown["client"]["uri"], "https://client.example");
    assert_eq!(shown["redirect_uri"], REDIRECT);
    assert_eq!(shown["scope"], "openid email profile");
    assert_eq!(shown["user"]["id"], claims(&user_token)["sub"]);

    let code = approve(&auth, &user_token, &id).await;
    let tokens = exchange(&auth, &client, &code).await;
    assert_eq!(tokens.status(), StatusCode::OK);
    let tokens: Value = tokens.json().await.unwrap();
    assert_eq!(tokens["token_type"], "bearer");
    assert!(tokens.get("user").is_none(), "a client gets no user object");
    let access = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["client_id"], client_id);
    assert_eq!(access["scope"], "openid email profile");
    assert_eq!(access["sub"], claims(&user_token)["sub"]);
    assert_eq!(
        access["amr"][0]["method"],
        "oauth_provider/authorization_code"
    );
    assert!(
        claims(&user_token).get("client_id").is_none(),
        "the project's own sessions name no client"
    );

    // The ID token: signed with the published key, for this client, with the nonce.
    let id_token = tokens["id_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_value(auth.jwks().await).unwrap();
    let key = jwks.find(header.kid.as_deref().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&[client_id]);
    let verified = jsonwebtoken::decode::<Value>(
        id_token,
        &jsonwebtoken::DecodingKey::from_jwk(key).unwrap(),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(verified["nonce"], "client-nonce");
    assert_eq!(verified["email_verified"], true);
    assert_eq!(verified["email"], shown["user"]["email"]);
    assert_eq!(
        verified["name"], shown["user"]["email"],
        "no name: the email"
    );
    assert!(verified.get("phone_number").is_none(), "no phone scope");

    let info = userinfo(&auth, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(info.status(), StatusCode::OK);
    let info: Value = info.json().await.unwrap();
    assert_eq!(info["sub"], access["sub"]);
    assert_eq!(info["email_verified"], true);
    assert!(info.get("phone").is_none());
    // The project's own session has no scopes: only `sub`.
    let own: Value = auth
        .get_as("/oauth/userinfo", &user_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own, json!({ "sub": access["sub"] }));

    // The code is spent.
    assert_eq!(
        oauth_error(exchange(&auth, &client, &code).await).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );

    // Refresh: the client's own session, by that client only, never through `/token`.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let through_project = auth.refresh(refresh).await;
    assert_eq!(
        oauth_error(through_project).await,
        (StatusCode::BAD_REQUEST, "invalid_client".to_owned())
    );
    let other = confidential(&auth).await;
    let by_other = token(
        &auth,
        Some(&other),
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(
        oauth_error(by_other).await,
        (StatusCode::BAD_REQUEST, "invalid_client".to_owned())
    );
    let refreshed = token(
        &auth,
        Some(&client),
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: Value = refreshed.json().await.unwrap();
    assert_ne!(refreshed["refresh_token"], tokens["refresh_token"]);
    let access = claims(refreshed["access_token"].as_str().unwrap());
    assert_eq!(access["client_id"], client_id);
    assert_eq!(access["scope"], "openid email profile");

    // A client cannot refresh the project's own session either.
    let own_refresh = auth
        .sign_in(
            shown["user"]["email"].as_str().unwrap(),
            "a long password 1",
        )
        .await;
    let stolen = token(
        &auth,
        Some(&client),
        &[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                own_refresh["refresh_token"].as_str().unwrap(),
            ),
        ],
    )
    .await;
    assert_eq!(
        oauth_error(stolen).await,
        (StatusCode::BAD_REQUEST, "invalid_client".to_owned())
    );
}

#[tokio::test]
async fn a_grant_approves_what_it_covers_and_revoking_it_ends_the_clients_sessions() {
    let auth = with_server().await;
    let client = public(&auth).await;
    let client_id = client["client_id"].as_str().unwrap();
    let user_token = user(&auth, "oauth-grant").await;
    let code = approve(&auth, &user_token, &start(&auth, &client, "email").await).await;
    let tokens: Value = token(
        &auth,
        None,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(tokens.get("id_token").is_none(), "no openid scope");

    // Asking no more than was granted: approved at once, the client's redirect with a code.
    let again = start(&auth, &client, "email").await;
    let answer: Value = details(&auth, &user_token, &again)
        .await
        .json()
        .await
        .unwrap();
    let to = Url::parse(answer["redirect_url"].as_str().unwrap()).unwrap();
    assert!(query(&to, "code").is_some());
    // Asking more: the user is asked.
    let more = start(&auth, &client, "email profile").await;
    let answer: Value = details(&auth, &user_token, &more)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["scope"], "email profile");

    let granted = grants(&auth, &user_token).await;
    assert_eq!(granted.as_array().unwrap().len(), 1);
    assert_eq!(granted[0]["client"]["id"], client_id);
    assert_eq!(granted[0]["client"]["name"], "Public App");
    assert_eq!(granted[0]["scopes"], json!(["email"]));

    let revoke = |id: String| {
        let auth = &auth;
        let user_token = &user_token;
        async move {
            auth.request(
                Method::DELETE,
                &format!("/user/oauth/grants?client_id={id}"),
            )
            .bearer_auth(user_token)
            .send()
            .await
            .unwrap()
        }
    };
    assert_eq!(
        revoke(client_id.to_owned()).await.status(),
        StatusCode::NO_CONTENT
    );
    // The client's session is gone: its access token and its refresh token stop working; the
    // user's own session goes on.
    let info = userinfo(&auth, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(
        error_code(info).await,
        (StatusCode::FORBIDDEN, "session_not_found".to_owned())
    );
    let refreshed = token(
        &auth,
        None,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        auth.get_as("/user", &user_token).await.status(),
        StatusCode::OK
    );
    let listed = grants(&auth, &user_token).await;
    assert_eq!(listed, json!([]));
    assert_eq!(
        error_code(revoke(client_id.to_owned()).await).await,
        (StatusCode::NOT_FOUND, "oauth_consent_not_found".to_owned())
    );
    assert_eq!(
        error_code(revoke("not-a-uuid".to_owned()).await).await,
        (StatusCode::BAD_REQUEST, "validation_failed".to_owned())
    );
    // Once revoked, the same scopes are asked for again.
    let after = start(&auth, &client, "email").await;
    let answer: Value = details(&auth, &user_token, &after)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["scope"], "email");
}

#[tokio::test]
async fn authorize_never_redirects_to_an_unregistered_uri_and_sends_other_errors_to_the_client() {
    let auth = with_server().await;
    let client = public(&auth).await;
    let client_id = client["client_id"].as_str().unwrap();
    let good = challenge(VERIFIER);
    // Before the redirect URI is known good: JSON, never a redirect.
    for (params, expected) in [
        (vec![("redirect_uri", REDIRECT)], "validation_failed"),
        (vec![("client_id", client_id)], "validation_failed"),
        (
            vec![("client_id", "not-a-uuid"), ("redirect_uri", REDIRECT)],
            "oauth_client_not_found",
        ),
        (
            vec![
                ("client_id", "2b9c1d5e-0000-4000-8000-000000000000"),
                ("redirect_uri", REDIRECT),
            ],
            "oauth_client_not_found",
        ),
    ] {
        let response = authorize(&auth, &params).await;
        assert!(response.headers().get("location").is_none());
        assert_eq!(
            error_code(response).await,
            (StatusCode::BAD_REQUEST, expected.to_owned()),
            "{params:?}"
        );
    }
    for hostile in [
        "https://client.example/callback/",
        "https://client.example/callback/../evil",
        "https://client.example/callbackx",
        "https://client.example/callback?next=https://evil.example",
        "https://client.example/callback#x",
        "https://CLIENT.example/callback",
        "https://client.example:444/callback",
        "https://client.example.evil.example/callback",
        "https://evil.example/?https://client.example/callback",
        "https://user@client.example/callback",
        "http://client.example/callback",
        "https://evil.example",
        "//evil.example/callback",
        "javascript:alert(1)//https://client.example/callback",
    ] {
        let response = authorize(
            &auth,
            &[
                ("client_id", client_id),
                ("redirect_uri", hostile),
                ("code_challenge", &good),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;
        assert!(response.headers().get("location").is_none(), "{hostile}");
        assert_eq!(
            error_code(response).await,
            (StatusCode::BAD_REQUEST, "validation_failed".to_owned()),
            "{hostile}"
        );
    }
    // With the client and its URI right, the rest goes back to the client, with its state.
    for (change, description) in [
        (("code_challenge_method", "plain"), "S256"),
        (("code_challenge", "too-short"), "43 and 128"),
        (("response_type", "token"), "response_type"),
        (("scope", "email admin"), "unsupported scope"),
        (("resource", "https://api.example/#f"), "fragment"),
    ] {
        let mut params = vec![
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("state", "s1"),
            ("code_challenge", good.as_str()),
            ("code_challenge_method", "S256"),
        ];
        params.retain(|(name, _)| *name != change.0);
        params.push(change);
        let response = authorize(&auth, &params).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{change:?}");
        let to = redirected(&response);
        assert_eq!(to.as_str().split('?').next(), Some(REDIRECT));
        assert_eq!(query(&to, "error").as_deref(), Some("invalid_request"));
        assert!(
            query(&to, "error_description")
                .unwrap()
                .contains(description)
        );
        assert_eq!(query(&to, "state").as_deref(), Some("s1"));
    }
    let without_pkce = authorize(
        &auth,
        &[("client_id", client_id), ("redirect_uri", REDIRECT)],
    )
    .await;
    assert_eq!(
        query(&redirected(&without_pkce), "error").as_deref(),
        Some("invalid_request")
    );
}

#[tokio::test]
async fn an_authorization_is_its_users_decided_once_and_from_the_site_only() {
    let auth = with_server().await;
    let client = confidential(&auth).await;
    let owner = user(&auth, "oauth-owner").await;
    let intruder = user(&auth, "oauth-intruder").await;
    let id = start(&auth, &client, "email").await;
    let not_found = (
        StatusCode::NOT_FOUND,
        "oauth_authorization_not_found".to_owned(),
    );

    // A browser call from another site is refused before anything happens.
    let cross_site = auth
        .request(Method::POST, &format!("/oauth/authorizations/{id}/consent"))
        .bearer_auth(&owner)
        .header("origin", "https://evil.example")
        .json(&json!({ "action": "approve" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(cross_site).await,
        (StatusCode::BAD_REQUEST, "validation_failed".to_owned())
    );
    let from_site = auth
        .request(Method::GET, &format!("/oauth/authorizations/{id}"))
        .bearer_auth(&owner)
        .header("origin", "http://127.0.0.1:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(from_site.status(), StatusCode::OK);

    // The first to open it owns it: another user sees nothing and decides nothing.
    assert_eq!(
        error_code(details(&auth, &intruder, &id).await).await,
        not_found
    );
    assert_eq!(
        error_code(decide(&auth, &intruder, &id, "approve").await).await,
        not_found
    );
    assert_eq!(
        error_code(decide(&auth, &owner, &id, "maybe").await).await,
        (StatusCode::BAD_REQUEST, "validation_failed".to_owned())
    );
    let unauthenticated = auth
        .request(Method::GET, &format!("/oauth/authorizations/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);

    // Denied: the client hears `access_denied`, with its state; then it is settled.
    let denied = decide(&auth, &owner, &id, "deny").await;
    assert_eq!(denied.status(), StatusCode::OK);
    let body: Value = denied.json().await.unwrap();
    let to = Url::parse(body["redirect_url"].as_str().unwrap()).unwrap();
    assert_eq!(query(&to, "error").as_deref(), Some("access_denied"));
    assert_eq!(query(&to, "state").as_deref(), Some("client-state"));
    assert!(query(&to, "code").is_none());
    for response in [
        decide(&auth, &owner, &id, "approve").await,
        details(&auth, &owner, &id).await,
    ] {
        assert_eq!(
            error_code(response).await,
            (StatusCode::BAD_REQUEST, "validation_failed".to_owned())
        );
    }
    let listed = grants(&auth, &owner).await;
    assert_eq!(listed, json!([]), "denying grants nothing");

    // Consent for a request the user never opened (a link to the decision itself) is nothing.
    let unopened = start(&auth, &client, "email").await;
    assert_eq!(
        error_code(decide(&auth, &owner, &unopened, "approve").await).await,
        not_found
    );

    // Unknown, and expired (aged as ten minutes would).
    assert_eq!(
        error_code(details(&auth, &owner, "no-such-authorization").await).await,
        not_found
    );
    let stale = start(&auth, &client, "email").await;
    sqlx::query("UPDATE oauth_authorizations SET expires_at = '2000-01-01T00:00:00Z' WHERE id = ?")
        .bind(&stale)
        .execute(&auth.database().await)
        .await
        .unwrap();
    assert_eq!(
        error_code(details(&auth, &owner, &stale).await).await,
        not_found
    );
    assert_eq!(
        error_code(decide(&auth, &owner, &stale, "approve").await).await,
        (StatusCode::BAD_REQUEST, "validation_failed".to_owned()),
        "marked expired: no longer pending"
    );
}

#[tokio::test]
async fn a_code_needs_its_client_its_verifier_and_its_redirect_and_is_spent_once_under_a_race() {
    let auth = with_server().await;
    let client = confidential(&auth).await;
    let other = confidential(&auth).await;
    let public_client = public(&auth).await;
    let owner = user(&auth, "oauth-code").await;
    let code = approve(&auth, &owner, &start(&auth, &client, "email").await).await;
    let invalid_grant = (StatusCode::BAD_REQUEST, "invalid_grant".to_owned());
    let invalid_credentials = (StatusCode::BAD_REQUEST, "invalid_credentials".to_owned());

    let attempt = |basic: Option<&Value>, form: Vec<(&'static str, String)>| {
        let form: Vec<(&str, String)> = form;
        let auth = &auth;
        let basic = basic.cloned();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            token(auth, basic.as_ref(), &form).await
        }
    };
    let grant = |verifier: &str, redirect: &str| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.clone()),
            ("code_verifier", verifier.to_owned()),
            ("redirect_uri", redirect.to_owned()),
        ]
    };
    // Intercepted without the verifier, or with a guess; for another client; another redirect.
    for (basic, form) in [
        (Some(&client), grant("", REDIRECT)),
        (
            Some(&client),
            grant("a-guessed-verifier-of-forty-three-or-more-chars", REDIRECT),
        ),
        (Some(&other), grant(VERIFIER, REDIRECT)),
        (
            Some(&client),
            grant(VERIFIER, "https://client.example/other"),
        ),
    ] {
        assert_eq!(oauth_error(attempt(basic, form).await).await, invalid_grant);
    }
    // Client authentication by the registered method only.
    let mut wrong_secret = client.clone();
    wrong_secret["client_secret"] = json!("not-the-secret");
    assert_eq!(
        error_code(attempt(Some(&wrong_secret), grant(VERIFIER, REDIRECT)).await).await,
        invalid_credentials
    );
    let mut in_body = grant(VERIFIER, REDIRECT);
    in_body.push((
        "client_id",
        client["client_id"].as_str().unwrap().to_owned(),
    ));
    in_body.push((
        "client_secret",
        client["client_secret"].as_str().unwrap().to_owned(),
    ));
    assert_eq!(
        error_code(attempt(None, in_body).await).await,
        invalid_credentials,
        "registered for client_secret_basic"
    );
    assert_eq!(
        error_code(attempt(None, grant(VERIFIER, REDIRECT)).await).await,
        invalid_credentials,
        "no client at all"
    );
    let mut public_with_secret = grant(VERIFIER, REDIRECT);
    public_with_secret.push((
        "client_id",
        public_client["client_id"].as_str().unwrap().to_owned(),
    ));
    public_with_secret.push(("client_secret", "anything".to_owned()));
    assert_eq!(
        error_code(attempt(None, public_with_secret).await).await,
        invalid_credentials
    );

    // The real exchange, twice at once: exactly one wins.
    let (first, second) = tokio::join!(
        exchange(&auth, &client, &code),
        exchange(&auth, &client, &code)
    );
    let mut statuses = [first.status(), second.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::BAD_REQUEST]);
    let loser = if first.status() == StatusCode::OK {
        second
    } else {
        first
    };
    assert_eq!(oauth_error(loser).await, invalid_grant);
}

#[tokio::test]
async fn the_discovery_documents_describe_the_server() {
    let auth = TestAuth::spawn_with(|config| {
        config.oauth_server.enabled = true;
        config.oauth_server.allow_dynamic_registration = true;
    })
    .await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let response = auth.client.get(auth.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let document: Value = response.json().await.unwrap();
        let base = auth.url("");
        assert_eq!(document["issuer"], base);
        assert_eq!(
            document["authorization_endpoint"],
            format!("{base}/oauth/authorize")
        );
        assert_eq!(document["token_endpoint"], format!("{base}/oauth/token"));
        assert_eq!(
            document["userinfo_endpoint"],
            format!("{base}/oauth/userinfo")
        );
        assert_eq!(
            document["jwks_uri"],
            format!("{base}/.well-known/jwks.json")
        );
        assert_eq!(
            document["registration_endpoint"],
            format!("{base}/oauth/clients/register")
        );
        assert_eq!(
            document["code_challenge_methods_supported"],
            json!(["S256"])
        );
        assert_eq!(
            document["id_token_signing_alg_values_supported"],
            json!(["ES256"])
        );
    }
    let without_registration = with_server().await;
    let document: Value = without_registration
        .client
        .get(without_registration.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(document.get("registration_endpoint").is_none());
}

#[tokio::test]
async fn abandoned_authorizations_go_a_day_later() {
    let auth = with_server().await;
    let client = public(&auth).await;
    let fresh = start(&auth, &client, "email").await;
    let abandoned = start(&auth, &client, "email").await;
    let pool = auth.database().await;
    sqlx::query("UPDATE oauth_authorizations SET created_at = '2020-01-01T00:00:00Z' WHERE id = ?")
        .bind(&abandoned)
        .execute(&pool)
        .await
        .unwrap();
    let address = email("oauth-cleanup");
    auth.confirmed_user(&address, "a long password 1").await;
    // Successful changes (sign-ins) run the cleanup statements in turn.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        auth.sign_in(&address, "a long password 1").await;
        let left: Vec<String> = sqlx::query_scalar("SELECT id FROM oauth_authorizations")
            .fetch_all(&pool)
            .await
            .unwrap();
        if left == [fresh.clone()] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still there: {left:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
