//! Attempt limits for the auth forms, counted per client address and per account address, so
//! neither one client trying many accounts nor many clients trying one account (a mailed code has
//! a million values) gets far. The auth server has limits of its own; these hold even where it
//! sees every request coming from this server, and they answer known and unknown accounts alike.
//!
//! With the app's database configured, the counts live there (`private.count_attempt`, one
//! statement per check, migration `20261206120000_attempt_limits.sql`), so every instance of the
//! app shares them; without one, or while it cannot be reached, each process counts alone.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

/// What is being attempted; each kind is counted on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attempt {
    /// Signing in with a password.
    SignIn,
    /// Creating an account.
    SignUp,
    /// Asking for a mail or text: a sign-in code or link, a password reset, a resend, a second
    /// factor's text.
    CodeRequest,
    /// Entering a mailed or texted code.
    CodeEntry,
    /// Entering an authenticator app's or a texted second-factor code, or answering with a
    /// security key.
    Mfa,
    /// Signing in with a passkey (asking for a ceremony and answering it).
    Passkey,
    /// Signing in with a wallet's signed message.
    Wallet,
}

/// At most `attempts` per `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Attempts allowed in one window.
    pub attempts: u32,
    /// The window's length.
    pub window: Duration,
}

impl Limit {
    /// Per client address: room for a household or office behind one address, none for a script
    /// trying accounts.
    pub const PER_CLIENT: Self = Self {
        attempts: 100,
        window: Duration::from_secs(600),
    };
    /// Per account address: ten tries at a six-digit code leave an attacker a one-in-100,000
    /// chance per code (the auth server also retires a code after five wrong tries).
    pub const PER_ADDRESS: Self = Self {
        attempts: 10,
        window: Duration::from_secs(900),
    };
}

/// Windows kept before expired ones are swept, so memory stays bounded under a flood.
const SWEEP_AT: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Subject {
    Client(IpAddr),
    Address(String),
}

#[derive(Debug)]
struct Window {
    started: Instant,
    count: u32,
}

/// The counters; cheap to clone (shared).
#[derive(Clone, Debug)]
pub struct AttemptLimits {
    per_client: Limit,
    per_address: Limit,
    windows: Arc<Mutex<HashMap<(Attempt, Subject), Window>>>,
    /// The database every instance counts in, when there is one.
    shared: Option<sqlx::PgPool>,
    /// When the database last failed to count; it is left alone for [`SHARED_RETRY`] after.
    shared_failed: Arc<Mutex<Option<Instant>>>,
}

/// How long this process counts alone after the database failed to count.
const SHARED_RETRY: Duration = Duration::from_secs(10);

impl Default for AttemptLimits {
    fn default() -> Self {
        Self::new(Limit::PER_CLIENT, Limit::PER_ADDRESS)
    }
}

impl AttemptLimits {
    /// Limits of `per_client` attempts per client address and `per_address` per account.
    pub fn new(per_client: Limit, per_address: Limit) -> Self {
        Self {
            per_client,
            per_address,
            windows: Arc::default(),
            shared: None,
            shared_failed: Arc::default(),
        }
    }

    /// These limits, counted in `database` (shared by every instance) when it is configured.
    pub fn shared_in(self, database: &crate::data::Database) -> Self {
        Self {
            shared: database.pool().cloned(),
            ..self
        }
    }

    /// Counts one `attempt` by `client` on `address`; `Err(seconds)` until it may be tried
    /// again when either count is over its limit.
    pub async fn check(
        &self,
        attempt: Attempt,
        client: Option<IpAddr>,
        address: Option<&str>,
    ) -> Result<(), u64> {
        let subjects = self.subjects(attempt, client, address);
        if let Some(pool) = self
            .shared
            .as_ref()
            .filter(|_| !self.shared_failed_lately())
        {
            match count_in(pool, &subjects).await {
                Ok(0) => return Ok(()),
                Ok(seconds) => return Err(seconds),
                // Never everyone in, never everyone out: this process counts alone meanwhile.
                Err(error) => {
                    tracing::warn!(
                        "attempt limits: the database cannot count ({error}); counting in this \
                         process for {} s",
                        SHARED_RETRY.as_secs()
                    );
                    *self
                        .shared_failed
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
                }
            }
        }
        self.count_here(&subjects)
    }

    fn shared_failed_lately(&self) -> bool {
        self.shared_failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|at| at.elapsed() < SHARED_RETRY)
    }

    /// What `attempt` counts against, in order: the client first, then the account address.
    fn subjects(
        &self,
        attempt: Attempt,
        client: Option<IpAddr>,
        address: Option<&str>,
    ) -> Vec<((Attempt, Subject), Limit)> {
        [
            client.map(|ip| ((attempt, Subject::Client(ip)), self.per_client)),
            address
                .map(normalize)
                .filter(|address| !address.is_empty())
                .map(|address| ((attempt, Subject::Address(address)), self.per_address)),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Counts `subjects` in this process's windows.
    fn count_here(&self, subjects: &[((Attempt, Subject), Limit)]) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= SWEEP_AT {
            let longest = self.per_client.window.max(self.per_address.window);
            windows.retain(|_, window| now.duration_since(window.started) < longest);
        }
        // The client is counted first, and a client over its limit counts against no address:
        // one client cannot fill the table with the addresses it sprays.
        for (key, limit) in subjects {
            let window = windows.entry(key.clone()).or_insert(Window {
                started: now,
                count: 0,
            });
            if now.duration_since(window.started) >= limit.window {
                *window = Window {
                    started: now,
                    count: 0,
                };
            }
            window.count = window.count.saturating_add(1);
            if window.count > limit.attempts {
                let left = limit
                    .window
                    .saturating_sub(now.duration_since(window.started));
                return Err(left.as_secs().max(1));
            }
        }
        Ok(())
    }
}

