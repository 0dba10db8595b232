//! `flow_state`: PKCE flows between their start and the code exchange.

use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::time::now_rfc3339;

/// A row of `flow_state`.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.flow_state`.
pub struct FlowState {
    pub id: String,
    pub user_id: Option<String>,
    pub auth_code: String,
    pub authentication_method: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
    pub created_at: String,
}

/// Stores a PKCE flow for `user_id`; returns its auth code.
pub async fn insert_flow_state(
    db: &mut SqliteConnection,
    user_id: Option<&str>,
    method: &str,
    challenge: &str,
    challenge_method: &str,
) -> sqlx::Result<String> {
    let now = now_rfc3339();
    let auth_code = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO flow_state (id, user_id, auth_code, authentication_method, code_challenge, \
         code_challenge_method, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(&auth_code)
    .bind(method)
    .bind(challenge)
    .bind(challenge_method)
    .bind(&now)
    .bind(&now)
    .execute(db)
    .await?;
    Ok(auth_code)
}

/// The most recent flow of `user_id` started by `method`.
pub async fn latest_flow_state(
    db: &mut SqliteConnection,
    user_id: &str,
    method: &str,
) -> sqlx::Result<Option<FlowState>> {
    sqlx::query_as(
        "SELECT id, user_id, auth_code, authentication_method, code_challenge, code_challenge_method, created_at \
         FROM flow_state WHERE user_id = ? AND authentication_method = ? ORDER BY created_at DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(method)
    .fetch_optional(db)
    .await
}

/// Marks a flow's auth code issued now (the code's 5-minute lifetime starts here).
pub async fn mark_auth_code_issued(db: &mut SqliteConnection, flow_id: &str) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query("UPDATE flow_state SET auth_code_issued_at = ?, updated_at = ? WHERE id = ?")
        .bind(&now)
        .bind(&now)
        .bind(flow_id)
        .execute(db)
        .await
        .map(drop)
}

/// Deletes every flow of the user, or that links an identity to them.
pub async fn delete_flows_of(db: &mut SqliteConnection, user_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM flow_state WHERE user_id = ? OR linking_target_id = ?")
        .bind(user_id)
        .bind(user_id)
        .execute(db)
        .await
        .map(drop)
}

/// The flow that issued `auth_code`, dated from when the code was issued.
pub async fn flow_by_auth_code(
    db: &mut SqliteConnection,
    auth_code: &str,
) -> sqlx::Result<Option<FlowState>> {
    sqlx::query_as(
        "SELECT id, user_id, auth_code, authentication_method, code_challenge, code_challenge_method, \
         COALESCE(auth_code_issued_at, created_at) AS created_at FROM flow_state WHERE auth_code = ?",
    )
    .bind(auth_code)
    .fetch_optional(db)
    .await
}

/// Ends flow `id` (its code is used); returns the provider's access token an OAuth flow carried.
pub async fn take_flow(db: &mut SqliteConnection, id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("DELETE FROM flow_state WHERE id = ? RETURNING provider_access_token")
        .bind(id)
        .fetch_one(db)
        .await
}

/// A flow that leaves for an identity provider and comes back: OAuth (`/authorize` to
/// `/callback`) or SAML single sign-on (`/sso` to the assertion).
#[derive(Debug, FromRow)]
#[allow(missing_docs)] // The `flow_state` columns such a flow needs.
pub struct OAuthFlow {
    pub id: String,
    pub user_id: Option<String>,
    pub auth_code: String,
    pub authentication_method: String,
    pub code_challenge: String,
    pub provider_type: String,
    pub referrer: Option<String>,
    pub linking_target_id: Option<String>,
    pub created_at: String,
}

/// A new flow `id` to `provider`, authenticating by `authentication_method` (`oauth`,
/// `sso/saml`), started from `referrer`, linking an identity to `linking_target` when set;
/// `challenge` and `method` are empty without PKCE.
#[allow(clippy::too_many_arguments)] // The columns of one row.
pub async fn insert_oauth_flow(
    db: impl SqliteExecutor<'_>,
    id: &str,
    authentication_method: &str,
    challenge: &str,
    method: &str,
    provider: &str,
    referrer: &str,
    linking_target: Option<&str>,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "INSERT INTO flow_state (id, auth_code, authentication_method, code_challenge, \
         code_challenge_method, provider_type, referrer, linking_target_id, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(authentication_method)
    .bind(challenge)
    .bind(method)
    .bind(provider)
    .bind(referrer)
    .bind(linking_target)
    .bind(&now)
    .bind(&now)
    .execute(db)
    .await
    .map(drop)
}

/// The flow `id` authenticating by `authentication_method`.
pub async fn oauth_flow(
    db: impl SqliteExecutor<'_>,
    id: &str,
    authentication_method: &str,
) -> sqlx::Result<Option<OAuthFlow>> {
    sqlx::query_as(
        "SELECT id, user_id, auth_code, authentication_method, code_challenge, provider_type, \
         referrer, linking_target_id, created_at \
         FROM flow_state WHERE id = ? AND authentication_method = ?",
    )
    .bind(id)
    .bind(authentication_method)
    .fetch_optional(db)
    .await
}

/// Ends flow `id`.
pub async fn delete_flow(db: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM flow_state WHERE id = ?")
        .bind(id)
        .execute(db)
        .await
        .map(drop)
}

/// Flow `id` signed in `user_id`: its code may now be exchanged (the provider's access token
/// goes with the session).
pub async fn issue_flow_code(
    db: impl SqliteExecutor<'_>,
    id: &str,
    user_id: &str,
    provider_access_token: Option<&str>,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "UPDATE flow_state SET user_id = ?, provider_access_token = ?, auth_code_issued_at = ?, \
         updated_at = ? WHERE id = ?",
    )
    .bind(user_id)
    .bind(provider_access_token)
    .bind(&now)
    .bind(&now)
    .bind(id)
    .execute(db)
    .await
    .map(drop)
}
