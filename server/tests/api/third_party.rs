//! Third-party auth: the tokens of Clerk, Firebase Auth, Auth0, AWS Cognito and WorkOS, as
//! local-auth's development issuer signs them, sign users in to every page and run their notes
//! under Row Level Security; a token from the wrong issuer, for the wrong audience, without the
//! `role` claim, expired, or signed by a key the issuer does not publish reaches no page and no
//! row.

use reqwest::StatusCode;
use serde_json::{Value, json};
use supabase_ssr::third_party::Issuer;

use crate::{
    auth_app::{TestApp, set_cookies, superuser},
    notes::call,
};

/// The app with the tests' database, trusting `spec`'s provider through local-auth's
/// development issuer.
async fn app_trusting(spec: &str) -> TestApp {
    let issuer = Issuer::from_spec(spec).unwrap();
    TestApp::spawn_with_database(move |config| config.third_party = Some(issuer)).await
}

/// A token of the development issuer for `email`, with `claims` set on top: the token and its
/// subject.
async fn mint(app: &TestApp, email: &str, claims: Value) -> (String, String) {
    let minted = app
        .auth_request(reqwest::Method::POST, "/admin/third-party/tokens")
        .header("apikey", &app.secret_key)
        .bearer_auth(&app.secret_key)
        .json(&json!({ "email": email, "claims": claims }))
        .send()
        .await
        .unwrap();
    assert_eq!(minted.status(), StatusCode::OK);
    let minted: Value = minted.json().await.unwrap();
    (
        minted["access_token"].as_str().unwrap().to_owned(),
        minted["sub"].as_str().unwrap().to_owned(),
    )
}

fn cookie(token: &str) -> String {
    format!("__session={token}")
}

/// Calls the server function at `path` with no arguments, as the holder of `cookie`; its JSON.
async fn server_fn(app: &TestApp, path: &str, cookie: &str) -> Value {
    call(app, path, cookie, &[]).await.json().await.unwrap()
}

