//! The app and a local-auth on port 0, wired together, with a count of the refresh calls that
//! reach local-auth and helpers that act as a browser would (cookies by hand, no redirects
//! followed).

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

pub use local_auth::testing::email;
use local_auth::{
    Config, LocalAuth,
    metrics::RequestCounts,
    testing::{Bound, Mailbox},
};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use supabase_ssr::{
    Session,
    cookie::{self, CookieOptions, Cookies},
};
use tempfile::TempDir;
use tokio::{net::TcpListener, sync::oneshot};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::helpers::{http_client, state_for};

/// How a [`TestApp`] is put together.
struct Setup {
    /// The tests' PostgreSQL behind the app and local-auth.
    database: bool,
    /// The app forwards its users' addresses with the secret key, as with the embedded local-auth.
    forward: bool,
    /// The app believes `x-forwarded-for` as a proxy's.
    behind_proxy: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            database: false,
            forward: true,
            behind_proxy: false,
        }
    }
}

/// The app on one port, local-auth on two more.
pub struct TestApp {
    pub app: SocketAddr,
    pub auth: SocketAddr,
    pub mailbox: Mailbox,
    pub publishable_key: String,
    /// local-auth's secret (service-role) key, for its admin API.
    pub secret_key: String,
    /// The requests that reached local-auth.
    requests: RequestCounts,
    /// How many of local-auth's answers were 429.
    rate_limited: Arc<AtomicU64>,
    pub client: Client,
    stop_auth: Option<oneshot::Sender<()>>,
    auth_task: Option<tokio::task::JoinHandle<()>>,
    _data_dir: TempDir,
}

impl TestApp {
    /// `POST /token?grant_type=refresh_token` calls that reached local-auth.
    pub fn refresh_calls(&self) -> u64 {
        self.requests.get(
            &reqwest::Method::POST,
            "/auth/v1/token",
            Some("refresh_token"),
        )
    }

    /// How many requests reached local-auth's `route` (as routed, e.g. `/auth/v1/signup`) with
    /// `method`.
    pub fn auth_calls(&self, method: &reqwest::Method, route: &str) -> u64 {
        self.requests.get(method, route, None)
    }

    /// How many of local-auth's answers were 429 (a rate limit).
    pub fn rate_limited(&self) -> u64 {
        self.rate_limited.load(Ordering::Relaxed)
    }

