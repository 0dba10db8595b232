//! The axum extractors behind the session middleware.

use axum::{
    Router,
    body::Body,
    extract::State,
    http::{Request, StatusCode},
    middleware::from_fn_with_state,
    routing::get,
};
use supabase_ssr::{
    axum::{AuthState, SessionConfig, SessionLayer, User},
    cookie::{self, Cookies},
};
use tower::ServiceExt;

use crate::helpers::{TestAuth, email};

fn app(layer: SessionLayer) -> Router {
    Router::new()
        .route(
            "/required",
            get(|user: User| async move { user.id().to_owned() }),
        )
        .route(
            "/optional",
            get(|user: Option<User>| async move {
                user.and_then(|user| user.email().map(str::to_owned))
                    .unwrap_or_else(|| "nobody".into())
            }),
        )
        .route(
            "/state",
            get(|state: AuthState| async move { format!("{}", state.user().is_some()) }),
        )
        .layer(from_fn_with_state(layer, SessionLayer::middleware))
}

async fn get_text(router: &Router, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn a_verified_session_reaches_every_extractor() {
    let auth = TestAuth::spawn().await;
    let address = email("extract");
    let session = auth.user(&address).await;
    let layer = SessionLayer::new(auth.client.clone(), SessionConfig::for_client(&auth.client));
    let set = layer.session_cookies(&session, &Cookies::default());
    let cookie: String = set[0].to_string().split(';').next().unwrap().to_owned();
    let router = app(layer);

    assert_eq!(
        get_text(&router, "/required", Some(&cookie)).await,
        (StatusCode::OK, session.user.id.clone())
    );
    assert_eq!(
        get_text(&router, "/optional", Some(&cookie)).await,
        (StatusCode::OK, address)
    );
    assert_eq!(get_text(&router, "/state", Some(&cookie)).await.1, "true");
}

#[tokio::test]
async fn without_a_session_user_is_refused_and_option_is_none() {
    let auth = TestAuth::spawn().await;
    let layer = SessionLayer::new(auth.client.clone(), SessionConfig::for_client(&auth.client));
    let router = app(layer);

    assert_eq!(
        get_text(&router, "/required", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get_text(&router, "/optional", None).await,
        (StatusCode::OK, "nobody".to_owned())
    );
}

#[tokio::test]
async fn a_cookie_whose_user_part_was_edited_still_yields_the_verified_identity() {
    let auth = TestAuth::spawn().await;
    let mut session = auth.user(&email("honest")).await;
    session.user.email = Some("someone-else@example.com".into());
    session.user.id = "00000000-0000-4000-8000-000000000000".into();
    let layer = SessionLayer::new(auth.client.clone(), SessionConfig::for_client(&auth.client));
    let key = layer.config().cookie_name.clone();
    let set = cookie::write_session(&key, &session, &Cookies::default(), &Default::default());
    let cookie = set[0].to_string().split(';').next().unwrap().to_owned();
    let router = app(layer);

    let (_, email) = get_text(&router, "/optional", Some(&cookie)).await;

    assert!(email.starts_with("honest-"), "{email}");
}

#[tokio::test]
async fn a_handler_without_the_layer_is_a_wiring_error() {
    let router: Router = Router::new().route("/", get(|_: User| async { "unreachable" }));

    let (status, _) = get_text(&router, "/", None).await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

/// A request through the middleware with `cookie`: the answer's status, body and `Set-Cookie`s.
async fn through(router: &Router, cookie: &str) -> (String, Vec<String>) {
    let request = Request::get("/state")
        .header("cookie", cookie)
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let set: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (String::from_utf8(body.to_vec()).unwrap(), set)
}

/// The cookie header for `session` as the layer writes it.
fn cookie_for(layer: &SessionLayer, session: &supabase_ssr::Session) -> String {
    layer
        .session_cookies(session, &Cookies::default())
        .iter()
        .map(|set| set.to_string().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

/// An auth server that limits (429) or hides behind a proxy's HTML page during a refresh does
/// not end the session: the cookies stay and the still-valid token keeps the user signed in.
#[tokio::test]
async fn refresh_trouble_that_is_not_a_definitive_answer_keeps_the_session() {
    use crate::helpers::Fault;

    // Tokens live 60 s, inside the 90 s refresh margin: every request tries a refresh.
    // Refreshes over the limit: the auth server counts the end user's address the layer forwards.
    let auth = TestAuth::spawn_with(|config| {
        config.jwt_expiry = 60;
        config.rate_limits.token_refresh = 0;
    })
    .await;
    let limited = auth.user(&email("limited")).await;
    let proxied = auth.user(&email("proxied")).await;
    // The end user at 203.0.113.9 spends their bucket of 30 refreshes first.
    let end_user = auth
        .client
        .for_client_ip(Some(std::net::IpAddr::from([203, 0, 113, 9])));
    let made_up = supabase_ssr::RefreshToken::new("made-up");
    for _ in 0..30 {
        let error = end_user.refresh_session(&made_up).await.unwrap_err();
        assert_ne!(
            error.code(),
            Some(&supabase_ssr::ErrorCode::OverRequestRateLimit)
        );
    }
    let layer = SessionLayer::new(auth.client.clone(), SessionConfig::for_client(&auth.client));
    // The end user's connection, as `into_make_service_with_connect_info` gives it to a server.
    let router = app(layer.clone()).layer(axum::middleware::map_request(
        |mut request: axum::extract::Request| async move {
            let peer = std::net::SocketAddr::from(([203, 0, 113, 9], 40_000));
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            request
        },
    ));

    let (state, set) = through(&router, &cookie_for(&layer, &limited)).await;
    assert_eq!(state, "true", "a 429 signed the user out");
    assert!(set.is_empty(), "{set:?}");
    assert!(auth.hits("/token") >= 2);

    *auth.fault.lock().unwrap() = Fault::Html { path: "/token" };
    let (state, set) = through(&router, &cookie_for(&layer, &proxied)).await;
    assert_eq!(state, "true", "an HTML answer signed the user out");
    assert!(set.is_empty(), "{set:?}");
}

/// Only a definitive answer ends a session: a refresh token the server no longer knows.
#[tokio::test]
async fn a_revoked_refresh_token_ends_the_session() {
    let auth = TestAuth::spawn_with(|config| config.jwt_expiry = 60).await;
    let layer = SessionLayer::new(auth.client.clone(), SessionConfig::for_client(&auth.client));
    let router = app(layer.clone());
    let session = auth.user(&email("revoked")).await;
    auth.client
        .sign_out(&session.access_token, supabase_ssr::SignOutScope::Global)
        .await
        .unwrap();

    let (state, set) = through(&router, &cookie_for(&layer, &session)).await;

    assert_eq!(state, "false");
    assert!(set.iter().all(|line| line.contains("Max-Age=0")), "{set:?}");
    assert!(!set.is_empty());
}

/// Made-up cookies (a token not signed by the project, expired or not) never reach the refresh
/// endpoint, so they cannot spend the refresh limit other users share.
#[tokio::test]
async fn forged_session_cookies_cost_no_refresh_call() {
    let auth = TestAuth::spawn().await;
    let layer = SessionLayer::new(auth.client.clone(), SessionConfig::for_client(&auth.client));
    let router = app(layer.clone());
    let real = auth.user(&email("real")).await;

    for index in 0..12 {
        let mut forged = real.clone();
        let (head, _) = real.access_token.expose_secret().split_once('.').unwrap();
        forged.access_token = supabase_ssr::AccessToken::new(format!(
            "{head}.eyJzdWIiOiJ4IiwiZXhwIjoxfQ.c2ln{index}"
        ));
        forged.expires_at = Some(1);
        forged.refresh_token = supabase_ssr::RefreshToken::new(format!("made-up-{index}"));

        let (state, set) = through(&router, &cookie_for(&layer, &forged)).await;

        assert_eq!(state, "false");
        assert!(set.iter().all(|line| line.contains("Max-Age=0")), "{set:?}");
    }
    assert_eq!(auth.hits("/token"), 1, "only the real user's sign-in");
}

/// Whether a second factor is due is the auth server's answer, remembered per session.
#[tokio::test]
async fn the_factor_check_asks_the_server_once_per_session() {
    let auth = TestAuth::spawn().await;
    let layer = SessionLayer::new(auth.client.clone(), SessionConfig::for_client(&auth.client));
    let router = Router::new()
        .route(
            "/mfa",
            get(|State(layer): State<SessionLayer>, user: User| async move {
                format!("{}", layer.needs_mfa(&user).await.unwrap())
            }),
        )
        .layer(from_fn_with_state(layer.clone(), SessionLayer::middleware))
        .with_state(layer.clone());
    let mut session = auth.user(&email("factors")).await;
    // Whatever the cookie's copy of the user says about factors is not read.
    session.user.factors = Some(vec![supabase_ssr::Factor {
        id: "f".into(),
        factor_type: supabase_ssr::FactorType::Totp,
        status: supabase_ssr::FactorStatus::Verified,
        ..Default::default()
    }]);
    let cookie = cookie_for(&layer, &session);
    let before = auth.hits("/user");

    for _ in 0..3 {
        let request = Request::get("/mfa")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(body, "false");
    }
    assert_eq!(auth.hits("/user") - before, 1);
}

/// `session` with its access token replaced by a made-up token with `header` and `claims`, and
/// a made-up refresh token.
fn forged(session: &supabase_ssr::Session, header: &str, claims: &str) -> supabase_ssr::Session {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

    let mut forged = session.clone();
    forged.access_token = supabase_ssr::AccessToken::new(format!(
        "{}.{}.c2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    ));
    forged.refresh_token = supabase_ssr::RefreshToken::new("made-up");
    forged
}

/// A fresh-looking HS256 token is for the auth server to check: it refuses it, and that is the
/// end of it (one call, no refresh with the made-up refresh token). An ES256 token without a key
/// id is refused without any call: Supabase Auth issues none.
#[tokio::test]
async fn forged_tokens_cost_at_most_one_auth_call() {
    let auth = TestAuth::spawn().await;
    let layer = SessionLayer::new(auth.client.clone(), SessionConfig::for_client(&auth.client));
    let router = app(layer.clone());
    let real = auth.user(&email("real-one")).await;
    let far = supabase_ssr::unix_now() + 3000;
    let claims = format!(
        r#"{{"sub":"x","exp":{far},"iat":1,"aud":"authenticated","role":"authenticated","iss":"{}"}}"#,
        auth.client.auth_url().as_str().trim_end_matches('/')
    );
    let (users, tokens) = (auth.hits("/user"), auth.hits("/token"));

    let hs256 = forged(&real, r#"{"alg":"HS256","typ":"JWT"}"#, &claims);
    let (state, set) = through(&router, &cookie_for(&layer, &hs256)).await;
    assert_eq!(state, "false");
    assert!(set.iter().all(|line| line.contains("Max-Age=0")), "{set:?}");
    assert_eq!(auth.hits("/user") - users, 1, "the server was asked once");
    assert_eq!(
        auth.hits("/token"),
        tokens,
        "no refresh with a made-up token"
    );

    for header in [
        r#"{"alg":"ES256","typ":"JWT"}"#,
        r#"{"alg":"RS256","typ":"JWT"}"#,
        r#"{"alg":"none","typ":"JWT"}"#,
        r#"{"alg":"HS512","typ":"JWT"}"#,
    ] {
        for expires_at in [1, far] {
            let mut made_up = forged(&real, header, &claims);
            made_up.expires_at = Some(expires_at);
            let (state, set) = through(&router, &cookie_for(&layer, &made_up)).await;
            assert_eq!(state, "false", "{header}");
            assert!(!set.is_empty(), "{header}: the cookies are cleared");
        }
    }
    assert_eq!(auth.hits("/user") - users, 1, "no further call");
    assert_eq!(auth.hits("/token"), tokens, "no refresh call");
}

/// A session due for refresh whose token is still valid does not wait for a hanging auth server:
/// it renders with that token at once, keeps its cookies, and gets its new session once the
/// server answers again.
#[tokio::test]
async fn a_valid_session_renders_at_once_while_the_auth_server_hangs() {
    use std::time::{Duration, Instant};

    use crate::helpers::Fault;

    // Tokens live 60 s, inside the 90 s refresh margin: every request wants a refresh.
    let auth = TestAuth::spawn_with(|config| config.jwt_expiry = 60).await;
    // A hanging refresh fails after 6 s: long enough that waiting for it cannot pass for waiting
    // out the patience, however loaded the machine.
    let quick = supabase_ssr::Timeouts {
        connect: Duration::from_millis(500),
        total: Duration::from_secs(6),
    };
    let client = supabase_ssr::AuthClient::with_timeouts(
        &auth.url,
        supabase_ssr::ApiKey::new(auth.key.clone()),
        quick,
    )
    .unwrap();
    let layer = SessionLayer::new(client.clone(), SessionConfig::for_client(&client));
    let router = app(layer.clone());
    let session = auth.user(&email("patient")).await;
    let cookie = cookie_for(&layer, &session);
    // The keys are cached before the outage.
    layer
        .verifier()
        .verify(&session.access_token)
        .await
        .unwrap();
    *auth.fault.lock().unwrap() = Fault::Hang { path: "/token" };

    let started = Instant::now();
    let patience = supabase_ssr::axum::REFRESH_PATIENCE;
    let (state, set) = tokio::time::timeout(patience * 2, through(&router, &cookie))
        .await
        .expect("the page waited for the hanging refresh");
    assert_eq!(state, "true", "signed in with the still-valid token");
    assert!(set.is_empty(), "the cookies stay: {set:?}");
    assert!(started.elapsed() >= supabase_ssr::axum::REFRESH_PATIENCE);
    // Requests that join the same refresh no longer wait at all.
    let (state, _) = tokio::time::timeout(Duration::from_secs(1), through(&router, &cookie))
        .await
        .expect("a second request waited again");
    assert_eq!(state, "true");

    // The server answers again: after the failed attempt's pause, the next request refreshes.
    *auth.fault.lock().unwrap() = Fault::None;
    tokio::time::sleep(Duration::from_secs(6) + supabase_ssr::RETRY_AFTER).await;
    let (state, set) = through(&router, &cookie).await;
    assert_eq!(state, "true");
    assert!(
        set.iter().any(|line| !line.contains("Max-Age=0")),
        "new session cookies: {set:?}"
    );
}
