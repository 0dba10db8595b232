//! `sessions` and `refresh_tokens`: the rows behind every session (issued by `crate::sessions`).

use sqlx::{FromRow, SqliteExecutor};

use crate::time::now_rfc3339;

/// A row of `sessions`.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.sessions`.
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub aal: String,
    pub not_after: Option<String>,
    pub created_at: String,
}

/// A row of `refresh_tokens`.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.refresh_tokens`.
pub struct RefreshToken {
    pub id: i64,
    pub token: String,
    pub user_id: String,
    pub parent: Option<String>,
    pub session_id: String,
    pub revoked: bool,
    pub updated_at: String,
}

/// The session `id`.
pub async fn session_by_id(db: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<Option<Session>> {
    sqlx::query_as("SELECT id, user_id, aal, not_after, created_at FROM sessions WHERE id = ?")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The refresh token whose value is `token`.
pub async fn refresh_token_by_value(
    db: impl SqliteExecutor<'_>,
    token: &str,
) -> sqlx::Result<Option<RefreshToken>> {
    sqlx::query_as(
        "SELECT id, token, user_id, parent, session_id, revoked, updated_at FROM refresh_tokens WHERE token = ?",
    )
    .bind(token)
    .fetch_optional(db)
    .await
}

/// The newest unrevoked refresh token of `session_id`.
pub async fn active_refresh_token(
    db: impl SqliteExecutor<'_>,
    session_id: &str,
) -> sqlx::Result<Option<RefreshToken>> {
    sqlx::query_as(
        "SELECT id, token, user_id, parent, session_id, revoked, updated_at FROM refresh_tokens \
         WHERE session_id = ? AND revoked = 0 ORDER BY id DESC LIMIT 1",
    )
    .bind(session_id)
    .fetch_optional(db)
    .await
}

/// Issues `child` as the successor of refresh token `parent_id` if the parent is still
/// unrevoked, in one statement (so of two concurrent rotations one wins); whether it did. The
/// parent is revoked by the trigger of migration 0002.
pub async fn rotate_refresh_token(
    db: impl SqliteExecutor<'_>,
    parent_id: i64,
    child: &str,
) -> sqlx::Result<bool> {
    let now = now_rfc3339();
    let rotated = sqlx::query(
        "INSERT INTO refresh_tokens (token, user_id, parent, session_id, revoked, created_at, updated_at) \
         SELECT ?, user_id, token, session_id, 0, ?, ? FROM refresh_tokens WHERE id = ? AND revoked = 0",
    )
    .bind(child)
    .bind(&now)
    .bind(&now)
    .bind(parent_id)
    .execute(db)
    .await?;
    Ok(rotated.rows_affected() == 1)
}

/// Revokes every refresh token of `session_id`.
pub async fn revoke_refresh_tokens(
    db: impl SqliteExecutor<'_>,
    session_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE refresh_tokens SET revoked = 1, updated_at = ? WHERE session_id = ?")
        .bind(now_rfc3339())
        .bind(session_id)
        .execute(db)
        .await
        .map(drop)
}
