//! `sessions` and `refresh_tokens`: the rows behind every session (issued by `crate::sessions`).

use sqlx::FromRow;

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
