//! Auth hooks (`[auth.hook.*]`): each kind as a PostgreSQL function in a real database (the
//! `TEST_AUTH_DATABASE_URL` that `cargo xtask test` starts, as `supabase_auth_admin`) and as an
//! HTTP endpoint that checks the Standard Webhooks signature, with upstream's answers when a hook
//! fails.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{Router, http::HeaderMap, routing::post};
use base64::{Engine, engine::general_purpose::STANDARD};
use local_auth::{
    Config, Secret,
    hooks::{HookConfig, HookName},
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::{
    helpers::{TestAuth, email, error_code},
    mfa::call,
    mfa::{code_at, enroll, now, verify},
};

const PASSWORD: &str = "hook-password-1";
/// The signing secret of the HTTP hooks here (`v1,whsec_` + base64 of the key).
const SECRET: &str = "v1,whsec_aG9vay1zaWduaW5nLWtleQ==";
const KEY: &[u8] = b"hook-signing-key";

/// The database the PostgreSQL hooks run in.
fn database_url() -> String {
    std::env::var("TEST_AUTH_DATABASE_URL").expect(
        "the hook tests need PostgreSQL: run them with `cargo xtask test`, or start one with \
         `cargo xtask db` and set TEST_AUTH_DATABASE_URL to the supabase_auth_admin URL it prints",
    )
}

/// Creates `auth.<unique name>(event jsonb) returns jsonb` with `body` (PL/pgSQL, `event` in
/// scope) and returns its hook URI.
async fn pg_function(body: &str) -> String {
    let name = format!("hook_{}", uuid::Uuid::new_v4().simple());
    let pool = PgPool::connect(&database_url()).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "create function auth.{name}(event jsonb) returns jsonb language plpgsql as $hook$\n\
         begin\n{body}\nend;\n$hook$"
    )))
    .execute(&pool)
    .await
    .unwrap();
    format!("pg-functions://postgres/auth/{name}")
}

/// A local-auth with `name` pointing at `uri` and the test database.
async fn with_hook(name: HookName, uri: &str) -> TestAuth {
    with_hooks(&[(name, uri)], |_| {}).await
}

async fn with_hooks(hooks: &[(HookName, &str)], adjust: impl FnOnce(&mut Config)) -> TestAuth {
    let hooks: Vec<_> = hooks
        .iter()
        .map(|(name, uri)| HookConfig {
            name: *name,
            uri: (*uri).to_owned(),
            secrets: vec![SECRET.to_owned()],
        })
        .collect();
    TestAuth::spawn_with(|config| {
        config.database_url = Some(Secret::new(database_url()));
        config.hooks = hooks;
        adjust(config);
    })
    .await
}

fn claims(session: &Value) -> Value {
    jsonwebtoken::dangerous::insecure_decode_claims(session["access_token"].as_str().unwrap())
        .unwrap()
}

async fn sign_in(auth: &TestAuth, address: &str, password: &str) -> reqwest::Response {
    auth.post(
        "/token?grant_type=password",
        json!({ "email": address, "password": password }),
    )
    .await
}

/// What an HTTP hook endpoint received: the headers and the body of each call.
type Calls = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// An HTTP hook endpoint on port 0 that records each call and answers with `answer`; returns its
/// URL and the calls.
async fn endpoint(
    answer: impl Fn(&Value) -> axum::response::Response + Clone + Send + Sync + 'static,
) -> (String, Calls) {
    let calls: Calls = Arc::default();
    let recorded = calls.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let recorded = recorded.clone();
            let answer = answer.clone();
            async move {
                let event: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                recorded.lock().unwrap().push((headers, body));
                answer(&event)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, calls)
}

fn json_answer(value: Value) -> axum::response::Response {
    axum::response::IntoResponse::into_response(axum::Json(value))
}

/// Checks a call's Standard Webhooks signature with the key, as a receiver would.
fn assert_signed(headers: &HeaderMap, body: &str) {
    let header = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
    let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
    let age = now().abs_diff(timestamp.parse::<u64>().unwrap());
    assert!(age < 10, "a fresh timestamp");
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, KEY);
    let expected = ring::hmac::sign(&key, format!("{id}.{timestamp}.{body}").as_bytes());
    assert_eq!(
        header("webhook-signature"),
        format!("v1,{}", STANDARD.encode(expected))
    );
}