    /// Starts with local-auth's test settings (fast bcrypt, no mail frequency limit).
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts with local-auth's test settings as changed by `adjust`.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_full(adjust, Setup::default()).await
    }

    /// Starts as [`TestApp::spawn_with`] does, the app behind a proxy that names each client in
    /// `x-forwarded-for` (`TRUSTED_PROXY_IP_HEADER`), forwarding their addresses to local-auth
    /// with the secret key when `forward`, else calling it with the publishable key alone.
    pub async fn spawn_behind_proxy(forward: bool, adjust: impl FnOnce(&mut Config)) -> Self {
        let setup = Setup {
            forward,
            behind_proxy: true,
            ..Setup::default()
        };
        Self::spawn_full(adjust, setup).await
    }

    /// Starts with the tests' PostgreSQL ([`database_urls`]) behind the app, local-auth keeping
    /// its `auth.users` and `auth.mfa_factors`, and local-auth's settings changed by `adjust`.
    pub async fn spawn_with_database(adjust: impl FnOnce(&mut Config)) -> Self {
        let setup = Setup {
            database: true,
            ..Setup::default()
        };
        Self::spawn_full(adjust, setup).await
    }

    async fn spawn_full(adjust: impl FnOnce(&mut Config), setup: Setup) -> Self {
        let app_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app = app_listener.local_addr().unwrap();
        let bound = Bound::new().await;
        let (auth, mailbox) = (bound.api_addr, bound.mailbox());
        let mut config = Config {
            site_url: format!("http://{app}").parse().unwrap(),
            ..bound.config()
        };
        let Bound {
            api: auth_listener,
            mailbox: mailbox_listener,
            data_dir,
            ..
        } = bound;
        let database = if setup.database {
            let (app_url, auth_url) = database_urls();
            config.database_url = Some(local_auth::Secret::new(auth_url));
            app::data::Database::connect_lazy(&app_url).expect("TEST_DATABASE_URL is a URL")
        } else {
            app::data::Database::none()
        };
        // As the embedded local-auth: IP address forwarding on.
        config.sb_forwarded_for_enabled = true;
        adjust(&mut config);
        let third_party = server::auth::backend::StandIn::of(&config);
        let local_auth = LocalAuth::start(config).await.expect("local-auth starts");
        let publishable_key = local_auth.api_keys().publishable.clone();
        let secret_key = local_auth.api_keys().secret.clone();

        let requests = local_auth.state().requests.clone();
        let rate_limited = Arc::new(AtomicU64::new(0));
        let counted = rate_limited.clone();
        let api = local_auth.api_router().layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let counted = counted.clone();
                async move {
                    let response = next.run(request).await;
                    if response.status() == StatusCode::TOO_MANY_REQUESTS {
                        counted.fetch_add(1, Ordering::Relaxed);
                    }
                    response
                }
            },
        ));
        let (stop_auth, stopped) = oneshot::channel::<()>();
        let auth_task = tokio::spawn(async move {
            let api = axum::serve(auth_listener, api).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            let mailbox = axum::serve(mailbox_listener, local_auth.mailbox_router());
            tokio::select! {
                _ = api => {},
                _ = mailbox => {},
            }
        });

        let mut endpoint =
            server::AuthEndpoint::new(format!("http://{auth}"), publishable_key.clone());
        if setup.forward {
            endpoint = endpoint.with_secret_key(secret_key.clone());
        }
        endpoint.third_party = third_party;
        let state = if setup.behind_proxy {
            let leptos = leptos::config::LeptosOptions::builder()
                .output_name("app")
                .site_root("target/site")
                .build();
            let settings = server::SessionSettings::from_lookup(&leptos, |name| {
                (name == "TRUSTED_PROXY_IP_HEADER").then(|| "x-forwarded-for".to_owned())
            })
            .expect("the settings are valid");
            server::AppState::new(leptos, endpoint, &settings).expect("the auth URL is valid")
        } else {
            state_for(endpoint)
        }
        .with_database(database);
        tokio::spawn(server::run(app_listener, state, std::future::pending()));

        Self {
            app,
            auth,
            mailbox,
            publishable_key,
            secret_key,
            requests,
            rate_limited,
            client: http_client(),
            stop_auth: Some(stop_auth),
            auth_task: Some(auth_task),
            _data_dir: data_dir,
        }
    }

    /// Takes local-auth down (the app keeps running), and waits until its port refuses.
    pub async fn stop_auth(&mut self) {
        if let Some(stop) = self.stop_auth.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.auth_task.take() {
            task.await.unwrap();
        }
    }

    /// The URL of `path` on the app.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.app)
    }

    /// The session cookie key the app uses for this local-auth.
    pub fn cookie_key(&self) -> String {
        cookie::storage_key(&format!("http://{}", self.auth).parse().unwrap())
    }

    /// GETs `path` on the app with `cookies` as the `Cookie` header.
    pub async fn get(&self, path: &str, cookies: &str) -> Response {
        let mut request = self.client.get(self.url(path));
        if !cookies.is_empty() {
            request = request.header("cookie", cookies);
        }
        request.send().await.unwrap()
    }

    /// A post from one of the app's own pages to `path` (a server function or an auth route),
    /// with `cookies` unless empty: what the browser sends, `Origin` included.
    pub fn post(&self, path: &str, cookies: &str) -> reqwest::RequestBuilder {
        let request = self
            .client
            .post(self.url(path))
            .header("origin", format!("http://{}", self.app));
        if cookies.is_empty() {
            request
        } else {
            request.header("cookie", cookies)
        }
    }

    /// A request to local-auth's API with the publishable key.
    pub fn auth_request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("http://{}/auth/v1{path}", self.auth))
            .header("apikey", &self.publishable_key)
            .header("x-supabase-api-version", "2024-01-01")
    }

    /// Signs up `email`; with confirmations on, a mail with a link to the app follows.
    pub async fn sign_up(&self, email: &str, password: &str) {
        let response = self
            .auth_request(reqwest::Method::POST, "/signup")
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}",
            response.text().await.unwrap()
        );
    }

    /// Signs up and confirms `email` by the code in its mail; returns the session, as stored.
    pub async fn signed_in_user(&self, email: &str) -> Session {
        self.sign_up(email, "correct horse").await;
        let code = self.mailbox.latest(email).await.code();
        let response = self
            .auth_request(reqwest::Method::POST, "/verify")
            .json(&json!({ "type": "signup", "email": email, "token": code }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let session: Session = response.json().await.unwrap();
        session.with_expiry_from(supabase_ssr::unix_now())
    }

    /// Signs the user of [`TestApp::signed_in_user`] in again with their password: a new session,
    /// whose token carries what changed since (a role granted, say).
    pub async fn signed_in_again(&self, email: &str) -> Session {
        let response = self
            .auth_request(reqwest::Method::POST, "/token?grant_type=password")
            .json(&json!({ "email": email, "password": "correct horse" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let session: Session = response.json().await.unwrap();
        session.with_expiry_from(supabase_ssr::unix_now())
    }

    /// The text of the newest mail to `address`.
    pub async fn latest_mail_text(&self, address: &str) -> String {
        self.mailbox.latest(address).await.text
    }

    /// The link in the newest mail to `address`.
    pub async fn latest_mail_link(&self, address: &str) -> String {
        self.mailbox.latest(address).await.link()
    }

    /// The `Cookie` header a browser sends after the app stored `session`.
    pub fn cookie_header(&self, session: &Session) -> String {
        let set = cookie::write_session(
            &self.cookie_key(),
            session,
            &Cookies::default(),
            &CookieOptions::default(),
        );
        browser_cookie_header(&set_cookie_lines(&set))
    }
}

/// The tests' PostgreSQL, as `cargo xtask test` starts it: the URL the app connects with
/// (`TEST_DATABASE_URL`, role `app_server`) and the one local-auth keeps users with
/// (`TEST_AUTH_DATABASE_URL`, role `supabase_auth_admin`).
pub fn database_urls() -> (String, String) {
    let url = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "{name} is not set: these tests need the local PostgreSQL. Run them with \
                 `cargo xtask test`, or start it with `cargo xtask db` and set \
                 TEST_DATABASE_URL and TEST_AUTH_DATABASE_URL to the URLs it prints"
            )
        })
    };
    (url("TEST_DATABASE_URL"), url("TEST_AUTH_DATABASE_URL"))
}

