//! Several app processes behind one load balancer, against one auth server: the way users scale
//! out. Each process refreshes an expiring session on its own; the auth server's refresh-token
//! reuse interval (10 s by default) hands the same new session to the others, so none of them
//! sees `refresh_token_already_used` and nobody is signed out.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
};

use reqwest::StatusCode;

use crate::auth_app::{TestApp, email};

/// A `server` process, killed when dropped.
pub struct Instance {
    child: Child,
    /// Where it serves.
    pub url: String,
    /// Everything it logged so far.
    pub log: Arc<Mutex<String>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server binary on a port the system picks, talking to `app`'s local-auth as a
/// Supabase project; returns once it listens.
fn start_instance(app: &TestApp, site_root: &std::path::Path) -> Instance {
    start_instance_with(app, site_root, &[])
}

/// [`start_instance`] with `env` added to its environment.
pub fn start_instance_with(
    app: &TestApp,
    site_root: &std::path::Path,
    env: &[(&str, &str)],
) -> Instance {
    // A built site as far as the server checks at start: its bundle folder (the pages these
    // tests read need nothing in it).
    std::fs::create_dir_all(site_root.join("pkg")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .env("LEPTOS_OUTPUT_NAME", "app")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("LEPTOS_SITE_ROOT", site_root)
        .env("SUPABASE_URL", format!("http://{}", app.auth))
        .env("SUPABASE_PUBLISHABLE_KEY", &app.publishable_key)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env("NO_DOTENV", "1")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server binary starts");
    let log = Arc::new(Mutex::new(String::new()));
    let stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
    let errors = log.clone();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            errors.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            log.lock().unwrap().push_str(&format!("{line}\n"));
            line.split("app:").nth(1).map(|rest| rest.trim().to_owned())
        })
        .expect("the server logs where it listens");
    // Keep reading the log so the process never blocks on a full pipe.
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            kept.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    Instance { child, url, log }
}

#[tokio::test]
async fn three_instances_share_one_expiring_session_without_signing_anyone_out() {
    // Tokens live 60 s, inside the 90 s refresh margin: every instance refreshes at once.
    let app = TestApp::spawn_with(|config| config.jwt_expiry = 60).await;
    let site_root = tempfile::tempdir().unwrap();
    let instances: Vec<Instance> = (0..3)
        .map(|_| start_instance(&app, site_root.path()))
        .collect();
    let address = email("scaled");
    let session = app.signed_in_user(&address).await;
    let cookie = app.cookie_header(&session);
    let before = app.refresh_calls();

    let requests = (0..30).map(|index| {
        let url = format!("{}/protected", instances[index % 3].url);
        let request = app.client.get(url).header("cookie", &cookie).send();
        async move {
            let response = request.await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    });
    let in_flight: Vec<_> = requests.map(tokio::spawn).collect();
    let mut answers = Vec::new();
    for answer in in_flight {
        answers.push(answer.await.unwrap());
    }

    for (status, page) in &answers {
        assert_eq!(*status, StatusCode::OK, "{page}");
        assert!(
            page.contains(&address),
            "an answer was not signed in: {page}"
        );
    }
    let refreshes = app.refresh_calls() - before;
    assert!((1..=3).contains(&refreshes), "{refreshes} refresh calls");
}

/// Three instances against one PostgreSQL count one account's attempts together: the eleventh
/// wrong password is refused wherever it lands, as it would be by a single instance.
#[tokio::test]
async fn three_instances_count_an_accounts_attempts_together() {
    let app = TestApp::spawn().await;
    let (database_url, _) = crate::auth_app::database_urls();
    let site_root = tempfile::tempdir().unwrap();
    let instances: Vec<Instance> = (0..3)
        .map(|_| start_instance_with(&app, site_root.path(), &[("DATABASE_URL", &database_url)]))
        .collect();
    let address = email("many-doors");
    let sign_in = |n: usize| {
        let url = &instances[n % 3].url;
        app.client
            .post(format!("{url}/api/auth/sign-in"))
            .header("origin", url)
            .form(&[("email", address.as_str()), ("password", "wrong")])
            .send()
    };

    for attempt in 0..10 {
        let answer = sign_in(attempt).await.unwrap();
        assert_eq!(
            answer.status(),
            StatusCode::BAD_REQUEST,
            "attempt {attempt}"
        );
    }
    for attempt in 10..13 {
        let answer = sign_in(attempt).await.unwrap();
        assert_eq!(
            answer.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "attempt {attempt}"
        );
        assert!(answer.headers().contains_key("retry-after"));
    }
}

#[tokio::test]
async fn a_wallet_message_used_at_one_instance_is_refused_at_another() {
    let app = TestApp::spawn().await;
    let (database_url, _) = crate::auth_app::database_urls();
    let site_root = tempfile::tempdir().unwrap();
    let env = [
        ("DATABASE_URL", database_url.as_str()),
        ("WEB3_SIGN_IN", "ethereum"),
    ];
    let instances: Vec<Instance> = (0..2)
        .map(|_| start_instance_with(&app, site_root.path(), &env))
        .collect();
    // The browser's nonce cookie and a message carrying it (copied by whoever replays it).
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let message = format!(
        "localhost:3000 wants you to sign in with your Ethereum account:\n0x{}\n\nNonce: {nonce}",
        "1".repeat(40),
    );
    let send = |n: usize| {
        let url = &instances[n].url;
        app.client
            .post(format!("{url}/api/auth/wallet"))
            .header("origin", url)
            .header("cookie", format!("wallet-nonce={nonce}"))
            .form(&[
                ("chain", "ethereum"),
                ("message", message.as_str()),
                ("signature", "0x00"),
            ])
            .send()
    };

    // The first instance takes the message to the auth server (which refuses this one).
    let first = send(0).await.unwrap().text().await.unwrap();
    assert!(!first.contains("WalletMessageUsed"), "{first}");
    // The other instance knows it was used.
    let second = send(1).await.unwrap();
    assert_eq!(second.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(second.text().await.unwrap().contains("WalletMessageUsed"));
}
