//! Builds the application state the tests share and starts servers on port 0.

use std::net::SocketAddr;

use axum::{Router, body::Body, http::Request, response::Response};
use leptos::config::LeptosOptions;
pub use local_auth::testing::http_client;
use server::{AppState, AuthEndpoint, SessionSettings};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// The state of a test server. Assets are not built for `cargo test`, so only rendered pages and
/// server functions are exercised here; Playwright covers the built site.
pub fn test_state() -> AppState {
    // Requests without session cookies never reach the auth server, so nothing listens here.
    state_for(AuthEndpoint::new(
        "http://127.0.0.1:9",
        "sb_publishable_test",
    ))
}

/// The state of a test server whose auth server is `auth`.
pub fn state_for(auth: AuthEndpoint) -> AppState {
    let leptos = LeptosOptions::builder()
        .output_name("app")
        .site_root("target/site")
        .build();
    state_with(leptos, auth)
}

/// The state of a test server for the site `leptos` describes, with `auth` behind it.
pub fn state_with(leptos: LeptosOptions, auth: AuthEndpoint) -> AppState {
    let settings = SessionSettings::from_lookup(&leptos, |_| None).expect("the defaults are valid");
    AppState::new(leptos, auth, &settings).expect("the auth URL is valid")
}

/// Sends one request through the router without a socket.
pub async fn oneshot(request: Request<Body>) -> Response {
    let router: Router = server::router(test_state());
    router
        .oneshot(request)
        .await
        .expect("the router is infallible")
}

/// Reads a response body as UTF-8 text.
pub async fn body_text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the body is readable");
    String::from_utf8(bytes.to_vec()).expect("the body is UTF-8")
}

/// A server listening on `127.0.0.1:0`, stopped when the test's runtime ends.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
}

impl TestServer {
    /// Binds port 0 and serves the application on it.
    pub async fn spawn() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("port 0 is always available");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        tokio::spawn(server::run(listener, test_state(), std::future::pending()));
        Self { addr }
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}
