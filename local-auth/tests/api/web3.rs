//! Sign in with Ethereum and with Solana (`/token?grant_type=web3`): deterministic test wallets
//! sign messages, and local-auth refuses what upstream refuses, in upstream's shapes.

use base64::Engine;
use chrono::{Duration, Utc};
use k256::ecdsa::SigningKey;
use reqwest::{Method, StatusCode};
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};
use sha3::{Digest, Keccak256};

use crate::helpers::{TestAuth, error_code};

/// An Ethereum wallet with a fixed key.
pub struct EthereumWallet(SigningKey);

impl EthereumWallet {
    pub fn new(seed: u8) -> Self {
        Self(SigningKey::from_slice(&[seed; 32]).unwrap())
    }

    /// `0x` and the lowercase hex of the address.
    pub fn address(&self) -> String {
        let point = self.0.verifying_key().to_sec1_point(false);
        let hash = Keccak256::digest(&point.as_bytes()[1..]);
        format!("0x{}", hex(&hash[12..]))
    }

    /// `personal_sign`: `0x` and 65 bytes `r‖s‖v` in hex, `v` 27 or 28.
    pub fn sign(&self, message: &str) -> String {
        let mut hasher = Keccak256::new();
        hasher.update(format!("\x19Ethereum Signed Message:\n{}", message.len()));
        hasher.update(message.as_bytes());
        let (signature, recovery) = self.0.sign_prehash_recoverable(&hasher.finalize());
        let mut bytes = signature.to_bytes().to_vec();
        bytes.push(recovery.to_byte() + 27);
        format!("0x{}", hex(&bytes))
    }
}

/// A Solana wallet with a fixed key.
pub struct SolanaWallet(Ed25519KeyPair);

impl SolanaWallet {
    pub fn new(seed: u8) -> Self {
        Self(Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).unwrap())
    }

    pub fn address(&self) -> String {
        bs58::encode(self.0.public_key().as_ref()).into_string()
    }

    /// `signMessage`: the ed25519 signature, in base64.
    pub fn sign(&self, message: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0.sign(message.as_bytes()))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A sign-in message as wallets' sign-in libraries write it, for `uri` (its host the domain),
/// issued `issued` ago.
pub fn message(chain: &str, address: &str, uri: &str, issued: Duration) -> String {
    let domain = url::Url::parse(uri).unwrap();
    let domain = match domain.port() {
        Some(port) => format!("{}:{port}", domain.host_str().unwrap()),
        None => domain.host_str().unwrap().to_owned(),
    };
    let (account, chain_id) = match chain {
        "ethereum" => ("Ethereum", "1"),
        _ => ("Solana", "solana:mainnet"),
    };
    format!(
        "{domain} wants you to sign in with your {account} account:\n{address}\n\n\
         Sign in to the notes app\n\nURI: {uri}\nVersion: 1\nChain ID: {chain_id}\n\
         Nonce: {}\nIssued At: {}",
        uuid::Uuid::new_v4().simple(),
        (Utc::now() - issued).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    )
}

pub const APP: &str = "http://localhost:3000";

pub async fn with_web3() -> TestAuth {
    TestAuth::spawn_with(|config| {
        config.web3.ethereum.enabled = true;
        config.web3.solana.enabled = true;
        config.additional_redirect_urls = vec![
            "http://localhost:3000/**".into(),
            "https://app.example.com/**".into(),
        ];
    })
    .await
}

async fn grant(auth: &TestAuth, chain: &str, message: &str, signature: &str) -> reqwest::Response {
    auth.post(
        "/token?grant_type=web3",
        json!({ "chain": chain, "message": message, "signature": signature }),
    )
    .await
}

