//! `cargo bench -p local-auth`: refresh-grant throughput and password sign-in latency of local-auth
//! over HTTP on loopback, at a few concurrency levels, and the time a wrong password takes for a
//! known and an unknown address (they must match). Prints a table; asserts nothing.

use std::time::{Duration, Instant};

use local_auth::{Config, LocalAuth};
use reqwest::Client;
use serde_json::{Value, json};
use tokio::net::TcpListener;

const RUN: Duration = Duration::from_secs(3);
const PASSWORD: &str = "benchmark-password";

struct Target {
    client: Client,
    url: String,
    key: String,
}

impl Target {
    async fn post(&self, path: &str, body: &Value) -> Value {
        let response = self
            .client
            .post(format!("{}{path}", self.url))
            .header("apikey", &self.key)
            .json(body)
            .send()
            .await
            .expect("local-auth answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("a JSON answer")
    }
}

/// Latencies in microseconds, sorted.
struct Sample(Vec<u128>);

impl Sample {
    fn percentile(&self, p: f64) -> f64 {
        let index = ((self.0.len() as f64 - 1.0) * p).round() as usize;
        self.0.get(index).copied().unwrap_or(0) as f64 / 1000.0
    }
}

/// Runs `concurrency` workers for [`RUN`], each calling `step` in a loop; returns (requests/s, latencies).
async fn load<S, F>(concurrency: usize, states: Vec<S>, step: F) -> (f64, Sample)
where
    S: Send + 'static,
    F: Fn(S) -> std::pin::Pin<Box<dyn Future<Output = S> + Send>> + Clone + Send + Sync + 'static,
{
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for mut state in states.into_iter().take(concurrency) {
        let step = step.clone();
        workers.spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < RUN {
                let begun = Instant::now();
                state = step(state).await;
                latencies.push(begun.elapsed().as_micros());
            }
            latencies
        });
    }
    let mut all: Vec<u128> = workers.join_all().await.into_iter().flatten().collect();
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    (all.len() as f64 / elapsed, Sample(all))
}

