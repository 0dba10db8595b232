//! The OAuth 2.1 server's client registry (`[auth.oauth_server]`): the admin API's lifecycle,
//! upstream's refusals, dynamic registration only when allowed and rate limited, and everything
//! off without the server (the flow itself: `oauth_server.rs`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestAuth, error_code};

async fn with_server(dynamic: bool) -> TestAuth {
    TestAuth::spawn_with(move |config| {
        config.oauth_server.enabled = true;
        config.oauth_server.allow_dynamic_registration = dynamic;
    })
    .await
}

async fn admin(
    auth: &TestAuth,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let request = auth.request(method, path).bearer_auth(&auth.secret_key);
    match body {
        Some(body) => request.json(&body),
        None => request,
    }
    .send()
    .await
    .unwrap()
}

fn client(name: &str) -> Value {
    json!({ "client_name": name, "redirect_uris": ["https://app.example/callback"] })
}

#[tokio::test]
async fn an_admin_registers_reads_updates_and_deletes_a_client() {
    let auth = with_server(false).await;
    let created = admin(
        &auth,
        Method::POST,
        "/admin/oauth/clients",
        Some(client("Example")),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let id = created["client_id"].as_str().unwrap().to_owned();
    assert_eq!(created["client_type"], "confidential");
    assert_eq!(created["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(
        created["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(created["response_types"], json!(["code"]));
    assert_eq!(created["registration_type"], "manual");
    let secret = created["client_secret"].as_str().unwrap().to_owned();

    let read: Value = admin(
        &auth,
        Method::GET,
        &format!("/admin/oauth/clients/{id}"),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(read["client_name"], "Example");
    assert!(
        read.get("client_secret").is_none(),
        "the secret is shown once"
    );

    let updated = admin(
        &auth,
        Method::PUT,
        &format!("/admin/oauth/clients/{id}"),
        Some(json!({ "logo_uri": "https://app.example/logo.png" })),
    )
    .await;
    assert_eq!(updated.status(), StatusCode::OK);
    let updated: Value = updated.json().await.unwrap();
    assert_eq!(updated["logo_uri"], "https://app.example/logo.png");
    assert_eq!(updated["client_name"], "Example", "fields not given stay");

    let regenerated: Value = admin(
        &auth,
        Method::POST,
        &format!("/admin/oauth/clients/{id}/regenerate_secret"),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_ne!(regenerated["client_secret"].as_str().unwrap(), secret);

    let deleted = admin(
        &auth,
        Method::DELETE,
        &format!("/admin/oauth/clients/{id}"),
        None,
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = admin(
        &auth,
        Method::GET,
        &format!("/admin/oauth/clients/{id}"),
        None,
    )
    .await;
    assert_eq!(
        error_code(gone).await,
        (StatusCode::NOT_FOUND, "oauth_client_not_found".to_owned())
    );
}

#[tokio::test]
async fn clients_are_listed_newest_first_in_pages() {
    let auth = with_server(false).await;
    for n in 0..3 {
        let created = admin(
            &auth,
            Method::POST,
            "/admin/oauth/clients",
            Some(client(&format!("c{n}"))),
        )
        .await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let page = admin(
        &auth,
        Method::GET,
        "/admin/oauth/clients?page=1&per_page=2",
        None,
    )
    .await;
    assert_eq!(page.headers()["x-total-count"], "3");
    assert!(
        page.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"next\"")
    );
    let page: Value = page.json().await.unwrap();
    let names: Vec<&str> = page["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|client| client["client_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c2", "c1"]);
    assert!(page["clients"][0].get("client_secret").is_none());
}

#[tokio::test]
async fn registrations_upstream_refuses_are_refused() {
    let auth = with_server(false).await;
    let refused = [
        json!({ "redirect_uris": [] }),
        json!({ "redirect_uris": ["http://app.example/cb"] }),
        json!({ "redirect_uris": ["https://app.example/cb#token"] }),
        json!({ "redirect_uris": ["javascript://x/alert(1)"] }),
        json!({ "redirect_uris": ["/relative"] }),
        json!({ "redirect_uris": (0..11).map(|n| format!("https://app.example/{n}")).collect::<Vec<_>>() }),
        json!({ "redirect_uris": ["https://app.example/cb"], "grant_types": ["password"] }),
        json!({ "redirect_uris": ["https://app.example/cb"], "client_type": "public", "token_endpoint_auth_method": "client_secret_post" }),
        json!({ "redirect_uris": ["https://app.example/cb"], "token_endpoint_auth_method": "private_key_jwt" }),
        json!({ "redirect_uris": ["https://app.example/cb"], "client_name": "x".repeat(1025) }),
        json!({ "redirect_uris": ["https://app.example/cb"], "logo_uri": "not a url" }),
    ];
    for body in refused {
        let answer = admin(
            &auth,
            Method::POST,
            "/admin/oauth/clients",
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            error_code(answer).await,
            (StatusCode::BAD_REQUEST, "validation_failed".to_owned()),
            "{body}"
        );
    }
    // A public client: no secret, no secret to regenerate, no secret method.
    let public: Value = admin(
        &auth,
        Method::POST,
        "/admin/oauth/clients",
        Some(json!({ "redirect_uris": ["http://localhost:3000/cb"], "token_endpoint_auth_method": "none" })),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(public["client_type"], "public");
    assert!(public.get("client_secret").is_none());
    let id = public["client_id"].as_str().unwrap();
    let regenerate = admin(
        &auth,
        Method::POST,
        &format!("/admin/oauth/clients/{id}/regenerate_secret"),
        None,
    )
    .await;
    assert_eq!(error_code(regenerate).await.0, StatusCode::BAD_REQUEST);
    let to_secret = admin(
        &auth,
        Method::PUT,
        &format!("/admin/oauth/clients/{id}"),
        Some(json!({ "token_endpoint_auth_method": "client_secret_basic" })),
    )
    .await;
    assert_eq!(error_code(to_secret).await.0, StatusCode::BAD_REQUEST);
    let empty = admin(
        &auth,
        Method::PUT,
        &format!("/admin/oauth/clients/{id}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(error_code(empty).await.0, StatusCode::BAD_REQUEST);
    let not_a_uuid = admin(&auth, Method::GET, "/admin/oauth/clients/nope", None).await;
    assert_eq!(error_code(not_a_uuid).await.0, StatusCode::BAD_REQUEST);
    // Only an admin.
    let anonymous = auth
        .request(Method::POST, "/admin/oauth/clients")
        .bearer_auth(&auth.publishable_key)
        .json(&client("sneaky"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(anonymous).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn dynamic_registration_only_when_allowed_and_limited() {
    let closed = with_server(false).await;
    let unread = closed
        .request(Method::POST, "/oauth/clients/register")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(unread).await.0,
        StatusCode::FORBIDDEN,
        "refused before the body is read"
    );
    let refused = closed
        .post("/oauth/clients/register", client("dynamic"))
        .await;
    assert_eq!(
        error_code(refused).await,
        (
            StatusCode::FORBIDDEN,
            "oauth_dynamic_client_registration_disabled".to_owned()
        )
    );

    let open = TestAuth::spawn_with(|config| {
        config.oauth_server.enabled = true;
        config.oauth_server.allow_dynamic_registration = true;
        config.rate_limits.oauth_client_register = 2;
    })
    .await;
    let registered = open
        .post("/oauth/clients/register", client("dynamic"))
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let registered: Value = registered.json().await.unwrap();
    assert_eq!(registered["registration_type"], "dynamic");
    // The bucket holds upstream's 30 at first, then refills 2 per 5 minutes.
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(
            open.post("/oauth/clients/register", client("flood"))
                .await
                .status(),
        );
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn without_the_server_the_registry_and_the_flow_are_off() {
    let off = TestAuth::spawn().await;
    let listed = admin(&off, Method::GET, "/admin/oauth/clients", None).await;
    assert_eq!(
        error_code(listed).await,
        (StatusCode::NOT_FOUND, "feature_disabled".to_owned())
    );
    let registered = off.post("/oauth/clients/register", client("x")).await;
    assert_eq!(error_code(registered).await.0, StatusCode::NOT_FOUND);
    for (method, path) in [
        (Method::GET, "/oauth/authorize?client_id=x"),
        (Method::POST, "/oauth/token"),
        (Method::GET, "/oauth/userinfo"),
        (Method::GET, "/oauth/authorizations/x"),
        (Method::GET, "/user/oauth/grants"),
        (Method::GET, "/.well-known/oauth-authorization-server"),
    ] {
        let answer = off.request(method, path).send().await.unwrap();
        assert_eq!(
            error_code(answer).await,
            (StatusCode::NOT_FOUND, "feature_disabled".to_owned()),
            "{path}"
        );
    }
}
