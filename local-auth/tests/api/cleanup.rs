//! Stale rows go as upstream's cleanup removes them: after successful changes, a day-old flow
//! (an OAuth sign-in started and abandoned by an anonymous client), an expired passkey sign-in
//! challenge, a day-old revoked refresh token; fresh ones and live sessions stay.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use sqlx::SqlitePool;

use crate::helpers::{TestAuth, email};

async fn count(pool: &SqlitePool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn stale_rows_go_after_changes_and_fresh_ones_stay() {
    let auth = TestAuth::spawn_with(|config| {
        config.external_providers = vec!["github".to_owned()];
        config.webauthn.passkeys = true;
    })
    .await;
    // Anonymous clients start OAuth sign-ins and passkey sign-ins and never finish them.
    for _ in 0..3 {
        let started = auth
            .client
            .get(auth.url("/authorize?provider=github&code_challenge=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&code_challenge_method=s256"))
            .send()
            .await
            .unwrap();
        assert!(started.status().is_redirection(), "{}", started.status());
        let ceremony = auth
            .post("/passkeys/authentication/options", json!({}))
            .await;
        assert_eq!(ceremony.status(), StatusCode::OK);
    }
    // A signed-in user whose refresh token rotated: the old one is revoked.
    let address = email("cleanup");
    let session = auth.confirmed_user(&address, "a-long-password-1").await;
    let refreshed = auth
        .refresh(session["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);

    let pool = auth.database().await;
    assert_eq!(count(&pool, "SELECT count(*) FROM flow_state").await, 3);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM webauthn_challenges").await,
        3
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM refresh_tokens WHERE revoked = 1"
        )
        .await,
        1
    );
    // Two of each grow old; the rest stay fresh.
    for sql in [
        "UPDATE flow_state SET created_at = '2020-01-01T00:00:00.000000Z' \
         WHERE id IN (SELECT id FROM flow_state LIMIT 2)",
        "UPDATE webauthn_challenges SET expires_at = 1 \
         WHERE id IN (SELECT id FROM webauthn_challenges LIMIT 2)",
        "UPDATE refresh_tokens SET updated_at = '2020-01-01T00:00:00.000000Z' WHERE revoked = 1",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }

    // Successful changes (sign-ins) run the statements in turn, each in the background.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let signed_in = auth.sign_in(&address, "a-long-password-1").await;
        assert!(signed_in["access_token"].is_string());
        let left = (
            count(&pool, "SELECT count(*) FROM flow_state").await,
            count(&pool, "SELECT count(*) FROM webauthn_challenges").await,
            count(
                &pool,
                "SELECT count(*) FROM refresh_tokens WHERE revoked = 1 AND updated_at < '2021'",
            )
            .await,
        );
        if left == (1, 1, 0) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still there: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The live session refreshes as before.
    let again = auth
        .refresh(
            refreshed.json::<serde_json::Value>().await.unwrap()["refresh_token"]
                .as_str()
                .unwrap(),
        )
        .await;
    assert_eq!(again.status(), StatusCode::OK);
}
