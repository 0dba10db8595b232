//! Verifying access tokens: locally against the cached JWKS, or by the server for HS256.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use supabase_ssr::{Aal, AccessToken, ApiKey, AuthClient, Error, ErrorCode, JwtVerifier};

use crate::helpers::{TestAuth, email};

/// `token` with its header replaced by `header` (the signature no longer matches).
fn with_header(token: &AccessToken, header: &str) -> AccessToken {
    let (_, rest) = token.expose_secret().split_once('.').unwrap();
    AccessToken::new(format!("{}.{rest}", URL_SAFE_NO_PAD.encode(header)))
}

#[tokio::test]
async fn es256_tokens_are_verified_locally_with_one_jwks_fetch() {
    let auth = TestAuth::spawn().await;
    let session = auth.user(&email("local")).await;
    let verifier = JwtVerifier::new(auth.client.clone());

    let mut verified = Vec::new();
    for _ in 0..3 {
        verified.push(verifier.verify(&session.access_token).await.unwrap());
    }

    let claims = &verified[0].claims;
    assert!(!verified[0].checked_by_server);
    assert_eq!(claims.sub, session.user.id);
    assert_eq!(claims.aal, Some(Aal::Aal1));
    assert_eq!(claims.amr[0].method, "password");
    assert_eq!(claims.role, "authenticated");
    assert_eq!(claims.iss, format!("{}/auth/v1", auth.url));
    assert_eq!(auth.hits("/.well-known/jwks.json"), 1);
    assert_eq!(auth.hits("/user"), 0);
}

#[tokio::test]
async fn a_tampered_token_fails() {
    let auth = TestAuth::spawn().await;
    let session = auth.user(&email("tampered")).await;
    let token = session.access_token.expose_secret();
    let (head, _) = token.rsplit_once('.').unwrap();
    let forged = AccessToken::new(format!("{head}.{}", URL_SAFE_NO_PAD.encode([7u8; 64])));

    let error = JwtVerifier::new(auth.client.clone())
        .verify(&forged)
        .await
        .unwrap_err();

    assert!(matches!(error, Error::InvalidJwt(_)), "{error:?}");
    assert_eq!(error.code(), Some(&ErrorCode::BadJwt));
}

#[tokio::test]
async fn a_token_from_another_issuer_fails() {
    let auth = TestAuth::spawn().await;
    let session = auth.user(&email("issuer")).await;
    // The same server under another name issues tokens for another `iss`.
    let other_name = auth.url.replace("127.0.0.1", "localhost");
    let client = AuthClient::new(&other_name, ApiKey::new("k")).unwrap();

    let error = JwtVerifier::new(client)
        .verify(&session.access_token)
        .await
        .unwrap_err();

    assert!(
        format!("{error}").contains("Issuer") || format!("{error}").contains("iss"),
        "{error}"
    );
}

