//! `webauthn_credentials` and `webauthn_challenges`: passkeys and their ceremonies.

use serde_json::{Value, json};
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::time::now_rfc3339;

/// A passkey row.
#[derive(Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's `auth.webauthn_credentials`.
pub struct Passkey {
    pub id: String,
    pub user_id: String,
    pub credential_id: String,
    pub credential: String,
    pub friendly_name: String,
    pub created_at: String,
    pub updated_at: String,
    pub last_used_at: Option<String>,
}

impl Passkey {
    /// The passkey as the API lists it (upstream omits an empty name and a missing last use).
    pub fn to_json(&self) -> Value {
        let mut item = json!({ "id": self.id, "created_at": self.created_at });
        if !self.friendly_name.is_empty() {
            item["friendly_name"] = json!(self.friendly_name);
        }
        if let Some(last_used_at) = &self.last_used_at {
            item["last_used_at"] = json!(last_used_at);
        }
        item
    }
}

/// The passkeys of `user_id`, oldest first.
pub async fn passkeys_of(db: impl SqliteExecutor<'_>, user_id: &str) -> sqlx::Result<Vec<Passkey>> {
    sqlx::query_as(
        "SELECT * FROM webauthn_credentials WHERE user_id = ? ORDER BY created_at, rowid",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Passkey `id` of `user_id`, if it is theirs.
pub async fn passkey_of(
    db: impl SqliteExecutor<'_>,
    id: &str,
    user_id: &str,
) -> sqlx::Result<Option<Passkey>> {
    sqlx::query_as("SELECT * FROM webauthn_credentials WHERE id = ? AND user_id = ?")
        .bind(id)
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// A new passkey; `false` when its credential id is registered already (to anyone).
pub async fn insert_passkey(
    db: impl SqliteExecutor<'_>,
    id: &str,
    user_id: &str,
    credential_id: &str,
    credential: &str,
) -> sqlx::Result<bool> {
    let now = now_rfc3339();
    let inserted = sqlx::query(
        "INSERT INTO webauthn_credentials (id, user_id, credential_id, credential, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (credential_id) DO NOTHING",
    )
    .bind(id)
    .bind(user_id)
    .bind(credential_id)
    .bind(credential)
    .bind(&now)
    .bind(&now)
    .execute(db)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Renames passkey `id`.
pub async fn rename_passkey(db: impl SqliteExecutor<'_>, id: &str, name: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE webauthn_credentials SET friendly_name = ?, updated_at = ? WHERE id = ?")
        .bind(name)
        .bind(now_rfc3339())
        .bind(id)
        .execute(db)
        .await
        .map(drop)
}

/// Records a sign-in with passkey `id`: its updated credential (counter) and the time.
pub async fn passkey_used(
    db: impl SqliteExecutor<'_>,
    id: &str,
    credential: &str,
) -> sqlx::Result<()> {
    let now = now_rfc3339();
    sqlx::query(
        "UPDATE webauthn_credentials SET credential = ?, last_used_at = ?, updated_at = ? WHERE id = ?",
    )
    .bind(credential)
    .bind(&now)
    .bind(&now)
    .bind(id)
    .execute(db)
    .await
    .map(drop)
}

/// Removes passkey `id`.
pub async fn delete_passkey(db: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM webauthn_credentials WHERE id = ?")
        .bind(id)
        .execute(db)
        .await
        .map(drop)
}

/// What a ceremony's challenge is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CeremonyKind {
    /// Adding a passkey to a signed-in user.
    Registration,
    /// Signing in with a passkey.
    Authentication,
}

impl CeremonyKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Authentication => "authentication",
        }
    }
}

/// Stores a ceremony's state under `id` until `expires_at` (unix seconds), first dropping the
/// challenges that expired (sign-in options are open to anyone, so they must not pile up).
pub async fn insert_ceremony(
    db: &mut SqliteConnection,
    id: &str,
    kind: CeremonyKind,
    user_id: Option<&str>,
    state: &str,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM webauthn_challenges WHERE expires_at < unixepoch()")
        .execute(&mut *db)
        .await?;
    sqlx::query(
        "INSERT INTO webauthn_challenges (id, user_id, challenge_type, session_data, expires_at) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(user_id)
    .bind(kind.as_str())
    .bind(state)
    .bind(expires_at)
    .execute(&mut *db)
    .await
    .map(drop)
}

/// Takes (deletes and returns) the state and expiry of ceremony `id` of this kind and user, so
/// that no challenge is answered twice.
pub async fn take_ceremony(
    db: impl SqliteExecutor<'_>,
    id: &str,
    kind: CeremonyKind,
    user_id: Option<&str>,
) -> sqlx::Result<Option<(String, i64)>> {
    sqlx::query_as(
        "DELETE FROM webauthn_challenges WHERE id = ? AND challenge_type = ? AND user_id IS ? \
         RETURNING session_data, expires_at",
    )
    .bind(id)
    .bind(kind.as_str())
    .bind(user_id)
    .fetch_optional(db)
    .await
}