#[tokio::test]
async fn a_postgres_access_token_hook_adds_claims_and_sees_upstreams_event() {
    let uri = pg_function(
        "return jsonb_set(event, '{claims,user_role}', to_jsonb('admin-' || (event->>'authentication_method')))\n\
         || jsonb_build_object('seen', event);",
    )
    .await;
    let auth = with_hook(HookName::CustomAccessToken, &uri).await;
    let address = email("pg-claims");
    auth.confirmed_user(&address, PASSWORD).await;

    let session: Value = sign_in(&auth, &address, PASSWORD)
        .await
        .json()
        .await
        .unwrap();

    let signed_in = claims(&session);
    assert_eq!(signed_in["user_role"], "admin-password");
    assert_eq!(signed_in["email"], address);
    let refreshed: Value = auth
        .refresh(session["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(claims(&refreshed)["user_role"], "admin-token_refresh");
    // The API takes tokens with claims a hook added.
    let user = auth
        .get_as("/user", refreshed["access_token"].as_str().unwrap())
        .await;
    assert_eq!(user.status(), StatusCode::OK);
}

#[tokio::test]
async fn without_a_hook_tokens_carry_exactly_the_claims_upstream_issues() {
    let auth = TestAuth::spawn().await;

    let session = auth.confirmed_user(&email("plain"), PASSWORD).await;

    let claims = claims(&session);
    let mut names: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "aal",
            "amr",
            "app_metadata",
            "aud",
            "email",
            "exp",
            "iat",
            "is_anonymous",
            "iss",
            "phone",
            "role",
            "session_id",
            "sub",
            "user_metadata"
        ]
    );
}

#[tokio::test]
async fn a_postgres_hook_that_fails_gets_upstreams_answers() {
    let address = email("pg-fails");
    let cases = [
        // Missing: no such function.
        (
            "pg-functions://postgres/auth/no_such_hook".to_owned(),
            500,
            "unexpected_failure",
        ),
        // Raises.
        (
            pg_function("raise exception 'boom';").await,
            500,
            "unexpected_failure",
        ),
        // Times out (upstream's two seconds).
        (
            pg_function("perform pg_sleep(3); return event;").await,
            500,
            "unexpected_failure",
        ),
        // Claims without the required ones.
        (
            pg_function("return jsonb_build_object('claims', jsonb_build_object('sub', 'x'));")
                .await,
            500,
            "unexpected_failure",
        ),
        // No claims at all.
        (
            pg_function("return '{}'::jsonb;").await,
            500,
            "unexpected_failure",
        ),
    ];
    for (index, (uri, status, code)) in cases.into_iter().enumerate() {
        let auth = with_hook(HookName::CustomAccessToken, &uri).await;
        let address = format!("{index}-{address}");
        // Sign-up needs no token (confirmations are on); the sign-in does.
        let signed_up = auth
            .post("/signup", json!({ "email": address, "password": PASSWORD }))
            .await;
        assert_eq!(signed_up.status(), StatusCode::OK);
        let code_of_mail = auth.latest_mail(&address).await.code();
        let started = Instant::now();

        let verified = auth
            .post(
                "/verify",
                json!({ "type": "signup", "email": address, "token": code_of_mail }),
            )
            .await;

        let took = started.elapsed();
        assert_eq!(verified.status().as_u16(), status, "{uri}");
        let body: Value = verified.json().await.unwrap();
        assert_eq!(body["code"], code, "{uri}: {body}");
        assert!(took < Duration::from_secs(4), "{uri} took {took:?}");
        if uri.ends_with("no_such_hook") {
            assert_eq!(body["message"], format!("Error running hook URI: {uri}"));
        }
    }
}