/// Counts `subjects` in the shared table: 0 when within every limit, else the seconds to wait.
async fn count_in(
    pool: &sqlx::PgPool,
    subjects: &[((Attempt, Subject), Limit)],
) -> Result<u64, sqlx::Error> {
    let keys: Vec<String> = subjects
        .iter()
        .map(|((attempt, subject), _)| match subject {
            Subject::Client(ip) => format!("{attempt:?} client {ip}"),
            Subject::Address(address) => format!("{attempt:?} address {address}"),
        })
        .collect();
    let limits: Vec<i32> = subjects
        .iter()
        .map(|(_, limit)| i32::try_from(limit.attempts).unwrap_or(i32::MAX))
        .collect();
    let windows: Vec<i32> = subjects
        .iter()
        .map(|(_, limit)| i32::try_from(limit.window.as_secs()).unwrap_or(i32::MAX))
        .collect();
    let seconds: i32 = sqlx::query_scalar("select private.count_attempt($1, $2, $3)")
        .bind(keys)
        .bind(limits)
        .bind(windows)
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(seconds).unwrap_or(0))
}

/// One spelling per account: `Ada@Example.com ` and `ada@example.com` are the same address, and
/// `+1 555 010` the same number as `1555010`.
fn normalize(address: &str) -> String {
    let address = address.trim();
    if address.contains('@') {
        address.to_lowercase()
    } else {
        address.chars().filter(char::is_ascii_digit).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    #[tokio::test]
    async fn an_address_is_limited_whichever_clients_try_it() {
        let limits = AttemptLimits::default();
        for index in 0..Limit::PER_ADDRESS.attempts {
            let client = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, index as u8)));
            assert!(
                limits
                    .check(Attempt::CodeEntry, client, Some("a@b.co"))
                    .await
                    .is_ok()
            );
        }

        let refused = limits
            .check(Attempt::CodeEntry, None, Some(" A@B.co"))
            .await;

        assert!(
            matches!(refused, Err(seconds) if seconds > 800),
            "{refused:?}"
        );
        assert!(
            limits
                .check(Attempt::SignIn, None, Some("a@b.co"))
                .await
                .is_ok()
        );
        assert!(
            limits
                .check(Attempt::CodeEntry, None, Some("c@b.co"))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_client_is_limited_whichever_addresses_it_tries() {
        let limits = AttemptLimits::new(
            Limit {
                attempts: 3,
                window: Duration::from_secs(60),
            },
            Limit::PER_ADDRESS,
        );
        for index in 0..3 {
            let address = format!("user{index}@b.co");
            assert!(
                limits
                    .check(Attempt::SignIn, CLIENT, Some(&address))
                    .await
                    .is_ok()
            );
        }

        assert!(
            limits
                .check(Attempt::SignIn, CLIENT, Some("new@b.co"))
                .await
                .is_err()
        );
        assert!(
            limits
                .check(Attempt::SignIn, None, Some("new2@b.co"))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_client_over_its_limit_counts_against_no_address() {
        let limits = AttemptLimits::new(
            Limit {
                attempts: 1,
                window: Duration::from_secs(60),
            },
            Limit::PER_ADDRESS,
        );
        assert!(
            limits
                .check(Attempt::SignIn, CLIENT, Some("first@b.co"))
                .await
                .is_ok()
        );

        for index in 0..100 {
            let address = format!("sprayed{index}@b.co");
            assert!(
                limits
                    .check(Attempt::SignIn, CLIENT, Some(&address))
                    .await
                    .is_err()
            );
        }

        let windows = limits.windows.lock().unwrap();
        assert_eq!(windows.len(), 2, "the client and the first address only");
    }

    #[tokio::test]
    async fn a_phone_number_counts_once_however_it_is_written() {
        let limits = AttemptLimits::new(
            Limit::PER_CLIENT,
            Limit {
                attempts: 1,
                window: Duration::from_secs(60),
            },
        );

        assert!(
            limits
                .check(Attempt::CodeEntry, None, Some("+1 555 010 2030"))
                .await
                .is_ok()
        );
        assert!(
            limits
                .check(Attempt::CodeEntry, None, Some("15550102030"))
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn while_the_database_cannot_count_the_process_counts_alone() {
        let unreachable =
            crate::data::Database::connect_lazy("postgres://app_server@127.0.0.1:1/postgres")
                .unwrap();
        let limits = AttemptLimits::new(
            Limit::PER_CLIENT,
            Limit {
                attempts: 2,
                window: Duration::from_secs(60),
            },
        )
        .shared_in(&unreachable);

        for _ in 0..2 {
            assert!(
                limits
                    .check(Attempt::SignIn, None, Some("a@b.co"))
                    .await
                    .is_ok()
            );
        }
        assert!(
            limits
                .check(Attempt::SignIn, None, Some("a@b.co"))
                .await
                .is_err()
        );
        assert!(limits.shared_failed_lately(), "the failure is remembered");
    }
}
