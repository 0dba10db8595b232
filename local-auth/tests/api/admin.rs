//! The admin API: service role only, users with paging, generate_link, invitations and factors.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestAuth, email, error_code};

/// A request as an admin client sends it: the secret key as `apikey` and as the bearer.
fn admin(auth: &TestAuth, method: Method, path: &str) -> reqwest::RequestBuilder {
    auth.client
        .request(method, auth.url(path))
        .header("apikey", &auth.secret_key)
        .header("x-supabase-api-version", "2024-01-01")
        .bearer_auth(&auth.secret_key)
}

async fn create(auth: &TestAuth, body: Value) -> Value {
    let response = admin(auth, Method::POST, "/admin/users")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn only_the_service_role_may_call_admin_endpoints() {
    let auth = TestAuth::spawn().await;
    let session = auth.confirmed_user(&email("plain"), "password-1").await;

    let anonymous = auth
        .request(Method::GET, "/admin/users")
        .send()
        .await
        .unwrap();
    let publishable = auth
        .request(Method::GET, "/admin/users")
        .bearer_auth(&auth.publishable_key)
        .send()
        .await
        .unwrap();
    let user = auth
        .get_as("/admin/users", session["access_token"].as_str().unwrap())
        .await;
    let invite = auth
        .request(Method::POST, "/invite")
        .bearer_auth(session["access_token"].as_str().unwrap())
        .json(&json!({ "email": email("x") }))
        .send()
        .await
        .unwrap();

    assert_eq!(
        error_code(anonymous).await,
        (StatusCode::UNAUTHORIZED, "no_authorization".into())
    );
    assert_eq!(
        error_code(publishable).await,
        (StatusCode::FORBIDDEN, "not_admin".into())
    );
    assert_eq!(
        error_code(user).await,
        (StatusCode::FORBIDDEN, "not_admin".into())
    );
    assert_eq!(
        error_code(invite).await,
        (StatusCode::FORBIDDEN, "not_admin".into())
    );
}

#[tokio::test]
async fn users_are_created_read_updated_and_deleted() {
    let auth = TestAuth::spawn().await;
    let address = email("managed");

    let user = create(
        &auth,
        json!({
            "email": address, "password": "password-1", "email_confirm": true,
            "user_metadata": { "name": "Ada" }, "app_metadata": { "user_role": "admin" },
        }),
    )
    .await;
    assert!(user["email_confirmed_at"].is_string());
    assert_eq!(user["app_metadata"]["user_role"], "admin");
    assert_eq!(user["app_metadata"]["provider"], "email");
    let session = auth.sign_in(&address, "password-1").await;
    assert!(
        auth.mails().await.is_empty(),
        "admins create users without mail"
    );

    let id = user["id"].as_str().unwrap();
    let fetched: Value = admin(&auth, Method::GET, &format!("/admin/users/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["user_metadata"]["name"], "Ada");

    let updated: Value = admin(&auth, Method::PUT, &format!("/admin/users/{id}"))
        .json(&json!({ "user_metadata": { "team": "core" }, "ban_duration": "24h" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        updated["user_metadata"],
        json!({ "name": "Ada", "team": "core" })
    );
    assert!(updated["banned_until"].is_string());
    let refresh = auth
        .refresh(session["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(
        refresh.status(),
        StatusCode::BAD_REQUEST,
        "a ban ends the sessions"
    );
    let banned = auth
        .post(
            "/token?grant_type=password",
            json!({ "email": address, "password": "password-1" }),
        )
        .await;
    assert_eq!(
        error_code(banned).await,
        (StatusCode::BAD_REQUEST, "user_banned".into())
    );
    admin(&auth, Method::PUT, &format!("/admin/users/{id}"))
        .json(&json!({ "ban_duration": "none" }))
        .send()
        .await
        .unwrap();
    auth.sign_in(&address, "password-1").await;

    let deleted = admin(&auth, Method::DELETE, &format!("/admin/users/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    let gone = admin(&auth, Method::GET, &format!("/admin/users/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(gone).await,
        (StatusCode::NOT_FOUND, "user_not_found".into())
    );
    let malformed = admin(&auth, Method::GET, "/admin/users/not-a-uuid")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(malformed).await,
        (StatusCode::NOT_FOUND, "validation_failed".into())
    );
}

#[tokio::test]
async fn creating_a_user_with_a_taken_address_or_no_address_is_refused() {
    let auth = TestAuth::spawn().await;
    let address = email("twice");
    create(&auth, json!({ "email": address })).await;

    let again = admin(&auth, Method::POST, "/admin/users")
        .json(&json!({ "email": address }))
        .send()
        .await
        .unwrap();
    let nothing = admin(&auth, Method::POST, "/admin/users")
        .json(&json!({ "password": "password-1" }))
        .send()
        .await
        .unwrap();

    assert_eq!(
        error_code(again).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "email_exists".into())
    );
    assert_eq!(
        error_code(nothing).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
}

#[tokio::test]
async fn users_are_listed_in_pages_with_the_total_and_links() {
    let auth = TestAuth::spawn().await;
    for n in 0..5 {
        create(&auth, json!({ "email": email(&format!("page{n}")) })).await;
    }

    let response = admin(&auth, Method::GET, "/admin/users?page=2&per_page=2")
        .send()
        .await
        .unwrap();

    assert_eq!(response.headers()["x-total-count"], "5");
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains("page=3&per_page=2>; rel=\"next\""), "{link}");
    assert!(link.contains("page=3&per_page=2>; rel=\"last\""), "{link}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["aud"], "authenticated");
    assert_eq!(body["users"].as_array().unwrap().len(), 2);
    let bad = admin(&auth, Method::GET, "/admin/users?page=0")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(bad).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
}

#[tokio::test]
async fn generated_links_verify_like_mailed_ones_and_send_nothing() {
    let auth = TestAuth::spawn().await;
    let address = email("linked");

    let signup: Value = admin(&auth, Method::POST, "/admin/generate_link")
        .json(&json!({ "type": "signup", "email": address, "password": "password-1" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(signup["verification_type"], "signup");
    assert_eq!(signup["email"], address.as_str());
    let action_link = signup["action_link"].as_str().unwrap();
    assert!(
        action_link.starts_with(&auth.url("/verify?token=")),
        "{action_link}"
    );
    let followed = auth.client.get(action_link).send().await.unwrap();
    assert_eq!(followed.status(), StatusCode::SEE_OTHER);
    assert!(
        followed.headers()["location"]
            .to_str()
            .unwrap()
            .contains("access_token=")
    );

    let magic: Value = admin(&auth, Method::POST, "/admin/generate_link")
        .json(&json!({ "type": "magiclink", "email": address }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(magic["verification_type"], "magiclink");
    let verified = auth
        .post(
            "/verify",
            json!({ "type": "magiclink", "email": address, "token": magic["email_otp"] }),
        )
        .await;
    assert_eq!(verified.status(), StatusCode::OK);

    let recovery_unknown = admin(&auth, Method::POST, "/admin/generate_link")
        .json(&json!({ "type": "recovery", "email": email("nobody") }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(recovery_unknown).await,
        (StatusCode::NOT_FOUND, "user_not_found".into())
    );
    let bad_type = admin(&auth, Method::POST, "/admin/generate_link")
        .json(&json!({ "type": "teleport", "email": address }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(bad_type).await,
        (StatusCode::BAD_REQUEST, "validation_failed".into())
    );
    assert!(auth.mails().await.is_empty());
}

#[tokio::test]
async fn an_invitation_is_mailed_and_accepted() {
    let auth = TestAuth::spawn().await;
    let address = email("invited");

    let response = admin(&auth, Method::POST, "/invite")
        .json(&json!({ "email": address, "data": { "team": "core" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let user: Value = response.json().await.unwrap();
    assert!(user["invited_at"].is_string());

    let mail = auth.latest_mail(&address).await;
    assert_eq!(mail.subject, "You have been invited");
    assert!(mail.link().contains("type=invite"));
    let accepted = auth
        .post(
            "/verify",
            json!({ "type": "invite", "email": address, "token": mail.code() }),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let session: Value = accepted.json().await.unwrap();
    assert!(session["user"]["email_confirmed_at"].is_string());
    assert_eq!(session["user"]["user_metadata"]["team"], "core");

    let twice = admin(&auth, Method::POST, "/invite")
        .json(&json!({ "email": address }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(twice).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "email_exists".into())
    );
}

#[tokio::test]
async fn admins_list_and_remove_a_users_factors() {
    let auth = TestAuth::spawn().await;
    let session = auth.confirmed_user(&email("mfa"), "password-1").await;
    let enrolled = auth
        .request(Method::POST, "/factors")
        .bearer_auth(session["access_token"].as_str().unwrap())
        .json(&json!({ "factor_type": "totp", "friendly_name": "phone app" }))
        .send()
        .await
        .unwrap();
    let factor: Value = enrolled.json().await.unwrap();
    let user_id = session["user"]["id"].as_str().unwrap();

    let listed: Value = admin(
        &auth,
        Method::GET,
        &format!("/admin/users/{user_id}/factors"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(listed[0]["id"], factor["id"]);
    assert_eq!(listed[0]["friendly_name"], "phone app");

    let path = format!(
        "/admin/users/{user_id}/factors/{}",
        factor["id"].as_str().unwrap()
    );
    let removed = admin(&auth, Method::DELETE, &path).send().await.unwrap();
    assert_eq!(removed.status(), StatusCode::OK);
    let again = admin(&auth, Method::DELETE, &path).send().await.unwrap();
    assert_eq!(
        error_code(again).await,
        (StatusCode::NOT_FOUND, "mfa_factor_not_found".into())
    );
}

#[tokio::test]
async fn a_service_role_token_signed_by_this_server_is_an_admin() {
    let auth = TestAuth::spawn_with(|config| {
        config.jwt_secret = Some(local_auth::Secret::new(
            "a-test-secret-of-at-least-32-characters",
        ));
    })
    .await;
    let now = chrono::Utc::now().timestamp();
    let sign = |claims: Value, secret: &[u8]| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .unwrap()
    };
    let secret = b"a-test-secret-of-at-least-32-characters";
    let token = sign(
        json!({ "role": "service_role", "iss": "supabase", "iat": now, "exp": now + 600 }),
        secret,
    );
    // Upstream's own admin test token: no `exp`, correctly signed.
    let without_expiry = sign(json!({ "sub": "admin", "role": "supabase_admin" }), secret);
    let expired = sign(json!({ "role": "service_role", "exp": now - 60 }), secret);
    let forged = sign(
        json!({ "role": "service_role", "exp": now + 600 }),
        b"another-secret-of-at-least-32-characters",
    );
    let not_admin = sign(json!({ "role": "authenticated", "exp": now + 600 }), secret);

    for allowed in [&token, &without_expiry] {
        let response = auth.get_as("/admin/users", allowed).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    for refused in [&expired, &forged] {
        assert_eq!(
            error_code(auth.get_as("/admin/users", refused).await).await,
            (StatusCode::FORBIDDEN, "bad_jwt".into())
        );
    }
    assert_eq!(
        error_code(auth.get_as("/admin/users", &not_admin).await).await,
        (StatusCode::FORBIDDEN, "not_admin".into())
    );
}

async fn generate(auth: &TestAuth, body: Value) -> Value {
    let response = admin(auth, Method::POST, "/admin/generate_link")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn verify(auth: &TestAuth, kind: &str, address: &str, code: &Value) -> StatusCode {
    let body = json!({ "type": kind, "email": address, "token": code });
    auth.post("/verify", body).await.status()
}

#[tokio::test]
async fn every_link_type_verifies_with_its_code() {
    let auth = TestAuth::spawn().await;

    let invited = email("invited");
    let link = generate(&auth, json!({ "type": "invite", "email": invited })).await;
    assert_eq!(link["verification_type"], "invite");
    assert!(link["invited_at"].is_string());
    assert_eq!(
        verify(&auth, "invite", &invited, &link["email_otp"]).await,
        StatusCode::OK
    );

    let link = generate(&auth, json!({ "type": "recovery", "email": invited })).await;
    assert_eq!(link["verification_type"], "recovery");
    assert_eq!(
        verify(&auth, "recovery", &invited, &link["email_otp"]).await,
        StatusCode::OK
    );

    for (kind, leg) in [
        ("email_change_current", "current"),
        ("email_change_new", "new"),
    ] {
        let new_email = email(leg);
        let link = generate(
            &auth,
            json!({ "type": kind, "email": invited, "new_email": new_email }),
        )
        .await;
        assert_eq!(link["verification_type"], "email_change");
        assert_eq!(link["new_email"], new_email.as_str());
        let address = if leg == "current" {
            &invited
        } else {
            &new_email
        };
        assert_eq!(
            verify(&auth, "email_change", address, &link["email_otp"]).await,
            StatusCode::OK
        );
        let user: Value = admin(
            &auth,
            Method::GET,
            &format!("/admin/users/{}", link["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(
            user["email"],
            new_email.as_str(),
            "{kind} moved the address"
        );
        // The next round starts from the first address again.
        let reset = admin(
            &auth,
            Method::PUT,
            &format!("/admin/users/{}", link["id"].as_str().unwrap()),
        )
        .json(&json!({ "email": invited, "email_confirm": true }))
        .send()
        .await
        .unwrap();
        assert_eq!(reset.status(), StatusCode::OK);
    }
    let taken = generate(
        &auth,
        json!({ "type": "signup", "email": email("fresh"), "password": "password-1" }),
    )
    .await;
    let clash = admin(&auth, Method::POST, "/admin/generate_link")
        .json(&json!({ "type": "email_change_new", "email": invited, "new_email": taken["email"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(clash).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "email_exists".into())
    );
}
