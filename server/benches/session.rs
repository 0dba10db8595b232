//! `cargo bench -p server --bench session`: what the session layer costs per request. Prints the
//! cost of decoding the cookie, of verifying an ES256 access token locally (first time and
//! remembered), of the whole middleware in front of a trivial handler, of a hostile
//! 40,000-cookie header, and the same for a third-party provider's RS256 token (local-auth's
//! development Clerk issuer), a forged one included. With `BENCH_OUTPUT` set,
//! also writes the figures there as JSON for `cargo xtask bench`. Figures only; nothing is asserted.

use std::{hint::black_box, time::Instant};

use axum::{Router, body::Body, http::Request, middleware::from_fn_with_state, routing::get};
use leptos::config::LeptosOptions;
use local_auth::{Config, LocalAuth};
use serde_json::json;
use server::{AppState, AuthEndpoint, SessionSettings};
use supabase_ssr::{
    AccessToken, ApiKey, AuthClient, AuthResponse, Credentials, EmailOptions,
    axum::SessionLayer,
    cookie::{self, CookieOptions, Cookies},
};
use tokio::net::TcpListener;
use tower::ServiceExt;

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

#[tokio::main]
async fn main() {
    supabase_ssr::install_tls_provider();
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let api = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mailbox = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let auth_url = format!("http://{}", api.local_addr().unwrap());
    let mut config = Config {
        bcrypt_cost: 4,
        enable_confirmations: false,
        external_url: auth_url.parse().unwrap(),
        data_dir: data_dir.path().to_path_buf(),
        ..Config::default()
    };
    // As the embedded local-auth: the app names each end user's address (`Sb-Forwarded-For`), so
    // the sign-ins below count as many clients', each far from the per-client limits.
    config.sb_forwarded_for_enabled = true;
    config.third_party =
        Some(supabase_ssr::third_party::Issuer::from_spec("clerk:clerk.example.test").unwrap());
    let stand_in = server::auth::backend::StandIn::of(&config);
    let local_auth = LocalAuth::start(config).await.expect("local-auth starts");
    let publishable_key = local_auth.api_keys().publishable.clone();
    let secret_key = local_auth.api_keys().secret.clone();
    tokio::spawn(local_auth.serve(api, mailbox, std::future::pending()));

    // Third-party tokens: one per distinct user, from the development issuer's admin call.
    let http = reqwest::Client::new();
    let mut provider_tokens = Vec::new();
    for n in 0..=FRESH_TOKENS {
        let minted: serde_json::Value = http
            .post(format!("{auth_url}/auth/v1/admin/third-party/tokens"))
            .header("apikey", &secret_key)
            .bearer_auth(&secret_key)
            .json(&json!({ "email": format!("clerk-{n}@example.com") }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        provider_tokens.push(AccessToken::new(minted["access_token"].as_str().unwrap()));
    }

    let client = AuthClient::new(&auth_url, ApiKey::new(publishable_key.clone()))
        .unwrap()
        .with_secret_key(ApiKey::new(secret_key));
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
    for n in 0..FRESH_TOKENS {
        let address = std::net::Ipv4Addr::from(0x0a00_0000 + n);
        let session = client
            .for_client_ip(Some(address.into()))
            .sign_in_with_password(credentials)
            .await
            .unwrap();
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
            third_party: stand_in,
            ..AuthEndpoint::new(auth_url.clone(), publishable_key)
        },
        &settings,
    )
    .expect("a valid auth URL");
    let layer = state.session_layer.clone();
    let key = layer.config().cookie_name.clone();
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
    let verifier = layer.verifier().clone();
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
        .layer(from_fn_with_state(layer.clone(), SessionLayer::middleware));
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
    let middleware = with_session - without_session;

    let provider = layer.third_party().expect("Clerk is trusted").clone();
    let (kept, fresh_provider) = provider_tokens.split_first().unwrap();
    provider.verify(kept).await.expect("a valid provider token");
    let mut fresh = fresh_provider.iter();
    let provider_first = time_async(FRESH_TOKENS, || {
        let token = fresh.next().expect("one token per iteration");
        let provider = provider.clone();
        async move {
            black_box(provider.verify(token).await.unwrap());
        }
    })
    .await;
    let provider_remembered = time_async(20_000, || async {
        black_box(provider.verify(kept).await.unwrap());
    })
    .await;
    // The attacker's cost to the server: a known key id, a payload of their choosing, a signature
    // that does not verify; never remembered, so each one is a signature check.
    let forged = {
        let mut parts: Vec<&str> = kept.expose_secret().split('.').collect();
        let other = fresh_provider[0].expose_secret();
        parts[2] = other.rsplit('.').next().unwrap();
        AccessToken::new(parts.join("."))
    };
    let provider_forged = time_async(FRESH_TOKENS, || async {
        black_box(provider.verify(&forged).await.unwrap_err());
    })
    .await;
    let provider_cookie = format!("__session={}", kept.expose_secret());
    let with_provider = time_async(5_000, || async {
        black_box(
            trivial
                .clone()
                .oneshot(request(Some(&provider_cookie)))
                .await
                .unwrap(),
        );
    })
    .await;
    let provider_middleware = with_provider - without_session;
    // A hostile header: 40,000 cookies named like session chunks, about 800 KB.
    let flood: String = (0..40_000)
        .map(|index| format!("{key}.{index}=x"))
        .collect::<Vec<_>>()
        .join("; ");
    let flooded = time_async(200, || async {
        let cookies = Cookies::parse(black_box(&flood));
        black_box(cookie::read_session(&cookies, &key));
        black_box(cookie::remove_chunked(
            &key,
            &cookies,
            &CookieOptions::default(),
        ));
    })
    .await;
    println!("  decode cookie (parse + base64 + JSON)   {decode:>8.1} µs");
    println!("  verify a new access token (ES256)        {first_verify:>8.1} µs");
    println!("  verify a token seen before (remembered)  {verify:>8.1} µs");
    println!(
        "  middleware per request, signed in       {middleware:>8.1} µs (minus the same request signed out)"
    );
    println!(
        "  a {} KB header of 40,000 cookies         {flooded:>8.1} µs (parse, read, clear)",
        flood.len() / 1024
    );
    println!("third-party token (Clerk's shape, RS256)");
    println!("  verify a new token                       {provider_first:>8.1} µs");
    println!("  verify a token seen before (remembered)  {provider_remembered:>8.1} µs");
    println!("  refuse a forged token (known kid)        {provider_forged:>8.1} µs");
    println!(
        "  middleware per request, signed in       {provider_middleware:>8.1} µs (minus the same request signed out)"
    );
    if let Some(path) = std::env::var_os("BENCH_OUTPUT") {
        let figures = json!({
            "cookie_bytes": cookie_header.len(),
            "decode_us": decode,
            "first_verify_us": first_verify,
            "remembered_verify_us": verify,
            "middleware_us": middleware,
            "cookie_flood_us": flooded,
            "third_party_first_verify_us": provider_first,
            "third_party_remembered_verify_us": provider_remembered,
            "third_party_forged_us": provider_forged,
            "third_party_middleware_us": provider_middleware,
        });
        std::fs::write(&path, figures.to_string()).expect("BENCH_OUTPUT is writable");
    }
}
