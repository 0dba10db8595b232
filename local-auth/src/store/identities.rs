//! `identities`: the ways a user signs in (email, phone, OAuth providers).

use serde_json::{Value, json};
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::time::now_rfc3339;

/// A row of `identities`.
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.identities`.
pub struct Identity {
    pub id: String,
    pub provider_id: String,
    pub user_id: String,
    pub identity_data: String,
    pub provider: String,
    pub email: Option<String>,
    pub last_sign_in_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Identity {
    /// The identity as the API returns it.
    pub fn to_json(&self) -> Value {
        json!({
            "identity_id": self.id,
            "id": self.provider_id,
            "user_id": self.user_id,
            "identity_data": serde_json::from_str::<Value>(&self.identity_data).unwrap_or_else(|_| json!({})),
            "provider": self.provider,
            "last_sign_in_at": self.last_sign_in_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "email": self.email,
        })
    }
}

/// The identities of a user, oldest first.
pub async fn identities_of(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
) -> sqlx::Result<Vec<Identity>> {
    sqlx::query_as("SELECT * FROM identities WHERE user_id = ? ORDER BY created_at")
        .bind(user_id)
        .fetch_all(db)
        .await
}

/// Adds the `email` identity of user `user_id` (whose id is also the identity's provider id).
pub async fn insert_email_identity(
    db: &mut SqliteConnection,
    user_id: &str,
    email: &str,
    verified: bool,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    let identity_data = json!({
        "sub": user_id, "email": email, "email_verified": verified, "phone_verified": false,
    });
    sqlx::query(
        "INSERT INTO identities (id, provider_id, user_id, identity_data, provider, email, created_at, updated_at) \
         VALUES (?, ?, ?, ?, 'email', ?, ?, ?)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(user_id)
    .bind(identity_data.to_string())
    .bind(email)
    .bind(&now)
    .bind(&now)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Adds an identity of `provider` (known there as `provider_id`) to user `user_id`.
pub async fn insert_identity(
    db: &mut SqliteConnection,
    user_id: &str,
    provider: &str,
    provider_id: &str,
    identity_data: &Value,
    email: Option<&str>,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "INSERT INTO identities (id, provider_id, user_id, identity_data, provider, email, \
         last_sign_in_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(provider_id)
    .bind(user_id)
    .bind(identity_data.to_string())
    .bind(provider)
    .bind(email)
    .bind(&now)
    .bind(&now)
    .bind(&now)
    .execute(db)
    .await
    .map(drop)
}

/// The identity `provider_id` of `provider`, whoever it belongs to.
pub async fn identity_by_provider(
    db: impl SqliteExecutor<'_>,
    provider: &str,
    provider_id: &str,
) -> sqlx::Result<Option<Identity>> {
    sqlx::query_as("SELECT * FROM identities WHERE provider = ? AND provider_id = ?")
        .bind(provider)
        .bind(provider_id)
        .fetch_optional(db)
        .await
}

/// Rewrites `app_metadata.providers` from the user's identities (`provider` is left alone unless
/// `primary` names a new one).
pub async fn refresh_providers(
    db: &mut SqliteConnection,
    user_id: &str,
    primary: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET raw_app_meta_data = json_set(raw_app_meta_data, \
           '$.provider', COALESCE(?, json_extract(raw_app_meta_data, '$.provider')), \
           '$.providers', (SELECT json_group_array(provider) FROM \
             (SELECT provider FROM identities WHERE user_id = ? GROUP BY provider ORDER BY MIN(created_at)))), \
         updated_at = ? WHERE id = ?",
    )
    .bind(primary)
    .bind(user_id)
    .bind(now_rfc3339())
    .bind(user_id)
    .execute(db)
    .await
    .map(drop)
}

/// Removes identity `id`.
pub async fn delete_identity(db: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM identities WHERE id = ?")
        .bind(id)
        .execute(db)
        .await
        .map(drop)
}

/// The provider's latest data for identity `id` (and its address, when it has one), signed in
/// with now.
pub async fn record_identity_sign_in(
    db: impl SqliteExecutor<'_>,
    id: &str,
    identity_data: &Value,
    email: Option<&str>,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "UPDATE identities SET identity_data = ?, email = ?, last_sign_in_at = ?, updated_at = ? WHERE id = ?",
    )
    .bind(identity_data.to_string())
    .bind(email)
    .bind(&now)
    .bind(&now)
    .bind(id)
    .execute(db)
    .await
    .map(drop)
}