#[tokio::test]
async fn a_refusing_hook_answers_with_its_own_status_and_message() {
    let uri = pg_function(
        "return jsonb_build_object('error', jsonb_build_object('http_code', 403, 'message', 'Not today'));",
    )
    .await;
    let auth = with_hook(HookName::CustomAccessToken, &uri).await;
    let address = email("pg-refuses");
    auth.post("/signup", json!({ "email": address, "password": PASSWORD }))
        .await;
    let code = auth.latest_mail(&address).await.code();

    let response = auth
        .post(
            "/verify",
            json!({ "type": "signup", "email": address, "token": code }),
        )
        .await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "Not today");
    // Nothing was signed in: a second try still fails the same way, and no session leaked.
    let again = sign_in(&auth, &address, PASSWORD).await;
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_http_access_token_hook_is_signed_and_its_claims_are_the_tokens() {
    let (url, calls) = endpoint(|event| {
        let mut claims = event["claims"].clone();
        claims["plan"] = json!("pro");
        json_answer(json!({ "claims": claims }))
    })
    .await;
    let auth = with_hook(HookName::CustomAccessToken, &url).await;
    let address = email("http-claims");

    let session = auth.confirmed_user(&address, PASSWORD).await;

    assert_eq!(claims(&session)["plan"], "pro");
    let calls = calls.lock().unwrap();
    let (headers, body) = calls.last().unwrap();
    assert_signed(headers, body);
    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(event["metadata"]["name"], "customize-access-token");
    assert_eq!(event["metadata"]["ip_address"], "127.0.0.1");
    assert!(event["metadata"]["uuid"].is_string());
    assert_eq!(event["user_id"], claims(&session)["sub"]);
    assert_eq!(event["authentication_method"], "otp");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_http_hook_that_fails_gets_upstreams_answers() {
    let plain = |_: &Value| {
        axum::response::IntoResponse::into_response(([("content-type", "text/plain")], "ok"))
    };
    let status = |code: u16| {
        move |_: &Value| {
            axum::response::IntoResponse::into_response(
                axum::http::StatusCode::from_u16(code).unwrap(),
            )
        }
    };
    let huge = |_: &Value| json_answer(json!({ "claims": "x".repeat(300 * 1024) }));
    let cases: Vec<(String, u16, &str)> = vec![
        (
            endpoint(plain).await.0,
            400,
            "hook_payload_invalid_content_type",
        ),
        (endpoint(status(500)).await.0, 500, "unexpected_failure"),
        (endpoint(status(401)).await.0, 500, "unexpected_failure"),
        (endpoint(huge).await.0, 422, "hook_payload_over_size_limit"),
        (
            slow_endpoint(Duration::from_secs(6)).await,
            422,
            "hook_timeout",
        ),
        // Nothing listens on port 9: three attempts two seconds apart.
        (
            "http://127.0.0.1:9/hook".to_owned(),
            422,
            "hook_timeout_after_retry",
        ),
    ];
    let runs = cases.into_iter().map(|(url, status, code)| {
        tokio::spawn(async move {
            let auth = with_hook(HookName::CustomAccessToken, &url).await;
            let address = email("http-fails");
            auth.post("/signup", json!({ "email": address, "password": PASSWORD }))
                .await;
            let token = auth.latest_mail(&address).await.code();
            let response = auth
                .post(
                    "/verify",
                    json!({ "type": "signup", "email": address, "token": token }),
                )
                .await;
            assert_eq!(
                error_code(response).await,
                (StatusCode::from_u16(status).unwrap(), code.to_owned()),
                "{url}"
            );
        })
    });
    // At once: the slow cases take seconds each.
    for run in runs.collect::<Vec<_>>() {
        run.await.unwrap();
    }
}

/// An HTTP hook endpoint that answers only after `delay`.
async fn slow_endpoint(delay: Duration) -> String {
    let app = Router::new().route(
        "/hook",
        post(move || async move {
            tokio::time::sleep(delay).await;
            json_answer(json!({}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn the_send_email_hook_sends_instead_of_the_mailbox() {
    let (url, calls) = endpoint(|_| {
        axum::response::IntoResponse::into_response(axum::http::StatusCode::NO_CONTENT)
    })
    .await;
    let auth = with_hook(HookName::SendEmail, &url).await;
    let address = email("send-email");

    let response = auth
        .post("/signup", json!({ "email": address, "password": PASSWORD }))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        auth.mails().await.is_empty(),
        "the hook sent it, not the mailbox"
    );
    let (headers, body) = calls.lock().unwrap().last().cloned().unwrap();
    assert_signed(&headers, &body);
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["user"]["email"], address);
    let data = &event["email_data"];
    assert_eq!(data["email_action_type"], "signup");
    let token = data["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 6);
    assert!(data["token_hash"].as_str().unwrap().len() > 20);
    // The code the hook mailed confirms the address.
    let verified = auth
        .post(
            "/verify",
            json!({ "type": "signup", "email": address, "token": token }),
        )
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_send_sms_hook_texts_instead_of_the_mailbox() {
    let pool = PgPool::connect(&database_url()).await.unwrap();
    sqlx::query(
        "create table if not exists auth.sms_hook_outbox (phone text not null, otp text not null)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let uri = pg_function(
        "insert into auth.sms_hook_outbox (phone, otp) values (event->'sms'->>'phone', event->'sms'->>'otp');\n\
         return '{}'::jsonb;",
    )
    .await;
    let auth = with_hooks(&[(HookName::SendSms, &uri)], |config| {
        config.sms.enable_signup = true;
        config.sms.max_frequency = 0;
    })
    .await;
    let phone = format!("1555{}", &uuid::Uuid::new_v4().as_u128().to_string()[..7]);

    let response = auth.post("/otp", json!({ "phone": phone })).await;

    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{:?}",
        response.text().await
    );
    assert!(auth.mails().await.is_empty());
    let otp: String = sqlx::query_scalar("select otp from auth.sms_hook_outbox where phone = $1")
        .bind(&phone)
        .fetch_one(&pool)
        .await
        .unwrap();
    let verified = auth
        .post(
            "/verify",
            json!({ "type": "sms", "phone": phone, "token": otp }),
        )
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_phone_factor_texts_its_code_through_the_send_sms_hook() {
    let pool = PgPool::connect(&database_url()).await.unwrap();
    sqlx::query(
        "create table if not exists auth.mfa_sms_hook_outbox \
         (phone text not null, otp text not null, sms_type text)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let uri = pg_function(
        "insert into auth.mfa_sms_hook_outbox (phone, otp, sms_type) \
         values (event->'sms'->>'phone', event->'sms'->>'otp', event->'sms'->>'sms_type');\n\
         return '{}'::jsonb;",
    )
    .await;
    let auth = with_hooks(&[(HookName::SendSms, &uri)], |config| {
        config.mfa_phone.enroll_enabled = true;
        config.mfa_phone.verify_enabled = true;
        // The project's copy of `auth.mfa_factors` follows, as for the other kinds.
        config.database_url = Some(Secret::new(database_url()));
    })
    .await;
    let session = auth.confirmed_user(&email("mfa-sms-hook"), PASSWORD).await;
    let phone = format!("1555{}", &uuid::Uuid::new_v4().as_u128().to_string()[..7]);
    let enrolled: Value = call(
        &auth,
        Method::POST,
        "/factors",
        &session,
        json!({ "factor_type": "phone", "phone": phone }),
    )
    .await
    .json()
    .await
    .unwrap();
    let factor = enrolled["id"].as_str().unwrap();
    let challenge_path = format!("/factors/{factor}/challenge");
    let challenge: Value = call(&auth, Method::POST, &challenge_path, &session, json!({}))
        .await
        .json()
        .await
        .unwrap();

    let (otp, sms_type): (String, String) =
        sqlx::query_as("select otp, sms_type from auth.mfa_sms_hook_outbox where phone = $1")
            .bind(&phone)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(sms_type, "mfa");
    let verified = call(
        &auth,
        Method::POST,
        &format!("/factors/{factor}/verify"),
        &session,
        json!({ "challenge_id": challenge["id"], "code": otp }),
    )
    .await;
    assert_eq!(verified.status(), StatusCode::OK);
    let copied: (String, String) = sqlx::query_as(
        "select factor_type::text, status::text from auth.mfa_factors where id = $1::uuid",
    )
    .bind(factor)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(copied, ("phone".to_owned(), "verified".to_owned()));
}

#[tokio::test]
async fn the_password_hook_rejects_and_may_sign_the_user_out_everywhere() {
    let uri = pg_function(
        "if (event->>'valid')::boolean then return '{}'::jsonb; end if;\n\
         return jsonb_build_object('decision', 'reject', 'message', 'Locked for a while', 'should_logout_user', true);",
    )
    .await;
    let auth = with_hook(HookName::PasswordVerificationAttempt, &uri).await;
    let address = email("pw-hook");
    let session = auth.confirmed_user(&address, PASSWORD).await;

    let wrong = sign_in(&auth, &address, "wrong-password-1").await;

    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["code"], "invalid_credentials");
    assert_eq!(body["message"], "Locked for a while");
    let refreshed = auth
        .refresh(session["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(
        refreshed.status(),
        StatusCode::BAD_REQUEST,
        "the session ended"
    );
    assert_eq!(
        sign_in(&auth, &address, PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_mfa_hook_rejects_and_signs_the_user_out() {
    let (url, calls) = endpoint(|event| {
        if event["valid"] == json!(true) {
            json_answer(json!({ "decision": "continue" }))
        } else {
            json_answer(json!({ "decision": "reject" }))
        }
    })
    .await;
    let auth = with_hook(HookName::MfaVerificationAttempt, &url).await;
    let address = email("mfa-hook");
    let session = auth.confirmed_user(&address, PASSWORD).await;
    let (factor, secret) = enroll(&auth, &session, "app").await;

    let accepted = verify(&auth, &session, &factor, &code_at(&secret, now())).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let raised: Value = accepted.json().await.unwrap();
    let rejected = verify(&auth, &raised, &factor, "000000").await;

    assert_eq!(
        error_code(rejected).await,
        (
            StatusCode::FORBIDDEN,
            "mfa_verification_rejected".to_owned()
        )
    );
    let refreshed = auth
        .refresh(raised["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST, "signed out");
    let events: Vec<Value> = calls
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| serde_json::from_str(body).unwrap())
        .collect();
    assert_eq!(events[0]["factor_id"], factor);
    assert_eq!(events[0]["factor_type"], "totp");
    assert_eq!(
        (events[0]["valid"].clone(), events[1]["valid"].clone()),
        (json!(true), json!(false))
    );
}

#[tokio::test]
async fn the_before_user_created_hook_refuses_and_nothing_is_created() {
    let uri = pg_function(
        "if event->'user'->>'email' like '%@blocked.example' then\n\
           return jsonb_build_object('error', jsonb_build_object('http_code', 400, 'message', 'Use your work address'));\n\
         end if;\n\
         return '{}'::jsonb;",
    )
    .await;
    let auth = with_hook(HookName::BeforeUserCreated, &uri).await;
    let blocked = format!("{}@blocked.example", uuid::Uuid::new_v4().simple());

    let refused = auth
        .post("/signup", json!({ "email": blocked, "password": PASSWORD }))
        .await;
    let magic = auth.post("/otp", json!({ "email": blocked })).await;

    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["message"], "Use your work address");
    assert_eq!(magic.status(), StatusCode::BAD_REQUEST);
    assert!(auth.mails().await.is_empty());
    let users: Value = auth
        .client
        .get(auth.url("/admin/users"))
        .header("apikey", &auth.secret_key)
        .bearer_auth(&auth.secret_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        users["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|user| user["email"] != blocked.as_str()),
        "no user was created"
    );
    let allowed = auth.confirmed_user(&email("allowed"), PASSWORD).await;
    assert!(allowed["access_token"].is_string());
}

#[tokio::test]
async fn a_hook_that_cannot_run_stops_the_start_and_says_why() {
    let config = Config {
        hooks: vec![HookConfig {
            name: HookName::CustomAccessToken,
            uri: "pg-functions://postgres/public/custom_access_token_hook".to_owned(),
            secrets: Vec::new(),
        }],
        ..local_auth::testing::test_config()
    };

    let error = local_auth::LocalAuth::start(Config {
        data_dir: tempfile::tempdir().unwrap().keep(),
        ..config
    })
    .await
    .unwrap_err()
    .to_string();

    assert!(error.contains("[auth.hook.custom_access_token]"), "{error}");
    assert!(error.contains("LOCAL_AUTH_DATABASE_URL"), "{error}");
}

/// What a hook answers to let its request through, as upstream expects each hook's output.
fn pass_through(name: HookName, event: &Value) -> Value {
    match name {
        HookName::CustomAccessToken => event.clone(),
        HookName::MfaVerificationAttempt | HookName::PasswordVerificationAttempt => {
            json!({ "decision": "continue" })
        }
        HookName::SendEmail | HookName::SendSms | HookName::BeforeUserCreated => json!({}),
    }
}

/// Runs the request that calls hook `name` on `auth`; returns its status.
async fn trigger(auth: &TestAuth, name: HookName) -> StatusCode {
    let address = email("every-hook");
    match name {
        HookName::SendEmail | HookName::BeforeUserCreated => auth
            .post("/signup", json!({ "email": address, "password": PASSWORD }))
            .await
            .status(),
        HookName::SendSms => {
            let phone = format!("1555{:07}", uuid::Uuid::new_v4().as_u128() % 10_000_000);
            auth.post("/otp", json!({ "phone": phone })).await.status()
        }
        HookName::CustomAccessToken | HookName::PasswordVerificationAttempt => {
            auth.confirmed_user(&address, PASSWORD).await;
            sign_in(auth, &address, PASSWORD).await.status()
        }
        HookName::MfaVerificationAttempt => {
            let session = auth.confirmed_user(&address, PASSWORD).await;
            let (factor, secret) = enroll(auth, &session, "app").await;
            verify(auth, &session, &factor, &code_at(&secret, now()))
                .await
                .status()
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_hook_runs_as_a_postgres_function_and_as_an_http_endpoint() {
    let pool = PgPool::connect(&database_url()).await.unwrap();
    sqlx::query(
        "create table if not exists auth.hook_calls (marker text not null, name text not null)",
    )
    .execute(&pool)
    .await
    .unwrap();
    for name in HookName::ALL {
        // As a PostgreSQL function: it records its event's name under a marker of this run.
        let marker = uuid::Uuid::new_v4().simple().to_string();
        let output = match name {
            HookName::CustomAccessToken => "event".to_owned(),
            other => format!("'{}'::jsonb", pass_through(other, &Value::Null)),
        };
        let uri = pg_function(&format!(
            "insert into auth.hook_calls (marker, name) values ('{marker}', event->'metadata'->>'name');\n\
             return {output};"
        ))
        .await;
        let auth = with_hooks(&[(name, &uri)], |config| {
            config.sms.enable_signup = true;
            config.sms.max_frequency = 0;
        })
        .await;

        let status = trigger(&auth, name).await;

        assert_eq!(status, StatusCode::OK, "{name:?} as a PostgreSQL function");
        let calls: Vec<String> =
            sqlx::query_scalar("select name from auth.hook_calls where marker = $1")
                .bind(&marker)
                .fetch_all(&pool)
                .await
                .unwrap();
        assert!(!calls.is_empty(), "{name:?} was called");

        // As an HTTP endpoint.
        let (url, calls) = endpoint(move |event| json_answer(pass_through(name, event))).await;
        let auth = with_hooks(&[(name, &url)], |config| {
            config.sms.enable_signup = true;
            config.sms.max_frequency = 0;
        })
        .await;

        let status = trigger(&auth, name).await;

        assert_eq!(status, StatusCode::OK, "{name:?} as an HTTP endpoint");
        let calls = calls.lock().unwrap().clone();
        assert!(!calls.is_empty(), "{name:?} was called");
        for (headers, body) in &calls {
            assert_signed(headers, body);
        }
    }
}
