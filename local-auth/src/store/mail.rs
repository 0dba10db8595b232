//! `mail`: every message local-auth sends, as the development mailbox shows it.

use sqlx::SqliteExecutor;

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
