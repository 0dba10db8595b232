//! The requests of the MFA factor and identity calls, as they reach a server: method, path,
//! headers and body. (local-auth answers these endpoints from its second part on; this records
//! what the client sends and answers in the upstream shape.)

use std::sync::{Arc, Mutex};

use axum::{
    Json, Router,
    extract::Request,
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use supabase_ssr::{AccessToken, ApiKey, AuthClient, PkceVerifier};
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path_and_query: String,
    headers: HeaderMap,
    body: Value,
}

/// A server that records each request and answers with `answer(path)`.
async fn recorder(answer: fn(&str) -> Value) -> (AuthClient, Arc<Mutex<Vec<Seen>>>) {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    let router = Router::new().fallback(move |request: Request| {
        let log = log.clone();
        async move {
            let (parts, body) = request.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let path_and_query = parts.uri.path_and_query().unwrap().to_string();
            let reply = answer(parts.uri.path());
            log.lock().unwrap().push(Seen {
                method: parts.method.to_string(),
                path_and_query,
                headers: parts.headers,
                body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            });
            let response: Response = Json(reply).into_response();
            response
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (
        AuthClient::new(&url, ApiKey::new("sb_publishable_k")).unwrap(),
        seen,
    )
}

fn upstream_answer(path: &str) -> Value {
    if path.ends_with("/challenge") {
        json!({ "id": "challenge-1", "type": "totp", "expires_at": 1_900_000_000u64 })
    } else if path.ends_with("/verify") {
        json!({ "access_token": "a.b.c", "token_type": "bearer", "expires_in": 3600,
                "refresh_token": "r", "user": { "id": "u" } })
    } else if path.ends_with("/factors") {
        json!({ "id": "factor-1", "type": "totp", "friendly_name": "phone",
                "totp": { "qr_code": "<svg/>", "secret": "JBSWY3DPEHPK3PXP",
                          "uri": "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP" } })
    } else if path.ends_with("/identities/authorize") {
        json!({ "url": "http://127.0.0.1:1/authorize?provider=github" })
    } else {
        json!({})
    }
}

#[tokio::test]
async fn factor_calls_send_the_upstream_requests_as_the_user() {
    let (client, seen) = recorder(upstream_answer).await;
    let token = AccessToken::new("user-jwt");

    let enrolled = client
        .enroll_totp(&token, Some("phone"), None)
        .await
        .unwrap();
    let challenge = client.challenge_factor(&token, &enrolled.id).await.unwrap();
    let session = client
        .verify_factor(&token, &enrolled.id, &challenge.id, "123456")
        .await
        .unwrap();
    client.unenroll_factor(&token, "factor/../1").await.unwrap();

    let seen = seen.lock().unwrap().clone();
    let calls: Vec<(&str, &str)> = seen
        .iter()
        .map(|seen| (seen.method.as_str(), seen.path_and_query.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            ("POST", "/auth/v1/factors"),
            ("POST", "/auth/v1/factors/factor-1/challenge"),
            ("POST", "/auth/v1/factors/factor-1/verify"),
            ("DELETE", "/auth/v1/factors/factor%2F..%2F1"),
        ]
    );
    assert_eq!(
        seen[0].body,
        json!({ "factor_type": "totp", "friendly_name": "phone", "issuer": null })
    );
    assert_eq!(
        seen[2].body,
        json!({ "challenge_id": "challenge-1", "code": "123456" })
    );
    for call in &seen {
        assert_eq!(call.headers["authorization"], "Bearer user-jwt");
        assert_eq!(call.headers["apikey"], "sb_publishable_k");
        assert_eq!(call.headers["x-supabase-api-version"], "2024-01-01");
    }
    assert_eq!(enrolled.totp.secret, "JBSWY3DPEHPK3PXP");
    assert_eq!(format!("{:?}", enrolled.totp), "TotpDetails([redacted])");
    assert!(session.expires_at.is_some());
}

#[tokio::test]
async fn identity_calls_send_the_upstream_requests() {
    let (client, seen) = recorder(upstream_answer).await;
    let token = AccessToken::new("user-jwt");
    let verifier = PkceVerifier::generate();

    let url = client
        .link_identity_url(
            &token,
            "github",
            Some("http://app/auth/callback"),
            &verifier.challenge(),
        )
        .await
        .unwrap();
    client.unlink_identity(&token, "identity-1").await.unwrap();

    let seen = seen.lock().unwrap().clone();
    let link = url::Url::parse(&format!("http://x{}", seen[0].path_and_query)).unwrap();
    let query: Vec<(String, String)> = link.query_pairs().into_owned().collect();
    assert_eq!(link.path(), "/auth/v1/user/identities/authorize");
    assert!(query.contains(&("skip_http_redirect".into(), "true".into())));
    assert!(query.contains(&("provider".into(), "github".into())));
    assert!(query.contains(&("code_challenge_method".into(), "s256".into())));
    assert!(query.contains(&("redirect_to".into(), "http://app/auth/callback".into())));
    assert_eq!(url.as_str(), "http://127.0.0.1:1/authorize?provider=github");
    assert_eq!(seen[1].method, "DELETE");
    assert_eq!(
        seen[1].path_and_query,
        "/auth/v1/user/identities/identity-1"
    );
}

#[tokio::test]
async fn a_captcha_answer_goes_with_every_call_the_auth_server_checks_it_on() {
    let (client, seen) = recorder(|_| json!({})).await;
    let client = client.with_captcha_token(Some("captcha-answer"));
    let options = supabase_ssr::EmailOptions::default();
    let email = supabase_ssr::Credentials::Email {
        email: "ada@example.com",
        password: "pw",
    };

    let _ = client.sign_up(email, json!({}), options).await;
    let _ = client.sign_in_with_password(email).await;
    let _ = client.sign_in_anonymously(json!({})).await;
    let _ = client
        .sign_in_with_otp("ada@example.com", true, options)
        .await;
    let _ = client.sign_in_with_phone_otp("15550100", true).await;
    let _ = client
        .reset_password_for_email("ada@example.com", options)
        .await;
    let _ = client
        .resend("ada@example.com", supabase_ssr::OtpType::Signup, options)
        .await;
    let without = client.with_captcha_token(None);
    let _ = without.sign_in_with_password(email).await;

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 8);
    for call in &seen[..7] {
        assert_eq!(
            call.body["gotrue_meta_security"],
            json!({ "captcha_token": "captcha-answer" }),
            "{}",
            call.path_and_query
        );
    }
    assert!(seen[7].body.get("gotrue_meta_security").is_none());
}
