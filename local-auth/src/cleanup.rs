//! Removing rows that have outlived their use, as upstream's `models.Cleanup` does: after each
//! successful change (a 2xx answer to a POST, PUT, PATCH or DELETE), the next statement of a
//! round-robin list deletes at most 100 stale rows, in a task of its own so no answer waits for
//! it, and never two at once. Tables that anonymous clients can grow stay bounded that way:
//! started OAuth and SSO flows (`flow_state`), OAuth 2.1 authorization requests, passkey sign-in
//! challenges, the development identity provider's grants; so do MFA challenges, revoked refresh
//! tokens and sessions long past their end. Users and factors, which the PostgreSQL mirror
//! copies, are left alone (upstream also deletes anonymous users after 30 days and unverified
//! factors after a day).

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use chrono::{Duration, Utc};

use crate::{config::Config, db::Db, time::format_rfc3339};

/// A kind of stale row, and when it is stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stale {
    /// WebAuthn challenges past `expires_at`.
    WebauthnChallenges,
    /// PKCE, OAuth and SSO flows started more than a day ago.
    Flows,
    /// MFA challenges made more than a day ago.
    MfaChallenges,
    /// Refresh tokens revoked more than a day ago.
    RevokedRefreshTokens,
    /// Sessions whose `not_after` passed more than three days ago.
    EndedSessions,
    /// Sessions past the time box (seconds) by more than a day.
    TimeboxedSessions(u64),
    /// Sessions idle past the inactivity timeout (seconds) by more than a day.
    InactiveSessions(u64),
    /// The development identity provider's codes, granted more than a day ago.
    DevIdpGrants,
    /// OAuth 2.1 server authorization requests made more than a day ago (pending, settled or
    /// approved and never exchanged: all live ten minutes).
    OAuthAuthorizations,
}

impl Stale {
    /// The statement, and the cutoff it compares with. Each deletes at most 100 rows
    /// (upstream's batch).
    fn statement(self) -> (&'static str, Cutoff) {
        let now = Utc::now();
        let before = |age: Duration| Cutoff::Time(format_rfc3339(now - age));
        let day = Duration::days(1);
        let seconds = |secs: u64| Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000));
        match self {
            Self::WebauthnChallenges => (
                "DELETE FROM webauthn_challenges WHERE id IN \
                 (SELECT id FROM webauthn_challenges WHERE expires_at < ? LIMIT 100)",
                Cutoff::Unix(now.timestamp()),
            ),
            Self::Flows => (
                "DELETE FROM flow_state WHERE id IN \
                 (SELECT id FROM flow_state WHERE created_at < ? LIMIT 100)",
                before(day),
            ),
            Self::MfaChallenges => (
                "DELETE FROM mfa_challenges WHERE id IN \
                 (SELECT id FROM mfa_challenges WHERE created_at < ? LIMIT 100)",
                before(day),
            ),
            Self::RevokedRefreshTokens => (
                "DELETE FROM refresh_tokens WHERE id IN \
                 (SELECT id FROM refresh_tokens WHERE revoked = 1 AND updated_at < ? LIMIT 100)",
                before(day),
            ),
            Self::EndedSessions => (
                "DELETE FROM sessions WHERE id IN \
                 (SELECT id FROM sessions WHERE not_after < ? LIMIT 100)",
                before(Duration::days(3)),
            ),
            Self::TimeboxedSessions(timebox) => (
                "DELETE FROM sessions WHERE id IN \
                 (SELECT id FROM sessions WHERE created_at < ? LIMIT 100)",
                before(seconds(timebox) + day),
            ),
            Self::InactiveSessions(timeout) => (
                "DELETE FROM sessions WHERE id IN \
                 (SELECT id FROM sessions WHERE COALESCE(refreshed_at, created_at) < ? LIMIT 100)",
                before(seconds(timeout) + day),
            ),
            Self::DevIdpGrants => (
                "DELETE FROM dev_idp_grants WHERE code IN \
                 (SELECT code FROM dev_idp_grants WHERE created_at < ? LIMIT 100)",
                before(day),
            ),
            Self::OAuthAuthorizations => (
                "DELETE FROM oauth_authorizations WHERE id IN \
                 (SELECT id FROM oauth_authorizations WHERE created_at < ? LIMIT 100)",
                before(day),
            ),
        }
    }
}

/// What a statement compares with: a stored time (RFC 3339 text), or Unix seconds.
enum Cutoff {
    Time(String),
    Unix(i64),
}

/// The round-robin list of cleanup statements for a configuration.
#[derive(Debug)]
pub struct Cleanup {
    stale: Vec<Stale>,
    next: AtomicUsize,
    /// A statement is running: changes meanwhile start none, so a burst of requests costs one
    /// statement at a time, never a queue of them.
    running: Arc<AtomicBool>,
}

/// A cleanup statement under way ([`Cleanup::begin`]); another may start once it is dropped.
#[derive(Debug)]
pub struct Running(Arc<AtomicBool>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Cleanup {
    /// The statements `config` calls for: the session ones only with a time box or an
    /// inactivity timeout, as upstream.
    pub fn new(config: &Config) -> Self {
        let mut stale = vec![
            Stale::WebauthnChallenges,
            Stale::Flows,
            Stale::MfaChallenges,
            Stale::RevokedRefreshTokens,
            Stale::EndedSessions,
            Stale::DevIdpGrants,
            Stale::OAuthAuthorizations,
        ];
        if let Some(timebox) = config.sessions.timebox {
            stale.push(Stale::TimeboxedSessions(timebox));
        }
        if let Some(timeout) = config.sessions.inactivity_timeout {
            stale.push(Stale::InactiveSessions(timeout));
        }
        Self {
            stale,
            next: AtomicUsize::new(0),
            running: Arc::default(),
        }
    }

    /// The right to run the next statement, unless one is running.
    pub fn begin(&self) -> Option<Running> {
        (!self.running.swap(true, Ordering::AcqRel)).then(|| Running(self.running.clone()))
    }

    /// Runs the next statement; how many rows it deleted.
    pub async fn clean(&self, db: &Db) -> sqlx::Result<u64> {
        let next = self.next.fetch_add(1, Ordering::Relaxed) % self.stale.len();
        let (statement, cutoff) = self.stale[next].statement();
        let query = sqlx::query(statement);
        let query = match cutoff {
            Cutoff::Time(time) => query.bind(time),
            Cutoff::Unix(seconds) => query.bind(seconds),
        };
        let done = query.execute(&db.write).await?;
        Ok(done.rows_affected())
    }

    /// Runs every statement once; how many rows they deleted.
    pub async fn clean_all(&self, db: &Db) -> sqlx::Result<u64> {
        let mut deleted = 0;
        for _ in 0..self.stale.len() {
            deleted += self.clean(db).await?;
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_statement_runs_at_a_time() {
        let cleanup = Cleanup::new(&Config::default());
        let first = cleanup.begin().expect("nothing runs yet");
        assert!(
            cleanup.begin().is_none(),
            "a second waits for none: it is skipped"
        );
        drop(first);
        assert!(cleanup.begin().is_some());
    }

    #[test]
    fn session_statements_come_with_session_limits_only() {
        let plain = Cleanup::new(&Config::default());
        let mut limited = Config::default();
        limited.sessions.timebox = Some(3600);
        limited.sessions.inactivity_timeout = Some(600);
        let limited = Cleanup::new(&limited);
        assert_eq!(limited.stale.len(), plain.stale.len() + 2);
    }
}
