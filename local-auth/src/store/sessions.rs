//! `sessions` and `refresh_tokens`: the rows behind every session (issued by `crate::sessions`).

use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::{crypto, time::now_rfc3339};

/// A row of `sessions`.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.sessions`.
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub aal: String,
    pub not_after: Option<String>,
    pub refreshed_at: Option<String>,
    pub created_at: String,
    pub oauth_client_id: Option<String>,
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
    sqlx::query_as(
        "SELECT id, user_id, aal, not_after, refreshed_at, created_at, oauth_client_id FROM sessions \
         WHERE id = ?",
    )
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

/// Every session of `user_id`.
pub async fn sessions_of_user(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
) -> sqlx::Result<Vec<Session>> {
    sqlx::query_as(
        "SELECT id, user_id, aal, not_after, refreshed_at, created_at, oauth_client_id FROM sessions \
         WHERE user_id = ?",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Notes that `session_id` was refreshed now (upstream's `refreshed_at`).
pub async fn mark_refreshed(db: impl SqliteExecutor<'_>, session_id: &str) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query("UPDATE sessions SET refreshed_at = ?, updated_at = ? WHERE id = ?")
        .bind(&now)
        .bind(&now)
        .bind(session_id)
        .execute(db)
        .await?;
    Ok(())
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

/// Records that `session_id` was authenticated by `method` now.
pub async fn add_amr(
    db: &mut SqliteConnection,
    session_id: &str,
    method: &str,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "INSERT INTO mfa_amr_claims (id, session_id, authentication_method, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id, authentication_method) \
         DO UPDATE SET updated_at = excluded.updated_at",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(session_id)
    .bind(method)
    .bind(&now)
    .bind(&now)
    .execute(db)
    .await
    .map(drop)
}

/// Inserts a refresh token for the session; returns it.
pub async fn insert_refresh_token(
    db: &mut SqliteConnection,
    user_id: &str,
    session_id: &str,
    parent: Option<&str>,
) -> sqlx::Result<String> {
    let token = crypto::refresh_token();
    let now = now_rfc3339();
    sqlx::query(
        "INSERT INTO refresh_tokens (token, user_id, parent, session_id, revoked, created_at, updated_at) \
         VALUES (?, ?, ?, ?, 0, ?, ?)",
    )
    .bind(&token)
    .bind(user_id)
    .bind(parent)
    .bind(session_id)
    .bind(&now)
    .bind(&now)
    .execute(db)
    .await?;
    Ok(token)
}

/// Deletes sessions of `user_id` by logout scope, relative to `current` session.
pub async fn end_sessions(
    db: &mut SqliteConnection,
    user_id: &str,
    current: &str,
    scope: Scope,
) -> sqlx::Result<()> {
    let query = match scope {
        Scope::Global => "DELETE FROM sessions WHERE user_id = ?1",
        Scope::Local => "DELETE FROM sessions WHERE user_id = ?1 AND id = ?2",
        Scope::Others => "DELETE FROM sessions WHERE user_id = ?1 AND id != ?2",
    };
    sqlx::query(query)
        .bind(user_id)
        .bind(current)
        .execute(db)
        .await
        .map(drop)
}

/// Which sessions a sign-out ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every session of the user.
    Global,
    /// Only the current one.
    Local,
    /// All but the current one.
    Others,
}

/// Starts session `id` of `user_id` (for OAuth client `client`, with the scopes it was granted,
/// when the session is a client's) and notes the sign-in on the user.
pub async fn insert_session(
    db: &mut SqliteConnection,
    id: &str,
    user_id: &str,
    client: Option<(&str, &str)>,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    let (client_id, scopes) = client.unzip();
    sqlx::query(
        "INSERT INTO sessions (id, user_id, aal, oauth_client_id, scopes, created_at, updated_at) \
         VALUES (?, ?, 'aal1', ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(user_id)
    .bind(client_id)
    .bind(scopes)
    .bind(&now)
    .bind(&now)
    .execute(&mut *db)
    .await?;
    sqlx::query("UPDATE users SET last_sign_in_at = ?, updated_at = ? WHERE id = ?")
        .bind(&now)
        .bind(&now)
        .bind(user_id)
        .execute(&mut *db)
        .await
        .map(drop)
}

/// Marks session `session_id` `aal2`; with `end_other_aal1`, the user's other `aal1` sessions
/// end (a first factor was just verified).
pub async fn set_aal2(
    db: &mut SqliteConnection,
    user_id: &str,
    session_id: &str,
    end_other_aal1: bool,
) -> sqlx::Result<()> {
    if end_other_aal1 {
        sqlx::query("DELETE FROM sessions WHERE user_id = ? AND id != ? AND aal = 'aal1'")
            .bind(user_id)
            .bind(session_id)
            .execute(&mut *db)
            .await?;
    }
    sqlx::query("UPDATE sessions SET aal = 'aal2', updated_at = ? WHERE id = ?")
        .bind(now_rfc3339())
        .bind(session_id)
        .execute(&mut *db)
        .await
        .map(drop)
}

/// What a session's access token says of it ([`session_claims`]).
#[derive(Clone, Debug, Default)]
pub struct SessionClaims {
    /// `aal1` or `aal2`.
    pub aal: String,
    /// How it was authenticated, newest first: the method and when.
    pub amr: Vec<(String, Option<String>)>,
    /// The OAuth client holding it, for a client's session.
    pub oauth_client_id: Option<String>,
    /// The scopes granted that client (space-separated).
    pub scopes: Option<String>,
}

/// The level, authentication methods and OAuth client of session `session_id`, in one query.
pub async fn session_claims(
    db: impl SqliteExecutor<'_>,
    session_id: &str,
) -> sqlx::Result<Option<SessionClaims>> {
    type Row = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.aal, s.oauth_client_id, s.scopes, c.authentication_method, c.updated_at \
         FROM sessions s LEFT JOIN mfa_amr_claims c ON c.session_id = s.id WHERE s.id = ? \
         ORDER BY c.updated_at DESC",
    )
    .bind(session_id)
    .fetch_all(db)
    .await?;
    let Some((aal, oauth_client_id, scopes, _, _)) = rows.first().cloned() else {
        return Ok(None);
    };
    let amr = rows
        .into_iter()
        .filter_map(|(_, _, _, method, at)| Some((method?, at)))
        .collect();
    Ok(Some(SessionClaims {
        aal,
        amr,
        oauth_client_id,
        scopes,
    }))
}

/// Whether session `id` exists (it ends with sign-out, bans and deletion).
pub async fn session_exists(db: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM sessions WHERE id = ?")
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(found.is_some())
}
