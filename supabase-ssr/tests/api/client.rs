//! Every client call the app makes, against local-auth.

use serde_json::json;
use supabase_ssr::{
    ApiKey, AuthClient, AuthResponse, Credentials, EmailOptions, Error, ErrorCode, OtpType,
    PkceVerifier, SignOutScope, Timeouts, UserChanges, VerifyOtp,
};

use crate::helpers::{PASSWORD, TestAuth, email};

#[tokio::test]
async fn sign_up_without_confirmation_answers_with_a_session_and_the_metadata() {
    let auth = TestAuth::spawn().await;
    let address = email("signup");

    let answer = auth
        .client
        .sign_up(
            Credentials::Email {
                email: &address,
                password: PASSWORD,
            },
            json!({ "name": "Ada" }),
            EmailOptions::default(),
        )
        .await
        .unwrap();

    let AuthResponse::Session(session) = answer else {
        panic!("expected a session: {answer:?}");
    };
    assert_eq!(session.user.email.as_deref(), Some(address.as_str()));
    assert_eq!(session.user.user_metadata["name"], "Ada");
    assert!(session.expires_at.is_some());
}

#[tokio::test]
async fn sign_up_with_confirmation_answers_with_the_user_and_a_code_confirms_it() {
    let auth = TestAuth::spawn_with(|config| config.enable_confirmations = true).await;
    let address = email("confirm");
    let credentials = Credentials::Email {
        email: &address,
        password: PASSWORD,
    };

    let answer = auth
        .client
        .sign_up(credentials, json!({}), EmailOptions::default())
        .await
        .unwrap();
    let refused = auth.client.sign_in_with_password(credentials).await;
    let code = auth.latest_code(&address).await;
    let verified = auth
        .client
        .verify_otp(VerifyOtp::Code {
            email_or_phone: &address,
            token: &code,
            kind: OtpType::Signup,
        })
        .await
        .unwrap();

    assert!(matches!(answer, AuthResponse::User(_)));
    assert_eq!(
        refused.unwrap_err().code(),
        Some(&ErrorCode::EmailNotConfirmed)
    );
    assert!(matches!(verified, AuthResponse::Session(_)));
}

