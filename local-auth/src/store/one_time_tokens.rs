//! `one_time_tokens`: the codes and link hashes that mails and texts carry.

use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::{crypto, time::now_rfc3339};

/// A row of `one_time_tokens`.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.one_time_tokens`.
pub struct OneTimeToken {
    pub user_id: String,
    pub token_type: String,
    pub token_hash: String,
    pub relates_to: String,
    pub created_at: String,
}

/// Creates (or replaces) the user's one-time token of `token_type`; returns the 6-digit code.
///
/// PKCE flows store the hash with a `pkce_` prefix, as upstream does, so that verifying it answers
/// with an auth code instead of tokens.
pub async fn issue_one_time_token(
    db: &mut SqliteConnection,
    user_id: &str,
    token_type: &str,
    address: &str,
    pkce: bool,
) -> sqlx::Result<(String, String)> {
    let code = crypto::otp(6);
    let hash = crypto::token_hash(address, &code);
    let stored = if pkce { format!("pkce_{hash}") } else { hash };
    let now = now_rfc3339();
    sqlx::query(
        "INSERT INTO one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (user_id, token_type) DO UPDATE SET token_hash = excluded.token_hash, \
         relates_to = excluded.relates_to, created_at = excluded.created_at, updated_at = excluded.updated_at, \
         failed_attempts = 0",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(token_type)
    .bind(&stored)
    .bind(address)
    .bind(&now)
    .bind(&now)
    .execute(&mut *db)
    .await?;
    Ok((code, stored))
}

/// The one-time tokens whose hash is `hash` (with or without the `pkce_` prefix).
pub async fn one_time_tokens_by_hash(
    db: impl SqliteExecutor<'_>,
    hash: &str,
) -> sqlx::Result<Vec<OneTimeToken>> {
    let bare = hash.strip_prefix("pkce_").unwrap_or(hash);
    sqlx::query_as(
        "SELECT user_id, token_type, token_hash, relates_to, created_at FROM one_time_tokens \
         WHERE token_hash = ? OR token_hash = ?",
    )
    .bind(bare)
    .bind(format!("pkce_{bare}"))
    .fetch_all(db)
    .await
}

/// Wrong codes tolerated per outstanding code before every code sent to the address is withdrawn:
/// five guesses at a million values, whatever addresses the guesses come from.
pub const MAX_CODE_ATTEMPTS: i64 = 5;

/// Counts a wrong code entered for `address`, and withdraws the codes sent there once they have
/// had [`MAX_CODE_ATTEMPTS`] wrong tries. Nothing happens for an address with no codes out, so
/// known and unknown addresses answer alike.
pub async fn count_wrong_code(db: &mut SqliteConnection, address: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE one_time_tokens SET failed_attempts = failed_attempts + 1 WHERE relates_to = ?",
    )
    .bind(address)
    .execute(&mut *db)
    .await?;
    sqlx::query("DELETE FROM one_time_tokens WHERE relates_to = ? AND failed_attempts >= ?")
        .bind(address)
        .bind(MAX_CODE_ATTEMPTS)
        .execute(db)
        .await
        .map(drop)
}

/// Withdraws every mailed token of the user when their address changes: links and codes sent to
/// the old address (sign-up confirmation, magic link, recovery, reauthentication, a pending email
/// change) stop working, as upstream revokes them.
pub async fn revoke_mail_tokens(db: &mut SqliteConnection, user_id: &str) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM one_time_tokens WHERE user_id = ? AND token_type IN \
         ('confirmation_token', 'recovery_token', 'reauthentication_token', \
          'email_change_token_new', 'email_change_token_current') \
         AND relates_to LIKE '%@%'",
    )
    .bind(user_id)
    .execute(db)
    .await
    .map(drop)
}

/// Deletes one of the user's one-time tokens.
pub async fn delete_one_time_token(
    db: &mut SqliteConnection,
    user_id: &str,
    token_type: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM one_time_tokens WHERE user_id = ? AND token_type = ?")
        .bind(user_id)
        .bind(token_type)
        .execute(db)
        .await
        .map(drop)
}

/// The hash of the user's one-time token of `token_type`, if they have one.
pub async fn one_time_token_hash(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
    token_type: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT token_hash FROM one_time_tokens WHERE user_id = ? AND token_type = ?",
    )
    .bind(user_id)
    .bind(token_type)
    .fetch_optional(db)
    .await
}
