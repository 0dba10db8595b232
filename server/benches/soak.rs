//! `cargo xtask soak` (`cargo bench -p server --bench soak`): sessions that keep refreshing across
//! several app instances for a minute. 200 users, access tokens living 100 s (so inside the 90 s
//! refresh margin after 10 s, and refreshed every 10 s after that), each user's browser sending a
//! request every 250 ms to one of three app instances in turn and keeping the cookies it is sent.
//! Prints how many sessions were lost (answered signed out) and how many were ended by the auth
//! server (cookies cleared: a `refresh_token_already_used` would show here). Figures only; nothing
//! is asserted. `SOAK_SECONDS` and `SOAK_SESSIONS` change the length and the crowd.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use leptos::config::LeptosOptions;
use local_auth::{Config, LocalAuth};
use serde_json::json;
use server::{AppState, AuthEndpoint, SessionSettings};
use supabase_ssr::{
    ApiKey, AuthClient, AuthResponse, Credentials, EmailOptions,
    cookie::{self, CookieOptions, Cookies},
};
use tokio::net::TcpListener;

const INSTANCES: usize = 3;

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    lost: AtomicU64,
    ended: AtomicU64,
    refreshed: AtomicU64,
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    supabase_ssr::install_tls_provider();
    let seconds = setting("SOAK_SECONDS", 60);
    let layer = setting("SOAK_SESSIONS", 200);
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let api = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mailbox = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let auth_url = format!("http://{}", api.local_addr().unwrap());
    let local_auth = LocalAuth::start(Config {
        bcrypt_cost: 4,
        enable_confirmations: false,
        jwt_expiry: 100,
        external_url: auth_url.parse().unwrap(),
        data_dir: data_dir.path().to_path_buf(),
        ..Config::default()
    })
    .await
    .expect("local-auth starts");
    let publishable_key = local_auth.api_keys().publishable.clone();
    let requests = local_auth.state().requests.clone();
    tokio::spawn(local_auth.serve(api, mailbox, std::future::pending()));

    let mut instances = Vec::new();
    for _ in 0..INSTANCES {
        let leptos = LeptosOptions::builder()
            .output_name("app")
            .site_root("target/site")
            .build();
        let settings = SessionSettings::from_lookup(&leptos, |_| None).expect("default settings");
        let state = AppState::new(
            leptos,
            AuthEndpoint::new(auth_url.clone(), publishable_key.clone()),
            &settings,
        )
        .expect("a valid auth URL");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        instances.push(format!("http://{}", listener.local_addr().unwrap()));
        tokio::spawn(server::run(listener, state, std::future::pending()));
    }

    let client = AuthClient::new(&auth_url, ApiKey::new(publishable_key)).unwrap();
    let key = cookie::storage_key(&auth_url.parse().unwrap());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let tally = Arc::new(Tally::default());
    let refreshes_before = refreshes(&requests);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut users = Vec::new();
    for index in 0..layer {
        let address = format!("soak-{index}-{}@example.com", uuid::Uuid::new_v4().simple());
        let credentials = Credentials::Email {
            email: &address,
            password: "soak-password",
        };
        let AuthResponse::Session(session) = client
            .sign_up(credentials, json!({}), EmailOptions::default())
            .await
            .expect("local-auth signs up")
        else {
            panic!("sign-up without confirmation answers with a session");
        };
        let jar = cookie::write_session(
            &key,
            &session,
            &Cookies::default(),
            &CookieOptions::default(),
        );
        let mut cookies = Cookies::default();
        cookies.apply(&jar);
        let (http, instances, tally, key) =
            (http.clone(), instances.clone(), tally.clone(), key.clone());
        users.push(tokio::spawn(async move {
            let mut turn = index as usize;
            while Instant::now() < deadline {
                let url = format!("{}/protected", instances[turn % INSTANCES]);
                turn += 1;
                let mut request = http.get(&url);
                if let Some(header) = cookies.to_header() {
                    request = request.header("cookie", header);
                }
                let Ok(response) = request.send().await else {
                    continue;
                };
                tally.requests.fetch_add(1, Ordering::Relaxed);
                let changes: Vec<cookie::SetCookie> = response
                    .headers()
                    .get_all("set-cookie")
                    .iter()
                    .filter_map(|value| value.to_str().ok())
                    .filter_map(parse_set_cookie)
                    .collect();
                if changes.iter().any(|change| change.name.starts_with(&key)) {
                    if changes.iter().all(cookie::SetCookie::is_removal) {
                        tally.ended.fetch_add(1, Ordering::Relaxed);
                    } else {
                        tally.refreshed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                cookies.apply(&changes);
                if response.status() != reqwest::StatusCode::OK {
                    tally.lost.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }));
    }
    for user in users {
        user.await.expect("a user's loop ends");
    }

    let elapsed = started.elapsed().as_secs_f64();
    println!("soak: {layer} layer over {INSTANCES} app instances for {elapsed:.0} s");
    println!(
        "  requests            {}",
        tally.requests.load(Ordering::Relaxed)
    );
    println!(
        "  refresh calls       {} (cookies renewed in {} answers)",
        refreshes(&requests) - refreshes_before,
        tally.refreshed.load(Ordering::Relaxed)
    );
    println!("  layer lost       {}", tally.lost.load(Ordering::Relaxed));
    println!(
        "  layer ended by the auth server (reuse errors among them) {}",
        tally.ended.load(Ordering::Relaxed)
    );
}

fn refreshes(requests: &local_auth::metrics::RequestCounts) -> u64 {
    requests.get(&http::Method::POST, "/auth/v1/token", Some("refresh_token"))
}

/// The name, value and `Max-Age` of a `Set-Cookie` header, as a browser keeps them.
fn parse_set_cookie(line: &str) -> Option<cookie::SetCookie> {
    let mut attributes = line.split(';');
    let (name, value) = attributes.next()?.split_once('=')?;
    let max_age = attributes
        .filter_map(|attribute| attribute.trim().strip_prefix("Max-Age="))
        .find_map(|age| age.parse().ok())
        .unwrap_or(cookie::DEFAULT_MAX_AGE);
    let value = percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .ok()?
        .into_owned();
    Some(cookie::SetCookie::new(
        name.trim(),
        value,
        &CookieOptions {
            max_age,
            ..CookieOptions::default()
        },
    ))
}
