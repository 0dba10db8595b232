//! `oauth_authorizations` and `oauth_consents`: the OAuth 2.1 server's authorization requests
//! and what users have granted clients.

use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

/// A row of `oauth_authorizations` (upstream's `auth.oauth_authorizations`).
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's table.
pub struct OAuthAuthorization {
    pub id: String,
    pub client_id: String,
    pub user_id: Option<String>,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub resource: Option<String>,
    pub code_challenge: String,
    pub nonce: Option<String>,
    pub status: String,
    pub authorization_code: Option<String>,
    pub expires_at: String,
}

impl OAuthAuthorization {
    /// Whether it has outlived its time to live.
    pub fn is_expired(&self) -> bool {
        crate::time::parse_rfc3339(Some(&self.expires_at))
            .is_none_or(|expires_at| expires_at < chrono::Utc::now())
    }
}

/// The columns of an authorization row (a macro, so that queries stay static strings).
macro_rules! authorization_columns {
    () => {
        "id, client_id, user_id, redirect_uri, scope, state, resource, code_challenge, nonce, \
         status, authorization_code, expires_at"
    };
}

/// What a new authorization request holds.
#[derive(Debug)]
#[allow(missing_docs)] // The parameters of `GET /oauth/authorize`.
pub struct NewAuthorization<'a> {
    pub id: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub state: Option<&'a str>,
    pub resource: Option<&'a str>,
    pub code_challenge: &'a str,
    pub nonce: Option<&'a str>,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

/// Keeps a new, pending authorization request.
pub async fn insert_oauth_authorization(
    db: impl SqliteExecutor<'_>,
    new: &NewAuthorization<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO oauth_authorizations (id, client_id, redirect_uri, scope, state, resource, \
         code_challenge, code_challenge_method, nonce, status, created_at, expires_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, 's256', ?, 'pending', ?, ?)",
    )
    .bind(new.id)
    .bind(new.client_id)
    .bind(new.redirect_uri)
    .bind(new.scope)
    .bind(new.state)
    .bind(new.resource)
    .bind(new.code_challenge)
    .bind(new.nonce)
    .bind(new.created_at)
    .bind(new.expires_at)
    .execute(db)
    .await
    .map(drop)
}

/// The authorization `id` (called inside the write transaction that decides on it, so that
/// nothing changes it meanwhile: the single writer is SQLite's row lock).
pub async fn oauth_authorization(
    db: &mut SqliteConnection,
    id: &str,
) -> sqlx::Result<Option<OAuthAuthorization>> {
    sqlx::query_as(concat!(
        "SELECT ",
        authorization_columns!(),
        " FROM oauth_authorizations WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The approved authorization whose code is `code`.
pub async fn oauth_authorization_by_code(
    db: &mut SqliteConnection,
    code: &str,
) -> sqlx::Result<Option<OAuthAuthorization>> {
    sqlx::query_as(concat!(
        "SELECT ",
        authorization_columns!(),
        " FROM oauth_authorizations WHERE authorization_code = ? AND status = 'approved'"
    ))
    .bind(code)
    .fetch_optional(db)
    .await
}

/// Names the user a pending authorization is for (the first to open it).
pub async fn set_oauth_authorization_user(
    db: &mut SqliteConnection,
    id: &str,
    user_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE oauth_authorizations SET user_id = ? WHERE id = ? AND status = 'pending'")
        .bind(user_id)
        .bind(id)
        .execute(db)
        .await
        .map(drop)
}

/// Moves a pending authorization on: `approved` with `code`, or `denied` / `expired` without.
pub async fn settle_oauth_authorization(
    db: &mut SqliteConnection,
    id: &str,
    status: &str,
    code: Option<&str>,
    at: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE oauth_authorizations SET status = ?, authorization_code = ?, \
         approved_at = CASE WHEN ? = 'approved' THEN ? END WHERE id = ? AND status = 'pending'",
    )
    .bind(status)
    .bind(code)
    .bind(status)
    .bind(at)
    .bind(id)
    .execute(db)
    .await
    .map(drop)
}

/// Deletes authorization `id` (its code was exchanged, or tried and refused).
pub async fn delete_oauth_authorization(db: &mut SqliteConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM oauth_authorizations WHERE id = ?")
        .bind(id)
        .execute(db)
        .await
        .map(drop)
}

/// The scopes `user_id` has granted `client_id` and not revoked (space-separated).
pub async fn active_oauth_consent(
    db: &mut SqliteConnection,
    user_id: &str,
    client_id: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT scopes FROM oauth_consents \
         WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(client_id)
    .fetch_optional(db)
    .await
}

/// Records that `user_id` granted `client_id` `scopes` (space-separated), in place of what was
/// granted before, revoked or not.
pub async fn upsert_oauth_consent(
    db: &mut SqliteConnection,
    user_id: &str,
    client_id: &str,
    scopes: &str,
    at: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO oauth_consents (id, user_id, client_id, scopes, granted_at) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, client_id) DO UPDATE SET \
         scopes = excluded.scopes, granted_at = excluded.granted_at, revoked_at = NULL",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(client_id)
    .bind(scopes)
    .bind(at)
    .execute(db)
    .await
    .map(drop)
}

/// A grant as `/user/oauth/grants` lists it: the client and what it was granted.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns listed.
pub struct OAuthGrant {
    pub client_id: String,
    pub client_name: Option<String>,
    pub client_uri: Option<String>,
    pub logo_uri: Option<String>,
    pub scopes: String,
    pub granted_at: String,
}

/// The grants `user_id` has made and not revoked, to clients that still exist, newest first.
pub async fn oauth_grants(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
) -> sqlx::Result<Vec<OAuthGrant>> {
    sqlx::query_as(
        "SELECT c.id AS client_id, c.client_name, c.client_uri, c.logo_uri, g.scopes, \
         g.granted_at FROM oauth_consents g JOIN oauth_clients c ON c.id = g.client_id \
         WHERE g.user_id = ? AND g.revoked_at IS NULL AND c.deleted_at IS NULL \
         ORDER BY g.granted_at DESC",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Revokes what `user_id` granted `client_id` and ends the sessions the client holds for them;
/// whether there was an active grant.
pub async fn revoke_oauth_grant(
    db: &mut SqliteConnection,
    user_id: &str,
    client_id: &str,
    at: &str,
) -> sqlx::Result<bool> {
    let revoked = sqlx::query(
        "UPDATE oauth_consents SET revoked_at = ? \
         WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(user_id)
    .bind(client_id)
    .execute(&mut *db)
    .await?
    .rows_affected();
    if revoked == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM sessions WHERE user_id = ? AND oauth_client_id = ?")
        .bind(user_id)
        .bind(client_id)
        .execute(db)
        .await?;
    Ok(true)
}
