//! SAML single sign-on: the admin API's providers and domains, `POST /sso`, the development
//! identity provider's page standing in for the assertion, and the refusals upstream gives.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use url::Url;

use crate::{
    helpers::{TestAuth, email, error_code},
    oauth::{APP_CALLBACK, challenge, exchange, location, query},
};

/// An identity provider's metadata with entity id `entity`.
pub fn metadata(entity: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><md:EntityDescriptor \
         xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{entity}\">\
         <md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\
         <md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" \
         Location=\"{entity}/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>"
    )
}

pub async fn with_saml() -> TestAuth {
    TestAuth::spawn_with(|config| config.saml_enabled = true).await
}

/// An admin call with the secret key.
pub async fn admin(
    auth: &TestAuth,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = auth.request(method, path).bearer_auth(&auth.secret_key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// Adds a provider for `domains`; returns it.
pub async fn add_provider(auth: &TestAuth, entity: &str, domains: &[&str]) -> Value {
    let response = admin(
        auth,
        Method::POST,
        "/admin/sso/providers",
        Some(json!({ "type": "saml", "metadata_xml": metadata(entity), "domains": domains })),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// `POST /sso` for `domain` in the PKCE flow; returns the identity provider's URL.
async fn start(auth: &TestAuth, domain: &str) -> String {
    let response = auth
        .post(
            "/sso",
            json!({
                "domain": domain,
                "redirect_to": APP_CALLBACK,
                "skip_http_redirect": true,
                "code_challenge": challenge(),
                "code_challenge_method": "s256",
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["url"].as_str().unwrap().to_owned()
}

/// The identity provider's page and the developer's decision; returns the response.
async fn decide(auth: &TestAuth, idp_url: &str, who: &str, approve: bool) -> reqwest::Response {
    let relay_state = query(&Url::parse(idp_url).unwrap(), "RelayState").unwrap();
    auth.client
        .post(idp_url)
        .form(&[
            ("RelayState", relay_state.as_str()),
            ("email", who),
            ("name", "Ada Lovelace"),
            ("decision", if approve { "approve" } else { "deny" }),
        ])
        .send()
        .await
        .unwrap()
}

/// Signs in through SSO for `domain` as `who` (PKCE); returns the session.
async fn sso_session(auth: &TestAuth, domain: &str, who: &str) -> Value {
    let idp_url = start(auth, domain).await;
    let page = auth.client.get(&idp_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let decided = decide(auth, &idp_url, who, true).await;
    assert_eq!(decided.status(), StatusCode::SEE_OTHER);
    let back = Url::parse(&location(&decided)).unwrap();
    assert!(back.as_str().starts_with(APP_CALLBACK), "{back}");
    exchange(auth, &back).await
}

fn claims(session: &Value) -> Value {
    jsonwebtoken::dangerous::insecure_decode_claims(session["access_token"].as_str().unwrap())
        .unwrap()
}

#[tokio::test]
async fn saml_is_off_unless_enabled() {
    let auth = TestAuth::spawn().await;
    let response = auth.post("/sso", json!({ "domain": "example.com" })).await;
    assert_eq!(
        error_code(response).await,
        (StatusCode::NOT_FOUND, "saml_provider_disabled".into())
    );
    assert_eq!(settings(&auth).await["saml_enabled"], false);
    assert_eq!(settings(&with_saml().await).await["saml_enabled"], true);
}

async fn settings(auth: &TestAuth) -> Value {
    let response = auth.request(Method::GET, "/settings").send().await.unwrap();
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_domain_signs_in_an_sso_user_of_its_own() {
    let auth = with_saml().await;
    let provider = add_provider(&auth, "https://idp.acme.test/saml", &["Acme.test"]).await;
    let provider_id = provider["id"].as_str().unwrap();
    assert_eq!(provider["domains"], json!([{ "domain": "acme.test" }]));

    // Someone already has the address with a password: the SSO account is another account.
    let who = email("ada");
    let who = who.replace("@example.com", "@acme.test");
    let password_user = auth.confirmed_user(&who, "a-long-password-1").await;

    let session = sso_session(&auth, "ACME.test", &who).await;
    let user = &session["user"];
    assert_eq!(user["email"], who.as_str());
    assert_eq!(user["is_sso_user"], true);
    assert_ne!(user["id"], password_user["user"]["id"]);
    let provider_type = format!("sso:{provider_id}");
    assert_eq!(user["app_metadata"]["provider"], provider_type.as_str());
    assert_eq!(user["identities"][0]["provider"], provider_type.as_str());
    assert_eq!(
        user["identities"][0]["identity_data"]["iss"],
        "https://idp.acme.test/saml"
    );
    assert_eq!(user["user_metadata"]["full_name"], "Ada Lovelace");
    let amr = &claims(&session)["amr"][0];
    assert_eq!(amr["method"], "sso/saml");
    assert_eq!(amr["provider"], provider_id);

    // The same identity signs in to the same account; the password account is untouched.
    let again = sso_session(&auth, "acme.test", &who).await;
    assert_eq!(again["user"]["id"], user["id"]);
    let signed_in = auth.sign_in(&who, "a-long-password-1").await;
    assert_eq!(signed_in["user"]["id"], password_user["user"]["id"]);

    // An SSO account's address, phone and password belong to the identity provider.
    let access = session["access_token"].as_str().unwrap();
    for change in [
        json!({ "email": "elsewhere@example.com" }),
        json!({ "password": "another-long-password" }),
    ] {
        let response = auth
            .request(Method::PUT, "/user")
            .bearer_auth(access)
            .json(&change)
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_code(response).await,
            (StatusCode::UNPROCESSABLE_ENTITY, "user_sso_managed".into())
        );
    }
}

#[tokio::test]
async fn a_relay_state_signs_in_once_and_a_denial_goes_back_to_the_app() {
    let auth = with_saml().await;
    add_provider(&auth, "https://idp.once.test", &["once.test"]).await;
    let idp_url = start(&auth, "once.test").await;
    let first = decide(&auth, &idp_url, "one@once.test", true).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    // Replayed, the assertion finds no sign-in waiting for it.
    let replay = decide(&auth, &idp_url, "two@once.test", true).await;
    assert_eq!(replay.status(), StatusCode::NOT_FOUND);
    assert!(
        replay
            .text()
            .await
            .unwrap()
            .contains("saml_relay_state_not_found")
    );
    // So does an id that was never handed out, and the page for it.
    let forged = idp_url.replace(
        &query(&Url::parse(&idp_url).unwrap(), "RelayState").unwrap(),
        &uuid::Uuid::new_v4().to_string(),
    );
    let page = auth.client.get(&forged).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);

    let idp_url = start(&auth, "once.test").await;
    let denied = decide(&auth, &idp_url, "one@once.test", false).await;
    assert_eq!(denied.status(), StatusCode::SEE_OTHER);
    let back = Url::parse(&location(&denied)).unwrap();
    assert!(back.as_str().starts_with(APP_CALLBACK));
    assert_eq!(query(&back, "error").as_deref(), Some("access_denied"));
    assert!(query(&back, "code").is_none());
    let after = decide(&auth, &idp_url, "one@once.test", true).await;
    assert_eq!(after.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_stale_relay_state_is_refused() {
    let auth = with_saml().await;
    add_provider(&auth, "https://idp.stale.test", &["stale.test"]).await;
    let idp_url = start(&auth, "stale.test").await;
    let relay_state = query(&Url::parse(&idp_url).unwrap(), "RelayState").unwrap();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(auth.data_dir.path().join("auth.db"))
        .busy_timeout(std::time::Duration::from_secs(5));
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::query("UPDATE flow_state SET created_at = '2020-01-01T00:00:00Z' WHERE id = ?")
        .bind(&relay_state)
        .execute(&pool)
        .await
        .unwrap();
    let decided = decide(&auth, &idp_url, "late@stale.test", true).await;
    assert_eq!(decided.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        decided
            .text()
            .await
            .unwrap()
            .contains("saml_relay_state_expired")
    );
}

#[tokio::test]
async fn without_skip_http_redirect_sso_redirects_and_without_pkce_the_session_is_in_the_fragment()
{
    let auth = with_saml().await;
    let provider = add_provider(&auth, "https://idp.implicit.test", &[]).await;
    let response = auth
        .post(
            "/sso",
            json!({ "provider_id": provider["id"], "redirect_to": APP_CALLBACK }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let idp_url = location(&response);
    assert!(
        idp_url.starts_with(&auth.url("/dev-idp/saml?RelayState=")),
        "{idp_url}"
    );
    let decided = decide(&auth, &idp_url, "imp@implicit.test", true).await;
    let back = Url::parse(&location(&decided)).unwrap();
    let fragment: Vec<(String, String)> =
        url::form_urlencoded::parse(back.fragment().unwrap().as_bytes())
            .into_owned()
            .collect();
    let token = fragment
        .iter()
        .find(|(key, _)| key == "access_token")
        .map(|(_, value)| value.clone())
        .unwrap();
    let user: Value = auth.get_as("/user", &token).await.json().await.unwrap();
    assert_eq!(user["email"], "imp@implicit.test");
    assert!(!fragment.iter().any(|(key, _)| key == "provider_token"));
}

#[tokio::test]
async fn sso_refuses_what_upstream_refuses() {
    let auth = with_saml().await;
    let provider = add_provider(&auth, "https://idp.off.test", &["off.test"]).await;
    let id = provider["id"].as_str().unwrap();
    let cases = [
        (json!({}), StatusCode::BAD_REQUEST, "validation_failed"),
        (
            json!({ "domain": "off.test", "provider_id": id }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "provider_id": "not-a-uuid" }),
            StatusCode::BAD_REQUEST,
            "bad_json",
        ),
        (
            json!({ "provider_id": uuid::Uuid::new_v4() }),
            StatusCode::NOT_FOUND,
            "sso_provider_not_found",
        ),
        (
            json!({ "domain": "nobody.test" }),
            StatusCode::NOT_FOUND,
            "sso_provider_not_found",
        ),
        (
            json!({ "domain": "off.test", "code_challenge": "abc", "code_challenge_method": "md5" }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
    ];
    for (body, status, code) in cases {
        let response = auth.post("/sso", body.clone()).await;
        assert_eq!(error_code(response).await, (status, code.into()), "{body}");
    }
    // A provider switched off takes no sign-in, nor one started before.
    let idp_url = start(&auth, "off.test").await;
    let response = admin(
        &auth,
        Method::PUT,
        &format!("/admin/sso/providers/{id}"),
        Some(json!({ "disabled": true })),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = auth.post("/sso", json!({ "domain": "off.test" })).await;
    assert_eq!(
        error_code(response).await,
        (StatusCode::NOT_FOUND, "sso_provider_disabled".into())
    );
    let decided = decide(&auth, &idp_url, "x@off.test", true).await;
    assert_eq!(decided.status(), StatusCode::NOT_FOUND);
    assert!(
        decided
            .text()
            .await
            .unwrap()
            .contains("sso_provider_disabled")
    );
    // A real identity provider's response cannot be checked here.
    let acs = auth
        .request(Method::POST, "/sso/saml/acs")
        .form(&[("SAMLResponse", "PHNhbWw+"), ("RelayState", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(acs).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
    let sp = auth
        .request(Method::GET, "/sso/saml/metadata")
        .send()
        .await
        .unwrap();
    assert_eq!(sp.status(), StatusCode::OK);
    assert!(sp.text().await.unwrap().contains("/sso/saml/acs"));
}

#[tokio::test]
async fn the_admin_api_keeps_providers_and_their_domains() {
    let auth = with_saml().await;
    // Only the secret key.
    let anonymous = auth
        .request(Method::GET, "/admin/sso/providers")
        .send()
        .await
        .unwrap();
    assert!(
        anonymous.status() == StatusCode::UNAUTHORIZED
            || anonymous.status() == StatusCode::FORBIDDEN
    );

    let created = admin(
        &auth,
        Method::POST,
        "/admin/sso/providers",
        Some(json!({
            "type": "saml",
            "metadata_xml": metadata("https://idp.one.test"),
            "domains": ["one.test", "ONE.test", "two.test"],
            "resource_id": "tenant-1",
            "name_id_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            "attribute_mapping": { "keys": { "email": { "name": "mail" } } },
        })),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["domains"],
        json!([{ "domain": "one.test" }, { "domain": "two.test" }])
    );
    assert_eq!(created["saml"]["entity_id"], "https://idp.one.test");
    assert_eq!(created["resource_id"], "tenant-1");
    assert!(created["saml"]["metadata_xml"].is_string());
    assert_eq!(
        created["saml"]["attribute_mapping"]["keys"]["email"]["name"],
        "mail"
    );

    let list: Value = admin(&auth, Method::GET, "/admin/sso/providers", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0]["saml"]["metadata_xml"].is_null());
    let filtered: Value = admin(
        &auth,
        Method::GET,
        "/admin/sso/providers?resource_id_prefix=tenant-",
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
    let filtered: Value = admin(
        &auth,
        Method::GET,
        "/admin/sso/providers?resource_id=tenant-2",
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(filtered["items"].as_array().unwrap().is_empty());
    let by_resource: Value = admin(
        &auth,
        Method::GET,
        "/admin/sso/providers/resource_tenant-1",
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(by_resource["id"], id.as_str());

    // Refusals.
    let create = |body: Value| admin(&auth, Method::POST, "/admin/sso/providers", Some(body));
    let refused = [
        (
            json!({ "metadata_xml": metadata("https://x.test") }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "type": "saml" }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "type": "saml", "metadata_xml": metadata("https://x.test"), "metadata_url": "https://x.test/m" }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "type": "saml", "metadata_url": "http://x.test/m" }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "type": "saml", "metadata_xml": "<nope" }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "type": "saml", "metadata_xml": metadata("https://x.test"), "name_id_format": "mine" }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "type": "saml", "metadata_xml": metadata("https://x.test"), "domains": ["not a domain"] }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "type": "saml", "metadata_xml": metadata("https://idp.one.test") }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "saml_idp_already_exists",
        ),
        (
            json!({ "type": "saml", "metadata_xml": metadata("https://x.test"), "domains": ["two.test"] }),
            StatusCode::BAD_REQUEST,
            "sso_domain_already_exists",
        ),
        (
            json!({ "type": "saml", "metadata_url": "https://127.0.0.1:9/metadata" }),
            StatusCode::BAD_REQUEST,
            "saml_metadata_fetch_failed",
        ),
    ];
    for (body, status, code) in refused {
        assert_eq!(
            error_code(create(body.clone()).await).await,
            (status, code.into()),
            "{body}"
        );
    }

    // Updates: the domain list replaces the old one; metadata must keep its entity id.
    let path = format!("/admin/sso/providers/{id}");
    let updated: Value = admin(
        &auth,
        Method::PUT,
        &path,
        Some(json!({ "domains": ["three.test"] })),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(updated["domains"], json!([{ "domain": "three.test" }]));
    let other = add_provider(&auth, "https://idp.other.test", &["two.test"]).await;
    let response = admin(
        &auth,
        Method::PUT,
        &path,
        Some(json!({ "domains": ["two.test"] })),
    )
    .await;
    assert_eq!(
        error_code(response).await,
        (StatusCode::BAD_REQUEST, "sso_domain_already_exists".into())
    );
    let response = admin(
        &auth,
        Method::PUT,
        &path,
        Some(json!({ "metadata_xml": metadata("https://idp.changed.test") })),
    )
    .await;
    assert_eq!(
        error_code(response).await,
        (StatusCode::BAD_REQUEST, "saml_entity_id_mismatch".into())
    );

    // Deleting answers the provider and frees its domains.
    let deleted = admin(&auth, Method::DELETE, &path, None).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let deleted: Value = deleted.json().await.unwrap();
    assert_eq!(deleted["id"], id.as_str());
    for gone in [path.as_str(), "/admin/sso/providers/not-a-uuid"] {
        assert_eq!(
            error_code(admin(&auth, Method::GET, gone, None).await).await,
            (StatusCode::NOT_FOUND, "sso_provider_not_found".into())
        );
    }
    let response = auth.post("/sso", json!({ "domain": "three.test" })).await;
    assert_eq!(
        error_code(response).await,
        (StatusCode::NOT_FOUND, "sso_provider_not_found".into())
    );
    assert_eq!(other["domains"], json!([{ "domain": "two.test" }]));
}

#[tokio::test]
async fn the_rebuilt_users_table_keeps_every_row_and_reference() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
    // A database as the release before SSO left it, with a user, an identity and a session.
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("auth.db"))
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePool::connect_with(options.clone()).await.unwrap();
    let all = sqlx::migrate::Migrator::new(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/migrations"
    )))
    .await
    .unwrap();
    let before: Vec<_> = all
        .migrations
        .iter()
        .filter(|migration| migration.version < 9)
        .cloned()
        .collect();
    assert_eq!(before.len(), 8);
    sqlx::migrate::Migrator::with_migrations(before)
        .run(&pool)
        .await
        .unwrap();
    let id = uuid::Uuid::new_v4().to_string();
    let now = "2026-01-01T00:00:00Z";
    for statement in [
        "INSERT INTO users (id, email, email_confirmed_at, created_at, updated_at) VALUES (?1, 'old@example.com', ?2, ?2, ?2)",
        "INSERT INTO identities (id, provider_id, user_id, identity_data, provider, email, created_at, updated_at) \
         VALUES (?1, ?1, ?1, '{}', 'email', 'old@example.com', ?2, ?2)",
        "INSERT INTO sessions (id, user_id, created_at, updated_at) VALUES (?1, ?1, ?2, ?2)",
    ] {
        sqlx::query(statement)
            .bind(&id)
            .bind(now)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    let auth = TestAuth::spawn_in(dir, |config| config.saml_enabled = true).await;
    let user: Value = admin(&auth, Method::GET, &format!("/admin/users/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["email"], "old@example.com");
    assert_eq!(user["is_sso_user"], false);
    assert_eq!(user["identities"][0]["provider"], "email");
    // The address stays unique among accounts that are not SSO accounts.
    let response = admin(
        &auth,
        Method::POST,
        "/admin/users",
        Some(json!({ "email": "old@example.com", "password": "a-long-password-1" })),
    )
    .await;
    assert_eq!(
        error_code(response).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "email_exists".into())
    );
    // The other tables' foreign keys point at the new table: deleting cascades as before.
    let deleted = admin(&auth, Method::DELETE, &format!("/admin/users/{id}"), None).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let pool = SqlitePool::connect_with(
        SqliteConnectOptions::new().filename(auth.data_dir.path().join("auth.db")),
    )
    .await
    .unwrap();
    let left: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM identities WHERE user_id = ?1) + \
         (SELECT count(*) FROM sessions WHERE user_id = ?1)",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
}

#[tokio::test]
async fn the_development_provider_keeps_the_configured_domains() {
    let auth = TestAuth::spawn_with(|config| {
        config.saml_enabled = true;
        config.saml_dev_domains = vec!["dev.test".into(), "also.test".into()];
    })
    .await;
    let session = sso_session(&auth, "dev.test", "dev@dev.test").await;
    assert_eq!(session["user"]["is_sso_user"], true);
    let listed: Value = admin(&auth, Method::GET, "/admin/sso/providers", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["resource_id"], "local-auth-development");

    // Restarted with other domains: the same provider (its users keep signing in), new domains.
    let data_dir = auth.stop().await;
    let auth = TestAuth::spawn_in(data_dir, |config| {
        config.saml_enabled = true;
        config.saml_dev_domains = vec!["next.test".into()];
    })
    .await;
    let listed: Value = admin(&auth, Method::GET, "/admin/sso/providers", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        listed["items"][0]["domains"],
        json!([{ "domain": "next.test" }])
    );
    let response = auth.post("/sso", json!({ "domain": "dev.test" })).await;
    assert_eq!(
        error_code(response).await,
        (StatusCode::NOT_FOUND, "sso_provider_not_found".into())
    );
    let again = sso_session(&auth, "next.test", "dev@dev.test").await;
    assert_eq!(again["user"]["id"], session["user"]["id"]);
}