#[tokio::test]
async fn wrong_passwords_are_a_typed_api_error_not_retryable() {
    let auth = TestAuth::spawn().await;
    let address = email("wrong");
    auth.user(&address).await;

    let error = auth
        .client
        .sign_in_with_password(Credentials::Email {
            email: &address,
            password: "not it",
        })
        .await
        .unwrap_err();

    let Error::Api(api) = &error else {
        panic!("expected an API error: {error:?}");
    };
    assert_eq!(api.status.as_u16(), 400);
    assert_eq!(api.code, ErrorCode::InvalidCredentials);
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token() {
    let auth = TestAuth::spawn().await;
    let session = auth.user(&email("refresh")).await;

    let next = auth
        .client
        .refresh_session(&session.refresh_token)
        .await
        .unwrap();

    assert_ne!(next.refresh_token, session.refresh_token);
    assert_eq!(next.user.id, session.user.id);
}

#[tokio::test]
async fn user_get_and_update() {
    let auth = TestAuth::spawn().await;
    let session = auth.user(&email("user")).await;

    let updated = auth
        .client
        .update_user(
            &session.access_token,
            &UserChanges {
                data: Some(&json!({ "name": "Grace" })),
                ..Default::default()
            },
            EmailOptions::default(),
        )
        .await
        .unwrap();
    let fetched = auth.client.get_user(&session.access_token).await.unwrap();

    assert_eq!(updated.user_metadata["name"], "Grace");
    assert_eq!(fetched.user_metadata["name"], "Grace");
    assert_eq!(fetched.id, session.user.id);
}

#[tokio::test]
async fn magic_link_code_signs_in() {
    let auth = TestAuth::spawn().await;
    let address = email("otp");
    auth.user(&address).await;

    auth.client
        .sign_in_with_otp(&address, false, EmailOptions::default())
        .await
        .unwrap();
    let code = auth.latest_code(&address).await;
    let answer = auth
        .client
        .verify_otp(VerifyOtp::Code {
            email_or_phone: &address,
            token: &code,
            kind: OtpType::Email,
        })
        .await
        .unwrap();

    assert!(matches!(answer, AuthResponse::Session(_)));
}

#[tokio::test]
async fn recovery_resend_and_reauthentication_send_mail() {
    let auth = TestAuth::spawn_with(|config| config.enable_confirmations = true).await;
    let address = email("mail");
    let credentials = Credentials::Email {
        email: &address,
        password: PASSWORD,
    };
    auth.client
        .sign_up(credentials, json!({}), EmailOptions::default())
        .await
        .unwrap();

    auth.client
        .resend(&address, OtpType::Signup, EmailOptions::default())
        .await
        .unwrap();
    let code = auth.latest_code(&address).await;
    let Ok(AuthResponse::Session(session)) = auth
        .client
        .verify_otp(VerifyOtp::Code {
            email_or_phone: &address,
            token: &code,
            kind: OtpType::Signup,
        })
        .await
    else {
        panic!("the resent code confirms");
    };
    let verifier = PkceVerifier::generate();
    auth.client
        .reset_password_for_email(
            &address,
            EmailOptions {
                redirect_to: None,
                challenge: Some(&verifier.challenge()),
            },
        )
        .await
        .unwrap();
    let recovery = auth.latest_mail(&address).await;
    auth.client
        .reauthenticate(&session.access_token)
        .await
        .unwrap();
    let reauthentication = auth.latest_mail(&address).await;

    assert!(recovery.contains("reset the password"), "{recovery}");
    assert!(
        reauthentication.contains("enter the code"),
        "{reauthentication}"
    );
}

#[tokio::test]
async fn sign_out_ends_the_session_and_a_second_sign_out_is_not_an_error() {
    let auth = TestAuth::spawn().await;
    let session = auth.user(&email("logout")).await;

    auth.client
        .sign_out(&session.access_token, SignOutScope::Local)
        .await
        .unwrap();
    let refresh = auth.client.refresh_session(&session.refresh_token).await;
    let again = auth
        .client
        .sign_out(&session.access_token, SignOutScope::Global)
        .await;

    assert!(
        refresh
            .unwrap_err()
            .code()
            .is_some_and(ErrorCode::ends_session)
    );
    assert!(again.is_ok());
}

#[tokio::test]
async fn others_scope_keeps_this_session() {
    let auth = TestAuth::spawn().await;
    let address = email("others");
    let this = auth.user(&address).await;
    let other = auth
        .client
        .sign_in_with_password(Credentials::Email {
            email: &address,
            password: PASSWORD,
        })
        .await
        .unwrap();

    auth.client
        .sign_out(&this.access_token, SignOutScope::Others)
        .await
        .unwrap();

    assert!(
        auth.client
            .refresh_session(&this.refresh_token)
            .await
            .is_ok()
    );
    assert!(
        auth.client
            .refresh_session(&other.refresh_token)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn pkce_code_exchange_consumes_the_verifier() {
    let auth =
        TestAuth::spawn_with(|config| config.email_links = local_auth::EmailLinks::Verify).await;
    let address = email("pkce");
    auth.user(&address).await;
    let verifier = PkceVerifier::generate();
    auth.client
        .sign_in_with_otp(
            &address,
            false,
            EmailOptions {
                redirect_to: Some("http://127.0.0.1:3000/auth/callback"),
                challenge: Some(&verifier.challenge()),
            },
        )
        .await
        .unwrap();
    let text = auth.latest_mail(&address).await;
    let link = text.lines().find(|line| line.starts_with("http")).unwrap();
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(link)
        .send()
        .await
        .unwrap();
    let location = url::Url::parse(redirect.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(name, _)| name == "code")
        .map(|(_, code)| code.into_owned())
        .expect("a code");

    let session = auth
        .client
        .exchange_code_for_session(&code, verifier)
        .await
        .unwrap();
    let replay = auth
        .client
        .exchange_code_for_session(&code, PkceVerifier::generate())
        .await;

    assert_eq!(session.user.email.as_deref(), Some(address.as_str()));
    assert_eq!(
        replay.unwrap_err().code(),
        Some(&ErrorCode::FlowStateNotFound)
    );
}

#[tokio::test]
async fn settings_and_jwks_are_read() {
    let auth = TestAuth::spawn().await;

    let settings = auth.client.settings().await.unwrap();
    let jwks = auth.client.jwks().await.unwrap();

    assert_eq!(settings.external.get("email"), Some(&json!(true)));
    assert!(settings.mailer_autoconfirm);
    assert_eq!(jwks.keys.len(), 1);
}

#[tokio::test]
async fn an_unreachable_server_is_a_retryable_transport_error() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let client = AuthClient::new(&url, ApiKey::new("k")).unwrap();

    let error = client.settings().await.unwrap_err();

    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_stalled_server_times_out() {
    let stalled = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", stalled.local_addr().unwrap());
    let _hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = stalled.accept().await {
            held.push(socket);
        }
    });
    let timeouts = Timeouts {
        connect: std::time::Duration::from_millis(200),
        total: std::time::Duration::from_millis(300),
    };
    let client = AuthClient::with_timeouts(&url, ApiKey::new("k"), timeouts).unwrap();

    let error = client.settings().await.unwrap_err();

    let Error::Transport(source) = &error else {
        panic!("expected a transport error: {error:?}");
    };
    assert!(source.is_timeout(), "{source:?}");
    assert!(error.is_retryable());
}

/// A client with the secret key forwards each end user's address, so the project's per-address
/// limits count end users, not the app server; without the secret key they all count as the
/// server. Password sign-ins share the token limiter (30, then `token_refresh` per 5 minutes).
#[tokio::test]
async fn calls_for_an_end_user_forward_their_address_with_the_secret_key() {
    use std::net::{IpAddr, Ipv4Addr};

    let auth = TestAuth::spawn_with(|config| config.rate_limits.token_refresh = 0).await;
    let wrong = Credentials::Email {
        email: "nobody@example.com",
        password: "wrong-password",
    };
    let at = |client: &AuthClient, last: u8| {
        client.for_client_ip(Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, last))))
    };
    let code = |result: Result<supabase_ssr::Session, Error>| result.unwrap_err().code().cloned();
    assert!(auth.client.forwards_addresses());

    for _ in 0..30 {
        assert_eq!(
            code(at(&auth.client, 1).sign_in_with_password(wrong).await),
            Some(ErrorCode::InvalidCredentials)
        );
    }
    assert_eq!(
        code(at(&auth.client, 1).sign_in_with_password(wrong).await),
        Some(ErrorCode::OverRequestRateLimit)
    );
    assert_eq!(
        code(at(&auth.client, 2).sign_in_with_password(wrong).await),
        Some(ErrorCode::InvalidCredentials),
        "another end user has a bucket of their own"
    );

    // The publishable key alone: every end user is the server, which has spent nothing yet...
    let shared = AuthClient::new(&auth.url, ApiKey::new(auth.key.clone())).unwrap();
    assert!(!shared.forwards_addresses());
    for last in 10..40 {
        assert_eq!(
            code(at(&shared, last).sign_in_with_password(wrong).await),
            Some(ErrorCode::InvalidCredentials)
        );
    }
    // ...until thirty users together have spent its one bucket.
    assert_eq!(
        code(at(&shared, 40).sign_in_with_password(wrong).await),
        Some(ErrorCode::OverRequestRateLimit)
    );
}

