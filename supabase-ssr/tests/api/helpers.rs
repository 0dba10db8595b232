//! local-auth on port 0 with a count of the requests per path, and a client for it.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{extract::Request, middleware::Next};
use local_auth::{Config, LocalAuth};
use serde_json::{Value, json};
use supabase_ssr::{ApiKey, AuthClient, Credentials, Session};
use tempfile::TempDir;
use tokio::net::TcpListener;

pub const PASSWORD: &str = "correct horse";

/// A fault the server shows on the paths that contain [`Fault::path`].
#[derive(Clone, Debug, Default)]
pub enum Fault {
    /// Everything answers normally.
    #[default]
    None,
    /// Requests to `path` never get an answer.
    Hang { path: &'static str },
    /// Requests to `path` get a proxy's HTML error page with status 200.
    Html { path: &'static str },
}

impl Fault {
    fn path(&self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Hang { path } | Self::Html { path } => Some(path),
        }
    }
}

/// A running local-auth; stops with the test's runtime.
pub struct TestAuth {
    pub url: String,
    pub mailbox: SocketAddr,
    pub client: AuthClient,
    /// The publishable key.
    pub key: String,
    /// Requests per path (`/auth/v1/token`, `/auth/v1/.well-known/jwks.json`, …).
    pub hits: Arc<Mutex<HashMap<String, usize>>>,
    /// What goes wrong, switchable while the server runs.
    pub fault: Arc<Mutex<Fault>>,
    _data_dir: TempDir,
}

impl TestAuth {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        // The mailbox is read with plain reqwest, which needs the process's TLS provider.
        supabase_ssr::install_tls_provider();
        let api = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mailbox = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (api_addr, mailbox_addr) = (api.local_addr().unwrap(), mailbox.local_addr().unwrap());
        let data_dir = tempfile::tempdir().unwrap();
        let url = format!("http://{api_addr}");
        let mut config = Config {
            bcrypt_cost: 4,
            email_max_frequency: 0,
            enable_confirmations: false,
            external_url: url.parse().unwrap(),
            data_dir: data_dir.path().to_path_buf(),
            ..Config::default()
        };
        adjust(&mut config);
        let server = LocalAuth::start(config).await.expect("local-auth starts");
        let key = server.api_keys().publishable.clone();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let fault: Arc<Mutex<Fault>> = Arc::default();
        let (counted, faulty) = (hits.clone(), fault.clone());
        let router = server.api_router().layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                *counted
                    .lock()
                    .unwrap()
                    .entry(request.uri().path().to_owned())
                    .or_default() += 1;
                let fault = faulty.lock().unwrap().clone();
                let hit = fault
                    .path()
                    .is_some_and(|path| request.uri().path().contains(path));
                async move {
                    match fault {
                        Fault::Hang { .. } if hit => std::future::pending().await,
                        Fault::Html { .. } if hit => axum::response::IntoResponse::into_response(
                            axum::response::Html("<html><body>502 Bad Gateway</body></html>"),
                        ),
                        _ => next.run(request).await,
                    }
                }
            },
        ));
        tokio::spawn(async move { axum::serve(api, router).await });
        tokio::spawn(async move { axum::serve(mailbox, server.mailbox_router()).await });
        Self {
            client: AuthClient::new(&url, ApiKey::new(key.clone())).unwrap(),
            key,
            url,
            mailbox: mailbox_addr,
            hits,
            fault,
            _data_dir: data_dir,
        }
    }

    /// How many requests reached `path` under `/auth/v1`.
    pub fn hits(&self, path: &str) -> usize {
        let hits = self.hits.lock().unwrap();
        hits.get(&format!("/auth/v1{path}")).copied().unwrap_or(0)
    }

    /// A new confirmed user, signed in.
    pub async fn user(&self, email: &str) -> Session {
        self.client
            .sign_up(
                Credentials::Email {
                    email,
                    password: PASSWORD,
                },
                json!({ "name": "Ada" }),
                Default::default(),
            )
            .await
            .unwrap();
        self.client
            .sign_in_with_password(Credentials::Email {
                email,
                password: PASSWORD,
            })
            .await
            .unwrap()
    }

    /// The newest mail to `address`, as text.
    pub async fn latest_mail(&self, address: &str) -> String {
        let get = |path: String| async move {
            reqwest::get(path)
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        };
        let list = get(format!("http://{}/api/v1/messages", self.mailbox)).await;
        let id = list["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|mail| mail["To"][0]["Address"] == address)
            .unwrap_or_else(|| panic!("no mail to {address}"))["ID"]
            .as_str()
            .unwrap()
            .to_owned();
        let message = get(format!("http://{}/api/v1/message/{id}", self.mailbox)).await;
        message["Text"].as_str().unwrap().to_owned()
    }

    /// The 6-digit code in the newest mail to `address`.
    pub async fn latest_code(&self, address: &str) -> String {
        let text = self.latest_mail(address).await;
        let (_, after) = text.split_once("enter the code: ").expect("a code");
        after.chars().take_while(char::is_ascii_digit).collect()
    }
}

/// A fresh address per test.
pub fn email(name: &str) -> String {
    format!("{name}-{}@example.com", uuid_like())
}

fn uuid_like() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