/// The custom access token hook of the roles migration (`supabase/migrations/*_rbac.sql`), as
/// `supabase/config.toml` turns it on; for [`TestApp::spawn_with_database`].
pub fn with_roles_hook(config: &mut Config) {
    config.hooks = vec![local_auth::hooks::HookConfig {
        name: local_auth::hooks::HookName::CustomAccessToken,
        uri: "pg-functions://postgres/public/custom_access_token_hook".to_owned(),
        secrets: Vec::new(),
    }];
}

/// Gives the user with `email` the application role `role`, as the README's "make yourself an
/// administrator" does in the SQL editor (as the superuser: nobody else may write roles).
/// The database as its superuser (what a project's SQL editor is).
pub async fn superuser() -> sqlx::PgPool {
    let url = std::env::var("TEST_SUPERUSER_DATABASE_URL").expect(
        "TEST_SUPERUSER_DATABASE_URL: the database's superuser, as `cargo xtask test` sets it",
    );
    sqlx::PgPool::connect(&url).await.unwrap()
}

pub async fn grant_role(email: &str, role: &str) {
    let pool = superuser().await;
    let granted = sqlx::query(
        "insert into public.user_roles (user_id, role) \
         select id, $2::public.app_role from auth.users where email = $1",
    )
    .bind(email)
    .bind(role)
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(granted.rows_affected(), 1, "{email} is in auth.users");
}

/// Enrolls and verifies an authenticator app for the owner of `access_token`, as the account
/// page does; returns the `aal2` session the verification answers with.
pub async fn add_verified_factor(app: &TestApp, access_token: &str) -> Session {
    let call = |method, path: String, body: Value| {
        app.auth_request(method, &path)
            .bearer_auth(access_token)
            .json(&body)
            .send()
    };
    let factor: Value = call(
        Method::POST,
        "/factors".into(),
        json!({"factor_type": "totp"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let id = factor["id"].as_str().unwrap();
    let secret = Secret::Encoded(factor["totp"]["secret"].as_str().unwrap().to_owned());
    let code = TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        secret.to_bytes().unwrap(),
        None,
        String::new(),
    )
    .unwrap()
    .generate_current()
    .unwrap();
    let challenge: Value = call(Method::POST, format!("/factors/{id}/challenge"), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let verified = call(
        Method::POST,
        format!("/factors/{id}/verify"),
        json!({"challenge_id": challenge["id"], "code": code}),
    )
    .await
    .unwrap();
    assert_eq!(verified.status(), StatusCode::OK);
    let session: Session = verified.json().await.unwrap();
    session.with_expiry_from(supabase_ssr::unix_now())
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop_auth.take() {
            let _ = stop.send(());
        }
    }
}

fn set_cookie_lines(set: &[cookie::SetCookie]) -> Vec<String> {
    set.iter().map(ToString::to_string).collect()
}

/// The `Set-Cookie` headers of a response.
pub fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

/// The `Cookie` header a browser sends after receiving `set_cookies` (deletions dropped).
pub fn browser_cookie_header(set_cookies: &[String]) -> String {
    set_cookies
        .iter()
        .filter(|line| !line.contains("Max-Age=0"))
        .map(|line| line.split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The session a browser holding `cookie_header` has under `key`.
pub fn session_in(cookie_header: &str, key: &str) -> Option<Session> {
    match cookie::read_session(&Cookies::parse(cookie_header), key) {
        cookie::StoredSession::Present(session) => Some(*session),
        _ => None,
    }
}
