//! local-auth on port 0 with a count of the requests per path, and a client for it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{extract::Request, middleware::Next};
pub use local_auth::testing::email;
use local_auth::{
    Config, LocalAuth,
    testing::{Bound, Mailbox},
};
use serde_json::json;
use supabase_ssr::{ApiKey, AuthClient, Credentials, Session};
use tempfile::TempDir;

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
    pub mailbox: Mailbox,
    pub client: AuthClient,
    /// The publishable key.
    pub key: String,
    /// The secret key (admin calls).
    pub secret_key: String,
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
        let bound = Bound::new().await;
        let url = format!("http://{}", bound.api_addr);
        let mut config = Config {
            enable_confirmations: false,
            ..bound.config()
        };
        // As a project with IP address forwarding on: the client forwards end users' addresses.
        config.sb_forwarded_for_enabled = true;
        adjust(&mut config);
        let server = LocalAuth::start(config).await.expect("local-auth starts");
        let key = server.api_keys().publishable.clone();
        let secret_key = server.api_keys().secret.clone();
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
        let mailbox = bound.mailbox();
        let Bound {
            api,
            mailbox: mailbox_listener,
            data_dir,
            ..
        } = bound;
        tokio::spawn(async move { axum::serve(api, router).await });
        tokio::spawn(async move { axum::serve(mailbox_listener, server.mailbox_router()).await });
        Self {
            client: AuthClient::new(&url, ApiKey::new(key.clone()))
                .unwrap()
                .with_secret_key(ApiKey::new(secret_key.clone())),
            key,
            secret_key,
            url,
            mailbox,
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
        self.mailbox.latest(address).await.text
    }

    /// The 6-digit code in the newest mail to `address`.
    pub async fn latest_code(&self, address: &str) -> String {
        self.mailbox.latest(address).await.code()
    }
}
