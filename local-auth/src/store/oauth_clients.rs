//! `oauth_clients`: the OAuth 2.1 server's registered clients.

use serde_json::{Value, json};
use sqlx::{FromRow, SqliteExecutor};

/// A row of `oauth_clients` (upstream's `auth.oauth_clients`).
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's table.
pub struct OAuthClient {
    pub id: String,
    pub client_secret_hash: Option<String>,
    pub registration_type: String,
    pub client_type: String,
    pub token_endpoint_auth_method: String,
    pub redirect_uris: String,
    pub grant_types: String,
    pub client_name: Option<String>,
    pub client_uri: Option<String>,
    pub logo_uri: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl OAuthClient {
    /// A stored JSON list.
    fn list(text: &str) -> Vec<String> {
        serde_json::from_str(text).unwrap_or_default()
    }

    /// Its redirect URIs.
    pub fn redirect_uri_list(&self) -> Vec<String> {
        Self::list(&self.redirect_uris)
    }

    /// The client as upstream's API answers with it; `secret` only when it was just made.
    pub fn to_json(&self, secret: Option<&str>) -> Value {
        let mut client = json!({
            "client_id": self.id,
            "client_type": self.client_type,
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "grant_types": Self::list(&self.grant_types),
            "response_types": ["code"],
            "registration_type": self.registration_type,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        });
        let redirect_uris = self.redirect_uri_list();
        if !redirect_uris.is_empty() {
            client["redirect_uris"] = json!(redirect_uris);
        }
        for (name, value) in [
            ("client_name", &self.client_name),
            ("client_uri", &self.client_uri),
            ("logo_uri", &self.logo_uri),
        ] {
            if let Some(value) = value.as_deref().filter(|value| !value.is_empty()) {
                client[name] = json!(value);
            }
        }
        if let Some(secret) = secret {
            client["client_secret"] = json!(secret);
        }
        client
    }
}

/// The columns of a client row (a macro, so that queries stay static strings).
macro_rules! client_columns {
    () => {
        "id, client_secret_hash, registration_type, client_type, token_endpoint_auth_method, \
         redirect_uris, grant_types, client_name, client_uri, logo_uri, created_at, updated_at"
    };
}

/// Keeps a new client.
pub async fn insert_oauth_client(
    db: impl SqliteExecutor<'_>,
    client: &OAuthClient,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO oauth_clients (id, client_secret_hash, registration_type, client_type, \
         token_endpoint_auth_method, redirect_uris, grant_types, client_name, client_uri, \
         logo_uri, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&client.id)
    .bind(&client.client_secret_hash)
    .bind(&client.registration_type)
    .bind(&client.client_type)
    .bind(&client.token_endpoint_auth_method)
    .bind(&client.redirect_uris)
    .bind(&client.grant_types)
    .bind(&client.client_name)
    .bind(&client.client_uri)
    .bind(&client.logo_uri)
    .bind(&client.created_at)
    .bind(&client.updated_at)
    .execute(db)
    .await
    .map(drop)
}

/// The client `id`, unless deleted.
pub async fn oauth_client(
    db: impl SqliteExecutor<'_>,
    id: &str,
) -> sqlx::Result<Option<OAuthClient>> {
    sqlx::query_as(concat!(
        "SELECT ",
        client_columns!(),
        " FROM oauth_clients WHERE id = ? AND deleted_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// How many clients there are (deleted ones aside).
pub async fn count_oauth_clients(db: impl SqliteExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM oauth_clients WHERE deleted_at IS NULL")
        .fetch_one(db)
        .await
}

/// A page of clients, newest first.
pub async fn oauth_clients_page(
    db: impl SqliteExecutor<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<OAuthClient>> {
    sqlx::query_as(concat!(
        "SELECT ",
        client_columns!(),
        " FROM oauth_clients WHERE deleted_at IS NULL ORDER BY created_at DESC, id LIMIT ? OFFSET ?"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

/// Writes a changed client (every column but its id, type and registration).
pub async fn update_oauth_client(
    db: impl SqliteExecutor<'_>,
    client: &OAuthClient,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE oauth_clients SET client_secret_hash = ?, token_endpoint_auth_method = ?, \
         redirect_uris = ?, grant_types = ?, client_name = ?, client_uri = ?, logo_uri = ?, \
         updated_at = ? WHERE id = ? AND deleted_at IS NULL",
    )
    .bind(&client.client_secret_hash)
    .bind(&client.token_endpoint_auth_method)
    .bind(&client.redirect_uris)
    .bind(&client.grant_types)
    .bind(&client.client_name)
    .bind(&client.client_uri)
    .bind(&client.logo_uri)
    .bind(&client.updated_at)
    .bind(&client.id)
    .execute(db)
    .await
    .map(drop)
}

/// Marks client `id` deleted.
pub async fn delete_oauth_client(
    db: impl SqliteExecutor<'_>,
    id: &str,
    at: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE oauth_clients SET deleted_at = ?, updated_at = ? WHERE id = ?")
        .bind(at)
        .bind(at)
        .bind(id)
        .execute(db)
        .await
        .map(drop)
}
