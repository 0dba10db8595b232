//! Email templates and security notifications from files, as `supabase/config.toml` names them:
//! upstream's Go-template variables with `html/template` escaping, a changed file changing the
//! mail, and a file that does not parse stopping the start with its name and line.

use std::path::Path;

use local_auth::{Config, LocalAuth};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestAuth, email};

const PASSWORD: &str = "template-password-1";

/// A project directory holding `supabase/config.toml` (with `auth`) and the files `files` names.
fn project(auth: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("supabase/templates")).unwrap();
    std::fs::write(dir.path().join("supabase/config.toml"), auth).unwrap();
    for (path, text) in files {
        std::fs::write(dir.path().join(path), text).unwrap();
    }
    dir
}

/// The configuration `supabase/config.toml` of `dir` gives.
fn config_of(dir: &Path) -> Config {
    let path = dir.join("supabase/config.toml");
    let mut config = Config::default();
    config
        .apply_file(
            &path.display().to_string(),
            &std::fs::read_to_string(&path).unwrap(),
        )
        .unwrap();
    config
}

async fn with_project(dir: &Path) -> TestAuth {
    let config = config_of(dir);
    TestAuth::spawn_with(|test| {
        test.email_templates = config.email_templates;
    })
    .await
}

/// The HTML and subject of the newest mail to `address`.
async fn newest(auth: &TestAuth, address: &str) -> (String, String, String) {
    let summary = auth
        .mails()
        .await
        .into_iter()
        .find(|mail| mail["To"][0]["Address"] == address)
        .unwrap();
    let id = summary["ID"].as_str().unwrap();
    let message: Value = auth
        .client
        .get(format!(
            "http://{}/api/v1/message/{id}",
            auth.mailbox.addr()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        message["Subject"].as_str().unwrap().to_owned(),
        message["HTML"].as_str().unwrap_or_default().to_owned(),
        message["Text"].as_str().unwrap().to_owned(),
    )
}

const CONFIG: &str = r#"
[auth.email.template.confirmation]
subject = "Welcome {{ .Email }}"
content_path = "./supabase/templates/confirmation.html"
"#;

#[tokio::test]
async fn a_template_file_is_rendered_with_upstreams_variables_and_escaping() {
    let dir = project(
        CONFIG,
        &[(
            "supabase/templates/confirmation.html",
            "<p>Hi {{ .Data.name }}, code {{ .Token }} for {{ .Email }} on {{ .SiteURL }}</p>\n\
             <p><a href=\"{{ .SiteURL }}/auth/confirm?token_hash={{ .TokenHash }}&type=email&next={{ .RedirectTo }}\">Confirm</a></p>\n\
             <p>{{ .ConfirmationURL }}</p>",
        )],
    );
    let auth = with_project(dir.path()).await;
    let address = email("template");

    let response = auth
        .post(
            "/signup",
            json!({
                "email": address, "password": PASSWORD,
                "data": { "name": "<b>Ada</b>" },
            }),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let (subject, html, text) = newest(&auth, &address).await;
    assert_eq!(subject, format!("Welcome {address}"));
    assert!(
        html.contains("Hi &lt;b&gt;Ada&lt;/b&gt;"),
        "metadata is escaped: {html}"
    );
    assert!(html.contains("on http://127.0.0.1:3000"), "{html}");
    assert!(
        html.contains("/auth/v1/verify?token="),
        "ConfirmationURL: {html}"
    );
    let link = text
        .lines()
        .find(|line| line.starts_with("http://127.0.0.1:3000/auth/confirm"))
        .unwrap();
    assert!(
        link.contains("type=email&next=http%3a%2f%2f127.0.0.1%3a3000"),
        "next is query-escaped: {link}"
    );
    // The code in the mail confirms the address.
    let code: String = text
        .split("code ")
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect();
    let verified = auth
        .post(
            "/verify",
            json!({ "type": "signup", "email": address, "token": code }),
        )
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_changed_template_file_changes_the_mail() {
    let dir = project(
        CONFIG,
        &[(
            "supabase/templates/confirmation.html",
            "<p>First {{ .Token }}</p>",
        )],
    );
    let auth = with_project(dir.path()).await;
    let first = email("first");
    auth.post("/signup", json!({ "email": first, "password": PASSWORD }))
        .await;
    let data_dir = auth.stop().await;

    std::fs::write(
        dir.path().join("supabase/templates/confirmation.html"),
        "<p>Second {{ .Token }}</p>",
    )
    .unwrap();
    let config = config_of(dir.path());
    let auth = TestAuth::spawn_in(data_dir, |test| {
        test.email_templates = config.email_templates;
    })
    .await;
    let second = email("second");
    auth.post("/signup", json!({ "email": second, "password": PASSWORD }))
        .await;

    assert!(newest(&auth, &first).await.1.contains("First "));
    assert!(newest(&auth, &second).await.1.contains("Second "));
}

#[tokio::test]
async fn a_template_that_does_not_parse_stops_the_start_naming_file_and_line() {
    let dir = project(
        CONFIG,
        &[(
            "supabase/templates/confirmation.html",
            "<p>fine</p>\n<p>{{ .Token </p>\n",
        )],
    );
    let config = Config {
        data_dir: dir.path().join("data"),
        ..config_of(dir.path())
    };

    let error = LocalAuth::start(config).await.unwrap_err().to_string();

    let file = dir.path().join("supabase/templates/confirmation.html");
    assert!(
        error.contains(&format!("{}:2:", file.display())),
        "names the file and line: {error}"
    );
}

#[tokio::test]
async fn a_missing_template_file_and_unknown_types_are_named() {
    let missing = project(CONFIG, &[]);
    let path = missing.path().join("supabase/config.toml");
    let error = Config::default()
        .apply_file(&path.display().to_string(), CONFIG)
        .unwrap_err();
    assert!(
        error
            .setting
            .ends_with("auth.email.template.confirmation.content_path"),
        "{error:?}"
    );

    let unknown = "[auth.email.template.welcome]\nsubject = \"Hi\"\n";
    let error = Config::default()
        .apply_file(&path.display().to_string(), unknown)
        .unwrap_err();
    assert!(error.problem.contains("magic_link"), "{error:?}");
}

#[tokio::test]
async fn enabled_notifications_tell_the_user_of_each_change() {
    let dir = project(
        r#"
[auth.email.notification.password_changed]
enabled = true
[auth.email.notification.email_changed]
enabled = true
subject = "Address changed for {{ .OldEmail }}"
content_path = "./templates/email_changed.html"
[auth.email.notification.mfa_factor_enrolled]
enabled = true
[auth.email.notification.mfa_factor_unenrolled]
enabled = false
"#,
        &[(
            "supabase/templates/email_changed.html",
            "<p>From {{ .OldEmail }} to {{ .Email }}</p>",
        )],
    );
    let config = config_of(dir.path());
    let auth = TestAuth::spawn_with(|test| {
        test.email_templates = config.email_templates;
        test.double_confirm_changes = false;
    })
    .await;
    let address = email("notify");
    let session = auth.confirmed_user(&address, PASSWORD).await;
    let token = session["access_token"].as_str().unwrap();

    let changed = auth
        .request(reqwest::Method::PUT, "/user")
        .bearer_auth(token)
        .json(&json!({ "password": "another-password-2" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(newest(&auth, &address).await.0, "Your password was changed");

    let new_address = email("notify-new");
    let requested = auth
        .request(reqwest::Method::PUT, "/user")
        .bearer_auth(token)
        .json(&json!({ "email": new_address }))
        .send()
        .await
        .unwrap();
    assert_eq!(requested.status(), StatusCode::OK);
    let code = auth.latest_mail(&new_address).await.code();
    let confirmed = auth
        .post(
            "/verify",
            json!({ "type": "email_change", "email": new_address, "token": code }),
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);

    let (subject, html, _) = newest(&auth, &address).await;
    assert_eq!(subject, format!("Address changed for {address}"));
    assert_eq!(html, format!("<p>From {address} to {new_address}</p>"));
}
