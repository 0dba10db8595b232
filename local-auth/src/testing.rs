//! The test harness every suite that needs a running local-auth shares (this crate's, the
//! server's, supabase-ssr's), behind the `testing` feature: listeners on ports the system picks,
//! a temporary data directory, settings for tests, and a typed reader of the mailbox.
//!
//! ```no_run
//! # async fn example() {
//! use local_auth::{LocalAuth, testing::Bound};
//!
//! let bound = Bound::new().await;
//! let server = LocalAuth::start(bound.config()).await.unwrap();
//! let mailbox = bound.mailbox();
//! tokio::spawn(server.serve(bound.api, bound.mailbox, std::future::pending()));
//! let code = mailbox.latest("ada@example.com").await.code();
//! # }
//! ```

use std::net::SocketAddr;

use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::net::TcpListener;

use crate::Config;

/// Settings for tests: bcrypt at its lowest cost and no wait between two mails to one address.
pub fn test_config() -> Config {
    Config {
        bcrypt_cost: 4,
        email_max_frequency: 0,
        ..Config::default()
    }
}

/// An HTTP client that does not follow redirects, with the process's TLS provider installed (the
/// workspace builds reqwest with rustls but no default provider).
pub fn http_client() -> reqwest::Client {
    supabase_ssr::install_tls_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client builds")
}

/// A fresh address for each test.
pub fn email(name: &str) -> String {
    format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// The API and mailbox listeners on ports the system picked, and a data directory, ready for a
/// local-auth to start on ([`Bound::config`]) and serve.
#[derive(Debug)]
pub struct Bound {
    /// The API's listener.
    pub api: TcpListener,
    /// The mailbox's listener.
    pub mailbox: TcpListener,
    /// The API's address.
    pub api_addr: SocketAddr,
    /// The mailbox's address.
    pub mailbox_addr: SocketAddr,
    /// The data directory, deleted when dropped.
    pub data_dir: TempDir,
}

impl Bound {
    /// Binds two free local ports and makes a temporary data directory.
    pub async fn new() -> Self {
        Self::in_dir(tempfile::tempdir().expect("a temporary directory")).await
    }

    /// Binds two free local ports, keeping `data_dir` (to start again on the same data).
    pub async fn in_dir(data_dir: TempDir) -> Self {
        let api = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let mailbox = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        Self {
            api_addr: api.local_addr().expect("a bound address"),
            mailbox_addr: mailbox.local_addr().expect("a bound address"),
            api,
            mailbox,
            data_dir,
        }
    }

    /// [`test_config`] for this address and data directory.
    pub fn config(&self) -> Config {
        Config {
            external_url: format!("http://{}", self.api_addr)
                .parse()
                .expect("a socket address forms a URL"),
            data_dir: self.data_dir.path().to_path_buf(),
            ..test_config()
        }
    }

    /// A reader of this local-auth's mailbox.
    pub fn mailbox(&self) -> Mailbox {
        Mailbox::new(self.mailbox_addr)
    }
}

/// Reads the development mailbox through its Mailpit-style JSON API.
#[derive(Clone, Debug)]
pub struct Mailbox {
    addr: SocketAddr,
    client: reqwest::Client,
}

impl Mailbox {
    /// The mailbox at `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            client: http_client(),
        }
    }

    /// Where the mailbox listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    async fn json(&self, path: &str) -> Value {
        self.client
            .get(format!("http://{}{path}", self.addr))
            .send()
            .await
            .expect("the mailbox answers")
            .json()
            .await
            .expect("the mailbox answers JSON")
    }

    /// Every message, newest first, as the list shows them.
    pub async fn messages(&self) -> Vec<Value> {
        let list = self.json("/api/v1/messages").await;
        list["messages"].as_array().cloned().unwrap_or_default()
    }

    /// The newest message to `address`; panics when there is none.
    pub async fn latest(&self, address: &str) -> Mail {
        let summary = self
            .messages()
            .await
            .into_iter()
            .find(|mail| mail["To"][0]["Address"] == address)
            .unwrap_or_else(|| panic!("no mail to {address}"));
        let id = summary["ID"].as_str().expect("a message id");
        let message = self.json(&format!("/api/v1/message/{id}")).await;
        Mail {
            subject: message["Subject"].as_str().unwrap_or_default().to_owned(),
            text: message["Text"].as_str().unwrap_or_default().to_owned(),
            is_sms: message["Tags"] == json!(["sms"]),
        }
    }
}

/// A message read from the mailbox.
#[derive(Clone, Debug)]
pub struct Mail {
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// Whether it is a text to a phone.
    pub is_sms: bool,
}

impl Mail {
    /// The 6-digit code; panics when there is none.
    pub fn code(&self) -> String {
        let (_, after) = self
            .text
            .split_once("enter the code: ")
            .or_else(|| self.text.split_once("Your code is "))
            .expect("the message has a code");
        after.chars().take_while(char::is_ascii_digit).collect()
    }

    /// The first link; panics when there is none.
    pub fn link(&self) -> String {
        self.text
            .lines()
            .find(|line| line.starts_with("http"))
            .expect("the mail has a link")
            .to_owned()
    }
}
