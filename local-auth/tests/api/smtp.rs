//! Mail also goes out by SMTP when it is configured.

use local_auth::config::{SmtpConfig, SmtpTls};
use serde_json::json;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::oneshot,
};

use crate::helpers::{TestAuth, email};

/// A minimal SMTP server that accepts one message and hands over its DATA.
pub(crate) async fn smtp_sink() -> (u16, oneshot::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (delivered, received) = oneshot::channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
        let mut data = String::new();
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    in_data = false;
                    write.write_all(b"250 OK queued\r\n").await.unwrap();
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let command = line.to_ascii_uppercase();
            let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                b"250 sink\r\n"
            } else if command.starts_with("DATA") {
                in_data = true;
                b"354 go ahead\r\n"
            } else if command.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await.unwrap();
                break;
            } else {
                b"250 OK\r\n"
            };
            write.write_all(reply).await.unwrap();
        }
        let _ = delivered.send(data);
    });
    (port, received)
}

#[tokio::test]
async fn with_smtp_configured_the_confirmation_mail_is_also_sent_by_smtp() {
    let (port, received) = smtp_sink().await;
    let auth = TestAuth::spawn_with(|config| {
        config.smtp = Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            user: None,
            pass: None,
            admin_email: "auth@example.com".into(),
            sender_name: Some("Starter".into()),
            tls: SmtpTls::None,
        });
    })
    .await;
    let address = email("smtp");

    auth.post(
        "/signup",
        json!({ "email": address, "password": "secret-pass" }),
    )
    .await;
    let data = tokio::time::timeout(std::time::Duration::from_secs(10), received)
        .await
        .expect("the message arrives in time")
        .unwrap();

    let code = auth.latest_mail(&address).await.code();
    assert!(data.contains(&format!("To: {address}")), "{data}");
    assert!(data.contains("From: Starter <auth@example.com>"), "{data}");
    assert!(data.contains("Subject: Confirm Your Signup"), "{data}");
    assert!(
        data.contains(&code),
        "the SMTP copy carries the same code: {data}"
    );
}
