//! Signed wallet messages the app has exchanged for a session, remembered so that each signs in
//! once. The auth server takes the same signed message again while it is valid (ten minutes by
//! default, either side of its `Issued At`); the app does not, so a signature that leaks (a
//! shared screen, a log, a malicious page that got one signed) cannot be replayed through it.
//!
//! With the app's database configured the messages are kept there (`private.use_once`, migration
//! `20261207120000_used_messages.sql`), so every instance knows them; without one, or while it
//! cannot be reached, this process remembers alone.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use sha2::{Digest, Sha256};

/// How long an exchanged message is remembered: longer than any validity window a project
/// would set (upstream's default is ten minutes each way).
pub const REMEMBERED: Duration = Duration::from_secs(3600);

/// Messages kept before expired ones are swept, so memory stays bounded under a flood (the
/// attempt limits bound how fast one client adds them).
const SWEEP_AT: usize = 10_000;

/// How long this process remembers alone after the database failed.
const SHARED_RETRY: Duration = Duration::from_secs(10);

/// The messages used; cheap to clone (shared).
#[derive(Clone, Debug, Default)]
pub struct UsedMessages {
    here: Arc<Mutex<HashMap<[u8; 32], Instant>>>,
    shared: Option<sqlx::PgPool>,
    shared_failed: Arc<Mutex<Option<Instant>>>,
}

impl UsedMessages {
    /// These messages, kept in `database` (shared by every instance) when it is configured.
    pub fn shared_in(self, database: &crate::data::Database) -> Self {
        Self {
            shared: database.pool().cloned(),
            ..self
        }
    }

    /// Whether `message` (of `chain`) is used here for the first time; it is remembered from now.
    pub async fn first_use(&self, chain: &str, message: &str) -> bool {
        let key: [u8; 32] = Sha256::new()
            .chain_update(chain.as_bytes())
            .chain_update([0])
            .chain_update(message.as_bytes())
            .finalize()
            .into();
        if let Some(pool) = self
            .shared
            .as_ref()
            .filter(|_| !self.shared_failed_lately())
        {
            let seconds = i32::try_from(REMEMBERED.as_secs()).unwrap_or(i32::MAX);
            match sqlx::query_scalar::<_, bool>("select private.use_once($1, $2)")
                .bind(key.as_slice())
                .bind(seconds)
                .fetch_one(pool)
                .await
            {
                Ok(first) => return first && self.remember_here(key),
                Err(error) => {
                    tracing::warn!(
                        "used messages: the database cannot keep them ({error}); this process \
                         remembers alone for {} s",
                        SHARED_RETRY.as_secs()
                    );
                    *self
                        .shared_failed
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
                }
            }
        }
        self.remember_here(key)
    }

    fn shared_failed_lately(&self) -> bool {
        self.shared_failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|at| at.elapsed() < SHARED_RETRY)
    }

    /// Remembers `key` in this process; whether it was new here.
    fn remember_here(&self, key: [u8; 32]) -> bool {
        let now = Instant::now();
        let mut here = self.here.lock().unwrap_or_else(PoisonError::into_inner);
        if here.len() >= SWEEP_AT {
            here.retain(|_, at| now.duration_since(*at) < REMEMBERED);
        }
        match here.get(&key) {
            Some(at) if now.duration_since(*at) < REMEMBERED => false,
            _ => {
                here.insert(key, now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_message_is_used_once_per_chain() {
        let used = UsedMessages::default();
        assert!(used.first_use("ethereum", "hello").await);
        assert!(!used.first_use("ethereum", "hello").await);
        assert!(used.first_use("solana", "hello").await);
        assert!(used.first_use("ethereum", "hello!").await);
        assert!(!used.clone().first_use("ethereum", "hello!").await);
    }
}