#[tokio::test]
async fn an_expired_token_fails() {
    let auth = TestAuth::spawn_with(|config| config.jwt_expiry = 1).await;
    let session = auth.user(&email("expired")).await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;

    let error = JwtVerifier::new(auth.client.clone())
        .verify(&session.access_token)
        .await
        .unwrap_err();

    assert!(format!("{error}").contains("Expired"), "{error}");
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_once_and_then_fails() {
    let auth = TestAuth::spawn().await;
    let session = auth.user(&email("kid")).await;
    let verifier = JwtVerifier::new(auth.client.clone());
    verifier.verify(&session.access_token).await.unwrap();

    let first = verifier
        .verify(&with_header(
            &session.access_token,
            r#"{"alg":"ES256","kid":"rotated"}"#,
        ))
        .await;
    let second = verifier
        .verify(&with_header(
            &session.access_token,
            r#"{"alg":"ES256","kid":"again"}"#,
        ))
        .await;

    assert!(matches!(first, Err(Error::InvalidJwt(_))));
    assert!(matches!(second, Err(Error::InvalidJwt(_))));
    // One fetch to fill the cache, one for the first unknown kid; the second is rate-limited.
    assert_eq!(auth.hits("/.well-known/jwks.json"), 2);
}

#[tokio::test]
async fn hs256_tokens_are_checked_by_the_server() {
    let auth = TestAuth::spawn_with(|config| {
        config.jwt_secret = Some(local_auth::Secret::new(
            "a-legacy-secret-of-at-least-32-chars",
        ));
    })
    .await;
    let session = auth.user(&email("hs256")).await;
    let verifier = JwtVerifier::new(auth.client.clone());

    let verified = verifier.verify(&session.access_token).await.unwrap();
    let (head, _) = session
        .access_token
        .expose_secret()
        .rsplit_once('.')
        .unwrap();
    let forged = verifier
        .verify(&AccessToken::new(format!("{head}.AAAA")))
        .await
        .unwrap_err();

    assert!(verified.checked_by_server);
    assert_eq!(verified.claims.sub, session.user.id);
    assert_eq!(auth.hits("/user"), 2);
    assert_eq!(auth.hits("/.well-known/jwks.json"), 0);
    assert_eq!(forged.code(), Some(&ErrorCode::BadJwt));
}

/// The JWKS is past its life and the auth server hangs: every request verifies at once with the
/// keys fetched before, while one fetch (not one per request) tries in the background.
#[tokio::test]
async fn a_hanging_auth_server_leaves_the_cached_keys_in_use() {
    use crate::helpers::Fault;

    let auth = TestAuth::spawn().await;
    // A hanging fetch fails after 3 s: waiting for it cannot pass for not waiting.
    let quick = supabase_ssr::Timeouts {
        connect: Duration::from_millis(500),
        total: Duration::from_secs(3),
    };
    let client =
        AuthClient::with_timeouts(&auth.url, ApiKey::new(auth.key.clone()), quick).unwrap();
    let verifier = JwtVerifier::new(client).with_jwks_ttl(Duration::from_millis(50));
    let first = auth.user(&email("stale-1")).await;
    verifier.verify(&first.access_token).await.unwrap();
    let mut others = Vec::new();
    for index in 0..6 {
        others.push(auth.user(&email(&format!("stale-{index}"))).await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    *auth.fault.lock().unwrap() = Fault::Hang {
        path: "/.well-known/jwks.json",
    };

    let waiting: Vec<_> = others
        .into_iter()
        .map(|session| {
            let verifier = verifier.clone();
            tokio::spawn(async move {
                tokio::time::timeout(
                    Duration::from_millis(1500),
                    verifier.verify(&session.access_token),
                )
                .await
            })
        })
        .collect();

    for answer in waiting {
        let result = answer
            .await
            .unwrap()
            .expect("a request waited for the JWKS");
        assert!(result.is_ok(), "{result:?}");
    }
    // The first fetch, then the one background attempt every request left to itself.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(auth.hits("/.well-known/jwks.json"), 2);
}

/// Past their time, the keys are fetched again in the background, and the next token is checked
/// against the new ones.
#[tokio::test]
async fn stale_keys_are_refetched_in_the_background() {
    let auth = TestAuth::spawn().await;
    let verifier = JwtVerifier::new(auth.client.clone()).with_jwks_ttl(Duration::from_millis(50));
    let first = auth.user(&email("background-1")).await;
    verifier.verify(&first.access_token).await.unwrap();
    assert_eq!(auth.hits("/.well-known/jwks.json"), 1);
    tokio::time::sleep(Duration::from_millis(100)).await;

    let second = auth.user(&email("background-2")).await;
    verifier.verify(&second.access_token).await.unwrap();
    for _ in 0..100 {
        if auth.hits("/.well-known/jwks.json") == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    assert_eq!(auth.hits("/.well-known/jwks.json"), 2);
}

/// An asymmetric token without a key id, or one signed with an algorithm Supabase Auth never
/// uses, is refused without asking the server.
#[tokio::test]
async fn tokens_supabase_never_issues_are_refused_without_a_call() {
    let auth = TestAuth::spawn().await;
    let session = auth.user(&email("no-kid")).await;
    let verifier = JwtVerifier::new(auth.client.clone());

    for header in [
        r#"{"alg":"ES256","typ":"JWT"}"#,
        r#"{"alg":"RS256"}"#,
        r#"{"alg":"HS384","typ":"JWT"}"#,
        r#"{"alg":"EdDSA","kid":"x"}"#,
    ] {
        let forged = with_header(&session.access_token, header);
        assert!(
            matches!(verifier.verify(&forged).await, Err(Error::InvalidJwt(_))),
            "{header}"
        );
        assert!(verifier.is_ours(&forged).await.is_err(), "{header}");
    }
    assert_eq!(auth.hits("/user"), 0);
}

/// A proxy's HTML page instead of the JWKS does not throw the cached keys away either.
#[tokio::test]
async fn an_unreadable_jwks_answer_leaves_the_cached_keys_in_use() {
    use crate::helpers::Fault;

    let auth = TestAuth::spawn().await;
    let verifier = JwtVerifier::new(auth.client.clone()).with_jwks_ttl(Duration::from_millis(50));
    let first = auth.user(&email("html-1")).await;
    verifier.verify(&first.access_token).await.unwrap();
    let second = auth.user(&email("html-2")).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    *auth.fault.lock().unwrap() = Fault::Html {
        path: "/.well-known/jwks.json",
    };

    let verified = verifier.verify(&second.access_token).await;

    assert!(verified.is_ok(), "{verified:?}");
}

/// `is_ours` tells a token this project signed (expired or not) from a made-up one, without
/// asking the server.
#[tokio::test]
async fn only_tokens_signed_here_are_ours() {
    let auth = TestAuth::spawn().await;
    let session = auth.user(&email("ours")).await;
    let verifier = JwtVerifier::new(auth.client.clone());
    let forged = with_header(&session.access_token, r#"{"alg":"ES256","kid":"made-up"}"#);

    assert!(verifier.is_ours(&session.access_token).await.unwrap());
    assert!(verifier.is_ours(&forged).await.is_err());
    assert!(
        verifier
            .is_ours(&AccessToken::new("not.a.token"))
            .await
            .is_err()
    );
    assert_eq!(auth.hits("/user"), 0);
}

/// The requests of a session waiting for its refresh all carry the same expired token: the first
/// check of its signature answers for the others, which need no keys at all.
#[tokio::test]
async fn a_token_found_ours_is_not_checked_again() {
    let auth = TestAuth::spawn().await;
    let session = auth.user(&email("ours-once")).await;
    let verifier = JwtVerifier::new(auth.client.clone()).with_jwks_ttl(Duration::from_millis(50));
    assert!(verifier.is_ours(&session.access_token).await.unwrap());
    assert_eq!(auth.hits("/.well-known/jwks.json"), 1);
    // Past the keys' time: a signature check now would fetch them again (in the background).
    tokio::time::sleep(Duration::from_millis(100)).await;

    for _ in 0..3 {
        assert!(verifier.is_ours(&session.access_token).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    assert_eq!(auth.hits("/.well-known/jwks.json"), 1);
    let forged = with_header(&session.access_token, r#"{"alg":"ES256","kid":"made-up"}"#);
    assert!(verifier.is_ours(&forged).await.is_err());
}