/// How many notes `owner` has in the database, read as its superuser.
async fn stored_notes(owner: &str) -> i64 {
    sqlx::query_scalar("select count(*) from public.notes where user_id = $1")
        .bind(owner)
        .fetch_one(&superuser().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn each_providers_token_signs_in_and_keeps_notes_of_its_own() {
    for spec in [
        "clerk:clerk.example.test",
        "firebase:starter-dev",
        "auth0:starter.eu",
        "aws_cognito:eu-west-1_Starter1",
        "workos:https://api.workos.com/user_management/client_starter",
    ] {
        let app = app_trusting(spec).await;
        let (token, sub) = mint(&app, "ada@example.com", json!({})).await;
        let (other, other_sub) = mint(&app, "bob@example.com", json!({})).await;

        let page = app.get("/protected", &cookie(&token)).await;
        assert_eq!(page.status(), StatusCode::OK, "{spec}");
        let claims = server_fn(&app, "auth/claims", &cookie(&token)).await;
        assert_eq!(claims["sub"], sub.as_str(), "{spec}");
        assert_eq!(claims["role"], "authenticated", "{spec}");

        let added = call(
            &app,
            "notes/add",
            &cookie(&token),
            &[("body", "from a provider")],
        )
        .await;
        assert_eq!(
            added.status(),
            StatusCode::OK,
            "{spec}: {}",
            added.text().await.unwrap()
        );
        let mine: Vec<Value> = call(&app, "notes/list", &cookie(&token), &[])
            .await
            .json()
            .await
            .unwrap();
        assert!(
            mine.iter()
                .any(|note| note["body"] == "from a provider" && note["mine"] == true)
        );
        let theirs: Vec<Value> = call(&app, "notes/list", &cookie(&other), &[])
            .await
            .json()
            .await
            .unwrap();
        assert!(
            theirs.iter().all(|note| note["body"] != "from a provider"),
            "{spec}"
        );
        assert_eq!(stored_notes(&sub).await, 1, "{spec}");
        assert_eq!(stored_notes(&other_sub).await, 0, "{spec}");

        // The account is the provider's: /account says so and changes nothing.
        let account = server_fn(&app, "account", &cookie(&token)).await;
        assert_eq!(
            account["managed_by"],
            Issuer::from_spec(spec).unwrap().provider().name(),
            "{spec}"
        );
        let password = call(
            &app,
            "account/password",
            &cookie(&token),
            &[
                ("password", "a-new-password-1"),
                ("password_repeat", "a-new-password-1"),
            ],
        )
        .await;
        assert_eq!(
            password.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{spec}"
        );

        sqlx::query("delete from public.notes where user_id = $1")
            .bind(&sub)
            .execute(&superuser().await)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn tokens_the_project_must_not_trust_reach_no_page_and_no_row() {
    let app = app_trusting("firebase:starter-dev").await;
    // Another development issuer for the same provider: its own key, unknown to this one.
    let stranger = app_trusting("firebase:starter-dev").await;
    let past = json!(1_700_000_000);
    let refused = [
        (
            "wrong issuer",
            mint(
                &app,
                "eve@example.com",
                json!({ "iss": "https://securetoken.google.com/other-project" }),
            )
            .await,
        ),
        (
            "wrong audience",
            mint(&app, "eve@example.com", json!({ "aud": "other-project" })).await,
        ),
        (
            "no role",
            mint(&app, "eve@example.com", json!({ "role": null })).await,
        ),
        (
            "another role",
            mint(&app, "eve@example.com", json!({ "role": "service_role" })).await,
        ),
        (
            "expired",
            mint(&app, "eve@example.com", json!({ "exp": past })).await,
        ),
        (
            "not yet valid",
            mint(&app, "eve@example.com", json!({ "nbf": 4_000_000_000u64 })).await,
        ),
        (
            "unknown key",
            mint(&stranger, "eve@example.com", json!({})).await,
        ),
    ];
    for (why, (token, sub)) in refused {
        let page = app.get("/protected", &cookie(&token)).await;
        assert_eq!(page.status(), StatusCode::SEE_OTHER, "{why}");
        assert!(
            page.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/auth/login"),
            "{why}"
        );
        let added = call(
            &app,
            "notes/add",
            &cookie(&token),
            &[("body", "should not land")],
        )
        .await;
        assert_eq!(added.status(), StatusCode::UNAUTHORIZED, "{why}");
        assert_eq!(stored_notes(&sub).await, 0, "{why}");
    }

    // A token whose header names no algorithm worth checking, and garbage: signed out too.
    let (good, _) = mint(&app, "eve@example.com", json!({})).await;
    let payload = good.split('.').nth(1).unwrap();
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    for token in [unsigned.as_str(), "not-a-token", &"a".repeat(9000)] {
        let page = app.get("/protected", &cookie(token)).await;
        assert_eq!(page.status(), StatusCode::SEE_OTHER);
    }
    // The untampered token signs in.
    assert_eq!(
        app.get("/protected", &cookie(&good)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn signing_out_forgets_the_providers_token_on_this_site() {
    let app = app_trusting("clerk:clerk.example.test").await;
    let (token, _) = mint(&app, "ada@example.com", json!({})).await;

    let signed_out = call(&app, "auth/sign-out", &cookie(&token), &[]).await;

    assert_eq!(signed_out.status(), StatusCode::OK);
    assert!(
        set_cookies(&signed_out)
            .iter()
            .any(|set| set.starts_with("__session=;") && set.contains("Max-Age=0")),
        "{:?}",
        set_cookies(&signed_out)
    );
}

#[tokio::test]
async fn without_a_trusted_issuer_a_providers_cookie_is_nobody() {
    // The issuer signs, but this app was not told to trust it.
    let issuing = app_trusting("clerk:clerk.example.test").await;
    let (token, _) = mint(&issuing, "ada@example.com", json!({})).await;
    let app = TestApp::spawn_with_database(|_| {}).await;

    assert_eq!(
        app.get("/protected", &cookie(&token)).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_development_issuer_signs_in_through_its_page() {
    let app = app_trusting("clerk:clerk.example.test").await;
    let page = app
        .auth_request(reqwest::Method::GET, "/third-party/sign-in")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Clerk (development)"));

    let signed_in = app
        .auth_request(reqwest::Method::POST, "/third-party/sign-in")
        .form(&[
            ("email", "ada@example.com"),
            ("redirect_to", &app.url("/notes")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()["location"], app.url("/notes").as_str());
    let set = set_cookies(&signed_in);
    let token = set
        .iter()
        .find_map(|set| set.strip_prefix("__session="))
        .and_then(|rest| rest.split(';').next())
        .expect("the token is in __session");
    assert_eq!(
        app.get("/protected", &cookie(token)).await.status(),
        StatusCode::OK
    );

    // Somewhere not allowed goes to the site instead.
    let elsewhere = app
        .auth_request(reqwest::Method::POST, "/third-party/sign-in")
        .form(&[
            ("email", "ada@example.com"),
            ("redirect_to", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        !elsewhere.headers()["location"]
            .to_str()
            .unwrap()
            .contains("evil")
    );
}
