//! Killing the process (SIGKILL) mid-write loses no answered sign-up and corrupts nothing.

use std::{
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::json;
use sqlx::sqlite::SqliteConnectOptions;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    sync::Notify,
};

struct Process {
    child: Child,
    api: String,
    publishable_key: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Starts the `local-auth` binary on `data_dir`; resolves once it printed its keys.
async fn start(data_dir: &std::path::Path) -> Process {
    let (api_port, mailbox_port) = (free_port(), free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_local-auth"))
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .env("LOCAL_AUTH_API_ADDR", format!("127.0.0.1:{api_port}"))
        .env(
            "LOCAL_AUTH_MAILBOX_ADDR",
            format!("127.0.0.1:{mailbox_port}"),
        )
        .env("LOCAL_AUTH_DATA_DIR", data_dir)
        .env("LOCAL_AUTH_BCRYPT_COST", "4")
        .env("LOCAL_AUTH_EMAIL_MAX_FREQUENCY", "0")
        // Hundreds of sign-ups from one address: a bucket that refills as fast as they come.
        .env("LOCAL_AUTH_RATE_LIMIT_SIGN_IN_SIGN_UPS", "10000000")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the local-auth binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let publishable_key = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("local-auth printed its keys");
        if let Some((_, key)) = line.split_once("publishable key: ") {
            break key.trim().to_owned();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Process {
        child,
        api: format!("http://127.0.0.1:{api_port}/auth/v1"),
        publishable_key,
    }
}

#[tokio::test]
async fn sigkill_during_concurrent_signups_loses_no_answered_signup() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut process = start(data_dir.path()).await;
    let client = crate::helpers::http_client();
    let answered = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(Notify::new());

    let mut signups = tokio::task::JoinSet::new();
    for i in 0..400 {
        let (client, url, key) = (
            client.clone(),
            format!("{}/signup", process.api),
            process.publishable_key.clone(),
        );
        let (answered, enough) = (answered.clone(), enough.clone());
        signups.spawn(async move {
            let email = format!("durable-{i}@example.com");
            let response = client
                .post(url)
                .header("apikey", key)
                .json(&json!({ "email": email, "password": "secret-pass" }))
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            let ok = matches!(&response, Ok(response) if response.status() == StatusCode::OK);
            if ok && answered.fetch_add(1, Ordering::SeqCst) + 1 == 40 {
                enough.notify_one();
            }
            ok.then_some(email)
        });
    }
    enough.notified().await;
    process.child.kill().await.expect("SIGKILL is delivered");
    let confirmed: Vec<String> = signups.join_all().await.into_iter().flatten().collect();
    assert!(
        confirmed.len() >= 40,
        "{} sign-ups were answered",
        confirmed.len()
    );

    let mut restarted = start(data_dir.path()).await;
    let health = client
        .get(format!("{}/health", restarted.api))
        .header("apikey", &restarted.publishable_key)
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    restarted.child.kill().await.unwrap();

    let options = SqliteConnectOptions::new()
        .filename(data_dir.path().join("auth.db"))
        .read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    let stored: Vec<String> = sqlx::query_scalar("SELECT email FROM users")
        .fetch_all(&pool)
        .await
        .unwrap();
    for email in &confirmed {
        assert!(
            stored.contains(email),
            "{email} was answered 200 but is gone"
        );
    }
    let mails: i64 = sqlx::query_scalar("SELECT count(*) FROM mail")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        mails,
        i64::try_from(stored.len()).unwrap(),
        "every stored user has its confirmation mail"
    );
}
