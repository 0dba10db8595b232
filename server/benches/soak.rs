//! `cargo xtask soak` (`cargo bench -p server --bench soak`): sessions that keep refreshing across
//! several app instances for a minute, under upstream's default rate limits. 1,000 users, each at
//! an address of its own behind a proxy (`x-forwarded-for`, which the instances trust and forward
//! to the auth server with the secret key), access tokens living 100 s (so inside the 90 s refresh
//! margin after 10 s, and refreshed every 10 s after that), each user's browser sending a request
//! every 250 ms to one of three app instances in turn and keeping the cookies it is sent. Prints
//! how many sessions were lost (answered signed out), how many were ended by the auth server
//! (cookies cleared: a `refresh_token_already_used` would show here), how many answers of the auth
//! server were 429, and the refresh calls per session. Figures only; nothing is asserted.
//! `SOAK_SECONDS` and `SOAK_SESSIONS` change the length and the crowd; `SOAK_FORWARD=false` runs
//! the instances without the secret key, as a project without IP address forwarding sees them.

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
    let sessions = setting("SOAK_SESSIONS", 1000);
    let forward = std::env::var("SOAK_FORWARD").map_or(true, |value| value != "false");
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
        sb_forwarded_for_enabled: true,
        ..Config::default()
    })
    .await
    .expect("local-auth starts");
    let publishable_key = local_auth.api_keys().publishable.clone();
    let secret_key = local_auth.api_keys().secret.clone();
    let requests = local_auth.state().requests.clone();
    let limited = Arc::new(AtomicU64::new(0));
    let counted = limited.clone();
    let router = local_auth.api_router().layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let counted = counted.clone();
            async move {
                let response = next.run(request).await;
                if response.status() == http::StatusCode::TOO_MANY_REQUESTS {
                    counted.fetch_add(1, Ordering::Relaxed);
                }
                response
            }
        },
    ));
    tokio::spawn(async move { axum::serve(api, router).await });
    drop(mailbox);

    let mut instances = Vec::new();
    for _ in 0..INSTANCES {
        let leptos = LeptosOptions::builder()
            .output_name("app")
            .site_root("target/site")
            .build();
        let settings = SessionSettings::from_lookup(&leptos, |name| {
            (name == "TRUSTED_PROXY_IP_HEADER").then(|| "x-forwarded-for".to_owned())
        })
        .expect("valid settings");
        let endpoint = AuthEndpoint::new(auth_url.clone(), publishable_key.clone());
        let endpoint = if forward {
            endpoint.with_secret_key(secret_key.clone())
        } else {
            endpoint
        };
        let state = AppState::new(leptos, endpoint, &settings).expect("a valid auth URL");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        instances.push(format!("http://{}", listener.local_addr().unwrap()));
        tokio::spawn(server::run(listener, state, std::future::pending()));
    }

    // The users sign up from their own addresses (the bench's setup, not what it measures).
    let client = AuthClient::new(&auth_url, ApiKey::new(publishable_key))
        .unwrap()
        .with_secret_key(ApiKey::new(secret_key));
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
    for index in 0..sessions {
        let ip = std::net::IpAddr::from([10, 3, (index / 250) as u8, (index % 250 + 1) as u8]);
        let address = format!("soak-{index}-{}@example.com", uuid::Uuid::new_v4().simple());
        let credentials = Credentials::Email {
            email: &address,
            password: "soak-password",
        };
        let AuthResponse::Session(session) = client
            .for_client_ip(Some(ip))
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
                let mut request = http.get(&url).header("x-forwarded-for", ip.to_string());
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
    let refresh_calls = refreshes(&requests) - refreshes_before;
    println!(
        "soak: {sessions} sessions over {INSTANCES} app instances for {elapsed:.0} s, \
         forwarding {}",
        if forward { "on" } else { "off" }
    );
    println!(
        "  requests            {}",
        tally.requests.load(Ordering::Relaxed)
    );
    println!(
        "  refresh calls       {refresh_calls} ({:.1} per session; cookies renewed in {} answers)",
        refresh_calls as f64 / sessions as f64,
        tally.refreshed.load(Ordering::Relaxed)
    );
    println!("  429 answers         {}", limited.load(Ordering::Relaxed));
    println!(
        "  sessions lost       {}",
        tally.lost.load(Ordering::Relaxed)
    );
    println!(
        "  sessions ended by the auth server (reuse errors among them) {}",
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