/// The OAuth-shaped refusal: 400 `{error: invalid_grant, error_description}`.
async fn invalid_grant(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");
    body["error_description"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_wallet_signs_in_and_up_on_each_chain() {
    let auth = with_web3().await;
    let ethereum = EthereumWallet::new(1);
    let text = message("ethereum", &ethereum.address(), APP, Duration::zero());
    let response = grant(&auth, "ethereum", &text, &ethereum.sign(&text)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: Value = response.json().await.unwrap();
    let user = &session["user"];
    assert_eq!(user["email"], "");
    assert_eq!(user["app_metadata"]["provider"], "web3");
    let subject = format!("web3:ethereum:{}", ethereum.address());
    assert_eq!(user["identities"][0]["id"], subject.as_str());
    assert_eq!(
        user["user_metadata"]["custom_claims"]["address"],
        ethereum.address().as_str()
    );
    assert_eq!(user["user_metadata"]["custom_claims"]["network"], "1");
    let claims: Value =
        jsonwebtoken::dangerous::insecure_decode_claims(session["access_token"].as_str().unwrap())
            .unwrap();
    assert_eq!(claims["amr"][0]["method"], "web3");

    // Another message of the same wallet is the same user; upstream also takes the same message
    // again while it is valid (the app refuses that).
    let again = message("ethereum", &ethereum.address(), APP, Duration::zero());
    let second: Value = grant(&auth, "ethereum", &again, &ethereum.sign(&again))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["user"]["id"], user["id"]);
    let replayed = grant(&auth, "ethereum", &text, &ethereum.sign(&text)).await;
    assert_eq!(replayed.status(), StatusCode::OK);

    let solana = SolanaWallet::new(2);
    let text = message(
        "solana",
        &solana.address(),
        "https://app.example.com",
        Duration::zero(),
    );
    let response = grant(&auth, "solana", &text, &solana.sign(&text)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: Value = response.json().await.unwrap();
    assert_eq!(
        session["user"]["identities"][0]["id"],
        format!("web3:solana:{}", solana.address()).as_str()
    );
    assert_ne!(session["user"]["id"], user["id"]);
}

#[tokio::test]
async fn forged_foreign_and_stale_messages_are_refused() {
    let auth = with_web3().await;
    let wallet = EthereumWallet::new(3);
    let thief = EthereumWallet::new(4);

    // Signed by another key than the message's address.
    let text = message("ethereum", &wallet.address(), APP, Duration::zero());
    let forged = grant(&auth, "ethereum", &text, &thief.sign(&text)).await;
    assert_eq!(
        invalid_grant(forged).await,
        "Signature does not match address in message"
    );
    // A signature of one message under another.
    let other = message("ethereum", &wallet.address(), APP, Duration::zero());
    let swapped = grant(&auth, "ethereum", &other, &wallet.sign(&text)).await;
    assert!(invalid_grant(swapped).await.contains("does not match"));

    // Another site's message, properly signed.
    let foreign = message(
        "ethereum",
        &wallet.address(),
        "https://evil.example",
        Duration::zero(),
    );
    let response = grant(&auth, "ethereum", &foreign, &wallet.sign(&foreign)).await;
    assert!(
        invalid_grant(response)
            .await
            .contains("signed for another app")
    );
    // Not HTTPS (and not localhost).
    let plain = message(
        "ethereum",
        &wallet.address(),
        "http://app.example.com",
        Duration::zero(),
    );
    let response = grant(&auth, "ethereum", &plain, &wallet.sign(&plain)).await;
    assert!(invalid_grant(response).await.contains("does not use HTTPS"));
    // The domain is not the URI's.
    let mismatch = message(
        "ethereum",
        &wallet.address(),
        "https://app.example.com",
        Duration::zero(),
    )
    .replacen("app.example.com wants", "evil.example wants", 1);
    let response = grant(&auth, "ethereum", &mismatch, &wallet.sign(&mismatch)).await;
    assert!(
        invalid_grant(response)
            .await
            .contains("Domain that does not match")
    );

    // Stale, from the future, expired, not yet valid.
    for (issued, why) in [
        (Duration::minutes(11), "issued too long ago"),
        (Duration::minutes(-11), "issued too far in the future"),
    ] {
        let text = message("ethereum", &wallet.address(), APP, issued);
        let response = grant(&auth, "ethereum", &text, &wallet.sign(&text)).await;
        assert!(invalid_grant(response).await.contains(why), "{why}");
    }
    let expired = format!(
        "{}\nExpiration Time: {}",
        message("ethereum", &wallet.address(), APP, Duration::minutes(2)),
        (Utc::now() - Duration::minutes(1)).to_rfc3339()
    );
    let response = grant(&auth, "ethereum", &expired, &wallet.sign(&expired)).await;
    assert!(invalid_grant(response).await.contains("is expired"));
    let early = format!(
        "{}\nNot Before: {}",
        message("ethereum", &wallet.address(), APP, Duration::zero()),
        (Utc::now() + Duration::minutes(1)).to_rfc3339()
    );
    let response = grant(&auth, "ethereum", &early, &wallet.sign(&early)).await;
    assert!(
        invalid_grant(response)
            .await
            .contains("becomes valid in the future")
    );

    // Solana: a signature of the wrong key.
    let solana = SolanaWallet::new(5);
    let text = message("solana", &solana.address(), APP, Duration::zero());
    let response = grant(&auth, "solana", &text, &SolanaWallet::new(6).sign(&text)).await;
    assert!(invalid_grant(response).await.contains("does not match"));

    // Nothing was created by any of it.
    let users: Value = auth
        .request(Method::GET, "/admin/users")
        .bearer_auth(&auth.secret_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(users["users"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn malformed_grants_get_upstreams_codes() {
    let auth = with_web3().await;
    let wallet = EthereumWallet::new(7);
    let text = message("ethereum", &wallet.address(), APP, Duration::zero());
    let signature = wallet.sign(&text);
    let cases = [
        (
            json!({ "chain": "bitcoin", "message": text, "signature": signature }),
            StatusCode::BAD_REQUEST,
            "web3_unsupported_chain",
        ),
        (
            json!({ "chain": "ethereum", "message": "short", "signature": signature }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "chain": "ethereum", "message": "x".repeat(20 * 1024 + 1), "signature": signature }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "chain": "ethereum", "message": text, "signature": "0x1234" }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "chain": "ethereum", "message": text, "signature": format!("0x{}", "zz".repeat(65)) }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "chain": "solana", "message": text, "signature": "abc" }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
        (
            json!({ "chain": "ethereum", "message": text.replace("Version: 1", "Version: 9"), "signature": signature }),
            StatusCode::BAD_REQUEST,
            "validation_failed",
        ),
    ];
    for (body, status, code) in cases {
        let response = auth.post("/token?grant_type=web3", body.clone()).await;
        assert_eq!(error_code(response).await, (status, code.into()), "{body}");
    }

    // Off: both chains, or the one asked for.
    let off = TestAuth::spawn().await;
    let response = grant(&off, "ethereum", &text, &signature).await;
    assert_eq!(
        error_code(response).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "web3_provider_disabled".into()
        )
    );
    let solana_only = TestAuth::spawn_with(|config| config.web3.solana.enabled = true).await;
    let response = grant(&solana_only, "ethereum", &text, &signature).await;
    assert_eq!(
        error_code(response).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "web3_provider_disabled".into()
        )
    );
}

#[tokio::test]
async fn web3_sign_ins_have_their_own_bucket() {
    let auth = TestAuth::spawn_with(|config| {
        config.web3.ethereum.enabled = true;
        config.rate_limits.web3 = 0;
        config.rate_limits.token_refresh = 0;
    })
    .await;
    for _ in 0..30 {
        let response = grant(&auth, "ethereum", "short", "0x").await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    let limited = grant(&auth, "ethereum", "short", "0x").await;
    assert_eq!(
        error_code(limited).await,
        (
            StatusCode::TOO_MANY_REQUESTS,
            "over_request_rate_limit".into()
        )
    );
    // Password sign-ins count in their own bucket.
    let password = auth
        .post(
            "/token?grant_type=password",
            json!({ "email": "nobody@example.com", "password": "wrong-password" }),
        )
        .await;
    assert_eq!(password.status(), StatusCode::BAD_REQUEST);
}
