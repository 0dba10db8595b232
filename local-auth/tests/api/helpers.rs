//! Starts local-auth on port 0 with a temporary data directory, and small clients for its API and
//! mailbox.

use std::net::SocketAddr;

use local_auth::{Config, EmailLinks, LocalAuth};
use reqwest::{Client, RequestBuilder, Response, StatusCode, redirect::Policy};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

/// An HTTP client that does not follow redirects. The workspace builds reqwest with rustls but
/// without a default crypto provider (the server installs ring at start), so tests install it too.
pub fn http_client() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// A running local-auth. Dropping it stops the server and deletes its data.
pub struct TestAuth {
    pub api: SocketAddr,
    pub mailbox: SocketAddr,
    pub publishable_key: String,
    pub secret_key: String,
    pub client: Client,
    pub data_dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// The test configuration: fast bcrypt, links through `/verify`, no mail frequency limit.
pub fn test_config() -> Config {
    Config {
        bcrypt_cost: 4,
        email_links: EmailLinks::Verify,
        email_max_frequency: 0,
        ..Config::default()
    }
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

    /// Starts on an existing data directory.
    pub async fn spawn_in(data_dir: TempDir, adjust: impl FnOnce(&mut Config)) -> Self {
        let api = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mailbox = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (api_addr, mailbox_addr) = (api.local_addr().unwrap(), mailbox.local_addr().unwrap());
        let mut config = test_config();
        config.external_url = format!("http://{api_addr}").parse().unwrap();
        config.data_dir = data_dir.path().to_path_buf();
        adjust(&mut config);
        let server = LocalAuth::start(config).await.expect("local-auth starts");
        let keys = server.api_keys().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(api, mailbox, async {
            let _ = stopped.await;
        }));
        Self {
            api: api_addr,
            mailbox: mailbox_addr,
            publishable_key: keys.publishable,
            secret_key: keys.secret,
            client: http_client(),
            data_dir,
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

    /// GETs `path` from the mailbox API as JSON.
    async fn mailbox_json(&self, path: &str) -> Value {
        let response = self
            .client
            .get(format!("http://{}{path}", self.mailbox))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    /// Every message in the mailbox, newest first.
    pub async fn mails(&self) -> Vec<Value> {
        let list = self.mailbox_json("/api/v1/messages").await;
        list["messages"].as_array().cloned().unwrap_or_default()
    }

    /// The newest message to `address`.
    pub async fn latest_mail(&self, address: &str) -> Mail {
        let summary = self
            .mails()
            .await
            .into_iter()
            .find(|mail| mail["To"][0]["Address"] == address)
            .unwrap_or_else(|| panic!("no mail to {address}"));
        let id = summary["ID"].as_str().unwrap();
        let message = self.mailbox_json(&format!("/api/v1/message/{id}")).await;
        Mail {
            subject: message["Subject"].as_str().unwrap().to_owned(),
            text: message["Text"].as_str().unwrap().to_owned(),
            is_sms: message["Tags"] == json!(["sms"]),
        }
    }
}

impl Drop for TestAuth {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A message read from the mailbox.
#[derive(Debug)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    /// Whether it is a text to a phone.
    pub is_sms: bool,
}

impl Mail {
    /// The 6-digit code.
    pub fn code(&self) -> String {
        let (_, after) = self
            .text
            .split_once("enter the code: ")
            .or_else(|| self.text.split_once("Your code is "))
            .expect("the message has a code");
        after.chars().take_while(char::is_ascii_digit).collect()
    }

    /// The link.
    pub fn link(&self) -> String {
        self.text
            .lines()
            .find(|line| line.starts_with("http"))
            .expect("the mail has a link")
            .to_owned()
    }
}

/// The error code of an error response in the dated shape.
pub async fn error_code(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

/// A fresh address for each test.
pub fn email(name: &str) -> String {
    format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple())
}
