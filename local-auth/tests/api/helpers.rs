//! Starts local-auth on port 0 with a temporary data directory, and small clients for its API and
//! mailbox.

use std::net::SocketAddr;

pub use local_auth::testing::{Mail, email, http_client};
use local_auth::{
    Config, EmailLinks, LocalAuth,
    testing::{Bound, Mailbox},
};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::{sync::oneshot, task::JoinHandle};

/// A running local-auth. Dropping it stops the server and deletes its data.
pub struct TestAuth {
    pub api: SocketAddr,
    pub mailbox: Mailbox,
    pub publishable_key: String,
    pub secret_key: String,
    pub client: Client,
    pub data_dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestAuth {
    /// Starts with the test configuration.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts with the test configuration as changed by `adjust`.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let data_dir = tempfile::tempdir().expect("a temporary directory");
        Self::spawn_in(data_dir, adjust).await
    }

    /// Starts on an existing data directory, with links through `/verify` (the app's links need
    /// the app).
    pub async fn spawn_in(data_dir: TempDir, adjust: impl FnOnce(&mut Config)) -> Self {
        let bound = Bound::in_dir(data_dir).await;
        let mut config = Config {
            email_links: EmailLinks::Verify,
            ..bound.config()
        };
        adjust(&mut config);
        let server = LocalAuth::start(config).await.expect("local-auth starts");
        let keys = server.api_keys().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let mailbox = bound.mailbox();
        let task = tokio::spawn(server.serve(bound.api, bound.mailbox, async {
            let _ = stopped.await;
        }));
        Self {
            api: bound.api_addr,
            mailbox,
            publishable_key: keys.publishable,
            secret_key: keys.secret,
            client: http_client(),
            data_dir: bound.data_dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server and waits for it; returns the data directory for a restart.
    pub async fn stop(mut self) -> TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        tempfile::tempdir()
            .map(|empty| std::mem::replace(&mut self.data_dir, empty))
            .unwrap()
    }

    /// `http://<api>/auth/v1<path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/auth/v1{path}", self.api)
    }

    /// A request with the publishable key and the dated API version, like the official client's.
    pub fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("apikey", &self.publishable_key)
            .header("x-supabase-api-version", "2024-01-01")
    }

    /// POSTs JSON.
    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.request(reqwest::Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// GETs with an access token.
    pub async fn get_as(&self, path: &str, access_token: &str) -> Response {
        self.request(reqwest::Method::GET, path)
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
    }

    /// Signs up and confirms `email` through the code in the confirmation mail; returns the session.
    pub async fn confirmed_user(&self, email: &str, password: &str) -> Value {
        let response = self
            .post("/signup", json!({ "email": email, "password": password }))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let code = self.latest_mail(email).await.code();
        let response = self
            .post(
                "/verify",
                json!({ "type": "signup", "email": email, "token": code }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// Signs in with a password; returns the session.
    pub async fn sign_in(&self, email: &str, password: &str) -> Value {
        let response = self
            .post(
                "/token?grant_type=password",
                json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// Refreshes; returns the response.
    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post(
            "/token?grant_type=refresh_token",
            json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    /// The published JWKS (an open route: no key needed).
    pub async fn jwks(&self) -> Value {
        let response = self
            .client
            .get(self.url("/.well-known/jwks.json"))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    /// Every message in the mailbox, newest first.
    pub async fn mails(&self) -> Vec<Value> {
        self.mailbox.messages().await
    }

    /// The server's own database, opened beside it (to age rows as time would).
    pub async fn database(&self) -> sqlx::SqlitePool {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(self.data_dir.path().join("auth.db"))
            .busy_timeout(std::time::Duration::from_secs(5));
        sqlx::SqlitePool::connect_with(options).await.unwrap()
    }

    /// The newest message to `address`.
    pub async fn latest_mail(&self, address: &str) -> Mail {
        self.mailbox.latest(address).await
    }
}

impl Drop for TestAuth {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The error code of an error response in the dated shape.
pub async fn error_code(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}