/// What a forwarding client puts on the wire: the secret key only as `apikey` and only on calls
/// made for an end user, never as a bearer (which would make the call an admin's and skip
/// CAPTCHA); calls for nobody in particular, and every call of a client without the secret key,
/// carry the publishable key and no forwarded address.
#[tokio::test]
async fn the_secret_key_is_only_ever_the_apikey_of_calls_for_an_end_user() {
    use std::sync::{Arc, Mutex};

    type Seen = Arc<Mutex<Vec<http::HeaderMap>>>;
    let seen: Seen = Arc::default();
    let recorded = seen.clone();
    let recorder = axum::Router::new().fallback(move |request: axum::extract::Request| {
        recorded.lock().unwrap().push(request.headers().clone());
        async { axum::Json(json!({ "external": {}, "id": "u" })) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, recorder).await });
    let publishable = "sb_publishable_seen";
    let secret = "sb_secret_never-a-bearer";
    let plain = AuthClient::new(&url, ApiKey::new(publishable)).unwrap();
    let forwarding = plain.clone().with_secret_key(ApiKey::new(secret));
    let end_user = Some(std::net::IpAddr::from([203, 0, 113, 77]));
    let token = supabase_ssr::AccessToken::new("the-users-token");

    forwarding.for_client_ip(end_user).settings().await.unwrap();
    let _ = forwarding.for_client_ip(end_user).get_user(&token).await;
    forwarding.settings().await.unwrap();
    plain.for_client_ip(end_user).settings().await.unwrap();

    let seen = seen.lock().unwrap();
    let header = |n: usize, name: &str| {
        seen[n]
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    };
    // For an end user: the secret key as `apikey`, their address, a bearer that is not an admin.
    assert_eq!(header(0, "apikey").as_deref(), Some(secret));
    assert_eq!(
        header(0, "sb-forwarded-for").as_deref(),
        Some("203.0.113.77")
    );
    assert_eq!(
        header(0, "authorization").as_deref(),
        Some("Bearer sb_publishable_seen")
    );
    assert_eq!(
        header(1, "authorization").as_deref(),
        Some("Bearer the-users-token")
    );
    // For nobody in particular (the JWKS, settings), and without the secret key: no forwarding.
    for n in [2, 3] {
        assert_eq!(
            header(n, "apikey").as_deref(),
            Some(publishable),
            "call {n}"
        );
        assert_eq!(header(n, "sb-forwarded-for"), None, "call {n}");
    }
    for headers in seen.iter() {
        for (name, value) in headers {
            if name != "apikey" {
                assert!(
                    !value.to_str().unwrap_or_default().contains(secret),
                    "the secret key in {name}"
                );
            }
        }
    }
    assert_eq!(seen.len(), 4);
    assert!(!format!("{forwarding:?}").contains(secret));
}
