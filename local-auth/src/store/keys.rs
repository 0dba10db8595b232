//! `signing_keys`, `api_keys` and `dev_idp_grants`: what local-auth keeps for itself (its ES256
//! key and its development third-party issuer's RSA key, its publishable and secret keys, and the
//! codes its development identity provider grants).

use sqlx::SqliteExecutor;

use crate::time::now_rfc3339;

/// The oldest signing key stored for `algorithm` (`ES256`: the tokens' key; `RS256`: the
/// development third-party issuer's): its id and private key DER.
pub async fn signing_key(
    db: impl SqliteExecutor<'_>,
    algorithm: &str,
) -> sqlx::Result<Option<(String, Vec<u8>)>> {
    sqlx::query_as(
        "SELECT kid, private_der FROM signing_keys WHERE algorithm = ? ORDER BY created_at LIMIT 1",
    )
    .bind(algorithm)
    .fetch_optional(db)
    .await
}

/// Keeps a new signing key for `algorithm`.
pub async fn insert_signing_key(
    db: impl SqliteExecutor<'_>,
    kid: &str,
    algorithm: &str,
    der: &[u8],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, algorithm, private_der, created_at) VALUES (?, ?, ?, ?)",
    )
    .bind(kid)
    .bind(algorithm)
    .bind(der)
    .bind(now_rfc3339())
    .execute(db)
    .await
    .map(drop)
}

/// The stored API key `name` (`publishable`, `secret`).
pub async fn api_key(db: impl SqliteExecutor<'_>, name: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT key FROM api_keys WHERE name = ?")
        .bind(name)
        .fetch_optional(db)
        .await
}

/// Keeps API key `name`.
pub async fn insert_api_key(
    db: impl SqliteExecutor<'_>,
    name: &str,
    key: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO api_keys (name, key, created_at) VALUES (?, ?, ?)")
        .bind(name)
        .bind(key)
        .bind(now_rfc3339())
        .execute(db)
        .await
        .map(drop)
}

/// A code the development identity provider granted for `subject` of `provider`.
pub async fn insert_dev_idp_grant(
    db: impl SqliteExecutor<'_>,
    code: &str,
    provider: &str,
    subject: &str,
    email: &str,
    name: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO dev_idp_grants (code, provider, subject, email, name, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(code)
    .bind(provider)
    .bind(subject)
    .bind(email)
    .bind(name)
    .bind(now_rfc3339())
    .execute(db)
    .await
    .map(drop)
}

/// Takes the grant of `code` (once): provider, subject, email, name and when it was granted.
pub async fn take_dev_idp_grant(
    db: impl SqliteExecutor<'_>,
    code: &str,
) -> sqlx::Result<Option<(String, String, String, String, String)>> {
    sqlx::query_as(
        "DELETE FROM dev_idp_grants WHERE code = ? RETURNING provider, subject, email, name, created_at",
    )
    .bind(code)
    .fetch_optional(db)
    .await
}
