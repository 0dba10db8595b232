//! `cargo bench -p server --bench session`: what the session layer costs. Prints the per-request
//! cost of decoding the cookie and verifying the ES256 access token locally, the cost of the whole
//! middleware in front of a trivial handler, and, with `wrk` on the PATH, the throughput of the
//! home page signed in (session layer + verified user rendered) against the same page signed out,
//! at 32 connections. Figures only; nothing is asserted.

use std::{
    hint::black_box,
    process::Command,
    time::{Duration, Instant},
};

use axum::{Router, body::Body, http::Request, middleware::from_fn_with_state, routing::get};
use leptos::config::LeptosOptions;
use local_auth::{Config, LocalAuth};
use serde_json::json;
use server::{AppState, AuthEndpoint, SessionSettings};
use supabase_auth::{
    ApiKey, AuthClient, AuthResponse, Credentials, EmailOptions,
    axum::AuthSessions,
    cookie::{self, CookieOptions, Cookies},
};
use tokio::net::TcpListener;
use tower::ServiceExt;

const CONNECTIONS: usize = 32;
const WRK_SECONDS: u64 = 5;
const FRESH_TOKENS: u32 = 200;

/// Mean time of one `run` in microseconds over `iterations`.
async fn time_async<F, Fut>(iterations: u32, mut run: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let started = Instant::now();
    for _ in 0..iterations {
        run().await;
    }
    started.elapsed().as_secs_f64() * 1e6 / f64::from(iterations)
}

/// Requests/s, p50 and p99 in ms, from `wrk --latency` output.
fn wrk(url: &str, cookie: Option<&str>) -> Option<(f64, String, String)> {
    let mut command = Command::new("wrk");
    command.args([
        "-t2",
        &format!("-c{CONNECTIONS}"),
        &format!("-d{WRK_SECONDS}s"),
        "--latency",
    ]);
    if let Some(cookie) = cookie {
        command.args(["-H", &format!("Cookie: {cookie}")]);
    }
    let output = command.arg(url).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(|rest| {
                rest.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
    };
    let non_2xx = field("Non-2xx or 3xx responses:");
    if let Some(count) = non_2xx {
        eprintln!("wrk saw {count} error responses for {url}");
    }
    Some((
        field("Requests/sec:")?.parse().ok()?,
        field("50%")?,
        field("99%")?,
    ))
}

#[tokio::main]
async fn main() {
    supabase_auth::install_tls_provider();
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let api = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mailbox = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let auth_url = format!("http://{}", api.local_addr().unwrap());
    let local_auth = LocalAuth::start(Config {
        bcrypt_cost: 4,
        enable_confirmations: false,
        external_url: auth_url.parse().unwrap(),
        data_dir: data_dir.path().to_path_buf(),
        ..Config::default()
    })
    .await
    .expect("local-auth starts");
    let publishable_key = local_auth.api_keys().publishable.clone();
    tokio::spawn(local_auth.serve(api, mailbox, std::future::pending()));

    let client = AuthClient::new(&auth_url, ApiKey::new(publishable_key.clone())).unwrap();
    let credentials = Credentials::Email {
        email: "bench@example.com",
        password: "benchmark-password",
    };
    let AuthResponse::Session(session) = client
        .sign_up(credentials, json!({}), EmailOptions::default())
        .await
        .expect("local-auth signs up")
    else {
        panic!("sign-up without confirmation answers with a session");
    };
    // Distinct tokens, to time first verifications (the layer remembers verified tokens).
    let mut tokens = Vec::new();
    for _ in 0..FRESH_TOKENS {
        let session = client.sign_in_with_password(credentials).await.unwrap();
        tokens.push(session.access_token);
    }

    let leptos = LeptosOptions::builder()
        .output_name("app")
        .site_root("target/site")
        .build();
    let settings = SessionSettings::from_lookup(&leptos, |_| None).expect("default settings");
    let state = AppState::new(
        leptos,
        AuthEndpoint {
            url: auth_url.clone(),
            publishable_key,
        },
        &settings,
    )
    .expect("a valid auth URL");
    let sessions = state.sessions.clone();
    let key = sessions.config().cookie_name.clone();
    let set = cookie::write_session(
        &key,
        &session,
        &Cookies::default(),
        &CookieOptions::default(),
    );
    let cookie_header: String = set
        .iter()
        .map(|cookie| cookie.to_string().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ");

    println!("session layer (cookie of {} bytes)", cookie_header.len());
    let decode = time_async(20_000, || async {
        black_box(cookie::read_session(
            &Cookies::parse(black_box(&cookie_header)),
            &key,
        ));
    })
    .await;
    let verifier = sessions.verifier().clone();
    verifier
        .verify(&session.access_token)
        .await
        .expect("a valid token");
    let mut fresh = tokens.iter();
    let first_verify = time_async(FRESH_TOKENS, || {
        let token = fresh.next().expect("one token per iteration");
        let verifier = verifier.clone();
        async move {
            black_box(verifier.verify(token).await.unwrap());
        }
    })
    .await;
    let verify = time_async(20_000, || async {
        black_box(verifier.verify(&session.access_token).await.unwrap());
    })
    .await;
    let trivial = Router::new()
        .route("/", get(|| async { "ok" }))
        .layer(from_fn_with_state(
            sessions.clone(),
            AuthSessions::middleware,
        ));
    let request = |cookie: Option<&str>| {
        let builder = Request::get("/");
        let builder = match cookie {
            Some(cookie) => builder.header("cookie", cookie),
            None => builder,
        };
        builder.body(Body::empty()).unwrap()
    };
    let with_session = time_async(5_000, || async {
        black_box(
            trivial
                .clone()
                .oneshot(request(Some(&cookie_header)))
                .await
                .unwrap(),
        );
    })
    .await;
    let without_session = time_async(5_000, || async {
        black_box(trivial.clone().oneshot(request(None)).await.unwrap());
    })
    .await;
    println!("  decode cookie (parse + base64 + JSON)   {decode:>8.1} µs");
    println!("  verify a new access token (ES256)        {first_verify:>8.1} µs");
    println!("  verify a token seen before (remembered)  {verify:>8.1} µs");
    println!(
        "  middleware per request, signed in       {:>8.1} µs (minus the same request signed out)",
        with_session - without_session
    );

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(server::run(listener, state, std::future::pending()));
    tokio::time::sleep(Duration::from_millis(100)).await;

    println!("\nthroughput at {CONNECTIONS} connections, {WRK_SECONDS} s each (wrk)");
    let Some(public) = wrk(&app, None) else {
        println!(
            "  wrk is not installed: `apt-get install wrk` (or your package manager's) to measure it"
        );
        return;
    };
    let signed_in = wrk(&app, Some(&cookie_header)).expect("wrk ran a moment ago");
    println!("  page                  requests/s      p50      p99");
    for (name, (rate, p50, p99)) in [("/ signed out", &public), ("/ signed in", &signed_in)] {
        println!("  {name:<20} {rate:>11.0} {p50:>8} {p99:>8}");
    }
    println!(
        "  signed-in / signed-out throughput: {:.2} (target ≥ 0.5)",
        signed_in.0 / public.0
    );
}
