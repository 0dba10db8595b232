//! The axum extractors behind the session middleware.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
    middleware::from_fn_with_state,
    routing::get,
};
use supabase_auth::{
    axum::{AuthSessions, AuthState, SessionConfig, User},
    cookie::{self, Cookies},
};
use tower::ServiceExt;

use crate::helpers::{TestAuth, email};

fn app(sessions: AuthSessions) -> Router {
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
        .layer(from_fn_with_state(sessions, AuthSessions::middleware))
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
    let sessions = AuthSessions::new(auth.client.clone(), SessionConfig::for_client(&auth.client));
    let set = sessions.session_cookies(&session, &Cookies::default());
    let cookie: String = set[0].to_string().split(';').next().unwrap().to_owned();
    let router = app(sessions);

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
    let sessions = AuthSessions::new(auth.client.clone(), SessionConfig::for_client(&auth.client));
    let router = app(sessions);

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
    let sessions = AuthSessions::new(auth.client.clone(), SessionConfig::for_client(&auth.client));
    let key = sessions.config().cookie_name.clone();
    let set = cookie::write_session(&key, &session, &Cookies::default(), &Default::default());
    let cookie = set[0].to_string().split(';').next().unwrap().to_owned();
    let router = app(sessions);

    let (_, email) = get_text(&router, "/optional", Some(&cookie)).await;

    assert!(email.starts_with("honest-"), "{email}");
}

#[tokio::test]
async fn a_handler_without_the_layer_is_a_wiring_error() {
    let router: Router = Router::new().route("/", get(|_: User| async { "unreachable" }));

    let (status, _) = get_text(&router, "/", None).await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}
