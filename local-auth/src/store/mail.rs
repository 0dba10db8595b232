//! `mail`: every message local-auth sends, as the development mailbox shows it.

use sqlx::{FromRow, SqliteExecutor};

use crate::time::now_rfc3339;

/// How a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// An email.
    Email,
    /// A text to a phone.
    Sms,
}

/// Keeps message `id` for the mailbox.
pub async fn insert_mail(
    db: impl SqliteExecutor<'_>,
    id: &str,
    channel: Channel,
    recipient: &str,
    subject: &str,
    html: &str,
    text: &str,
) -> sqlx::Result<()> {
    let channel = match channel {
        Channel::Email => "email",
        Channel::Sms => "sms",
    };
    sqlx::query(
        "INSERT INTO mail (id, channel, recipient, subject, html, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(channel)
    .bind(recipient)
    .bind(subject)
    .bind(html)
    .bind(text)
    .bind(now_rfc3339())
    .execute(db)
    .await
    .map(drop)
}

/// A stored message.
#[allow(missing_docs)] // The columns of `mail`.
#[derive(Debug, FromRow)]
pub struct Mail {
    pub id: String,
    /// `email`, or `sms` for texts.
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub created_at: String,
}

/// Every message, newest first.
pub async fn all_mail(db: impl SqliteExecutor<'_>) -> sqlx::Result<Vec<Mail>> {
    sqlx::query_as(
        "SELECT id, channel, recipient, subject, html, text, created_at FROM mail ORDER BY created_at DESC, rowid DESC",
    )
    .fetch_all(db)
    .await
}

/// Message `id`.
pub async fn mail_by_id(db: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<Option<Mail>> {
    sqlx::query_as(
        "SELECT id, channel, recipient, subject, html, text, created_at FROM mail WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Empties the mailbox.
pub async fn delete_all_mail(db: impl SqliteExecutor<'_>) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM mail").execute(db).await.map(drop)
}