#[tokio::main]
async fn main() {
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let api = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mailbox = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = Config {
        external_url: format!("http://{}", api.local_addr().unwrap())
            .parse()
            .unwrap(),
        data_dir: data_dir.path().to_path_buf(),
        enable_confirmations: false,
        email_max_frequency: 0,
        ..Config::default()
    };
    let url = format!("{}/", config.issuer());
    let server = LocalAuth::start(config).await.expect("local-auth starts");
    let key = server.api_keys().publishable.clone();
    let signer_state = server.state().clone();
    tokio::spawn(server.serve(api, mailbox, std::future::pending()));
    let target = std::sync::Arc::new(Target {
        client: {
            // The workspace builds reqwest with rustls but no default crypto provider.
            let _ = rustls::crypto::ring::default_provider().install_default();
            Client::new()
        },
        url,
        key,
    });

    let mut sessions = Vec::new();
    let mut emails = Vec::new();
    for i in 0..32 {
        let email = format!("bench-{i}@example.com");
        let session = target
            .post("signup", &json!({ "email": email, "password": PASSWORD }))
            .await;
        sessions.push(session["refresh_token"].as_str().unwrap().to_owned());
        emails.push(email);
    }

    println!(
        "local-auth on {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<34}{:>12}{:>12}{:>12}",
        "scenario", "req/s", "p50 ms", "p99 ms"
    );

    for concurrency in [1, 8, 32] {
        let shared = target.clone();
        let (rate, sample) = load(concurrency, sessions.clone(), move |token: String| {
            let target = shared.clone();
            Box::pin(async move {
                let session = target
                    .post(
                        "token?grant_type=refresh_token",
                        &json!({ "refresh_token": token }),
                    )
                    .await;
                session["refresh_token"].as_str().unwrap().to_owned()
            })
        })
        .await;
        println!(
            "{:<34}{rate:>12.0}{:>12.2}{:>12.2}",
            format!("refresh grant, {concurrency} concurrent"),
            sample.percentile(0.5),
            sample.percentile(0.99)
        );
        // The chains moved on: start the next level from fresh sign-ins' tokens.
        sessions.clear();
        for email in &emails {
            let session = target
                .post(
                    "token?grant_type=password",
                    &json!({ "email": email, "password": PASSWORD }),
                )
                .await;
            sessions.push(session["refresh_token"].as_str().unwrap().to_owned());
        }
    }

    for concurrency in [1, 2, 8] {
        let shared = target.clone();
        let (rate, sample) = load(concurrency, emails.clone(), move |email: String| {
            let target = shared.clone();
            Box::pin(async move {
                target
                    .post(
                        "token?grant_type=password",
                        &json!({ "email": email, "password": PASSWORD }),
                    )
                    .await;
                email
            })
        })
        .await;
        println!(
            "{:<34}{rate:>12.0}{:>12.2}{:>12.2}",
            format!("password sign-in, {concurrency} concurrent"),
            sample.percentile(0.5),
            sample.percentile(0.99)
        );
    }

    let claims = json!({
        "iss": "http://127.0.0.1:54321/auth/v1", "sub": "4f3c", "aud": "authenticated",
        "exp": 2_000_000_000, "iat": 1_900_000_000, "email": "bench@example.com", "phone": "",
        "app_metadata": { "provider": "email", "providers": ["email"] }, "user_metadata": {},
        "role": "authenticated", "aal": "aal1", "amr": [{ "method": "password", "timestamp": 1_900_000_000 }],
        "session_id": "9a1b", "is_anonymous": false,
    });
    let begun = Instant::now();
    for _ in 0..1000 {
        signer_state.signer.sign(&claims).unwrap();
    }
    println!(
        "{:<34}{:>12}{:>12.3}{:>12}",
        "ES256 access-token signing alone",
        "",
        begun.elapsed().as_secs_f64(),
        ""
    );

    // Known and unknown addresses must take the same time to refuse (the decoy hash has the
    // configured cost): medians of wrong-password sign-ins, interleaved.
    let (known, unknown) = known_and_unknown(&target, &emails, |target, address| {
        target
            .client
            .post(format!("{}token?grant_type=password", target.url))
            .header("apikey", &target.key)
            .json(&json!({ "email": address, "password": "not-the-password" }))
    })
    .await;
    print_pair("wrong password", known, unknown);
    // "Email me a link" for an existing account writes a mail; for an unknown address it does not.
    let (known, unknown) = known_and_unknown(&target, &emails, |target, address| {
        target
            .client
            .post(format!("{}otp", target.url))
            .header("apikey", &target.key)
            .json(&json!({ "email": address, "create_user": false }))
    })
    .await;
    print_pair("email me a link", known, unknown);

    let hash = bcrypt::hash(PASSWORD, Config::default().bcrypt_cost).unwrap();
    let mut times: Vec<u128> = (0..20)
        .map(|_| {
            let begun = Instant::now();
            assert!(bcrypt::verify(PASSWORD, &hash).unwrap());
            begun.elapsed().as_micros()
        })
        .collect();
    times.sort_unstable();
    println!(
        "{:<34}{:>12}{:>12.2}{:>12}",
        "bcrypt cost-10 verify alone",
        "",
        Sample(times).percentile(0.5),
        ""
    );
}

/// Latencies in µs of `request` for known addresses (from `emails`) and unknown ones, 30 of each,
/// interleaved so that whatever else the machine does weighs on both alike.
async fn known_and_unknown(
    target: &Target,
    emails: &[String],
    request: impl Fn(&Target, &str) -> reqwest::RequestBuilder,
) -> (Vec<u128>, Vec<u128>) {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for round in 0..30 {
        for (address, times) in [
            (emails[round % emails.len()].clone(), &mut known),
            (format!("nobody-{round}@example.com"), &mut unknown),
        ] {
            let begun = Instant::now();
            request(target, &address)
                .send()
                .await
                .expect("local-auth answers");
            times.push(begun.elapsed().as_micros());
        }
    }
    (known, unknown)
}

/// Prints the medians of `known` and `unknown` (latencies in µs) and how far apart they are.
fn print_pair(what: &str, mut known: Vec<u128>, mut unknown: Vec<u128>) {
    known.sort_unstable();
    unknown.sort_unstable();
    let (known, unknown) = (
        Sample(known).percentile(0.5),
        Sample(unknown).percentile(0.5),
    );
    println!(
        "{:<34}{:>12}{:>12.2}{:>12}",
        format!("{what}, known address"),
        "",
        known,
        ""
    );
    println!(
        "{:<34}{:>12}{:>12.2}{:>12}",
        format!("{what}, unknown address"),
        "",
        unknown,
        format!("{:+.1} %", (unknown - known) / known * 100.0)
    );
}
