//! Attempt limits for the auth forms, counted per client address and per account address, so
//! neither one client trying many accounts nor many clients trying one account (a mailed code has
//! a million values) gets far. The auth server has limits of its own; these hold even where it
//! sees every request coming from this server, and they answer known and unknown accounts alike.

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
    /// Asking for a mail or text: a sign-in code or link, a password reset, a resend.
    CodeRequest,
    /// Entering a mailed or texted code.
    CodeEntry,
    /// Entering an authenticator app's code, or answering with a security key.
    Mfa,
    /// Signing in with a passkey (asking for a ceremony and answering it).
    Passkey,
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
}

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
        }
    }

    /// Counts one `attempt` by `client` on `address`; `Err(seconds)` until it may be tried
    /// again when either count is over its limit.
    pub fn check(
        &self,
        attempt: Attempt,
        client: Option<IpAddr>,
        address: Option<&str>,
    ) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= SWEEP_AT {
            let longest = self.per_client.window.max(self.per_address.window);
            windows.retain(|_, window| now.duration_since(window.started) < longest);
        }
        let subjects = [
            client.map(|ip| (Subject::Client(ip), self.per_client)),
            address
                .map(normalize)
                .filter(|address| !address.is_empty())
                .map(|address| (Subject::Address(address), self.per_address)),
        ];
        // The client is counted first, and a client over its limit counts against no address:
        // one client cannot fill the table with the addresses it sprays.
        for (subject, limit) in subjects.into_iter().flatten() {
            let window = windows.entry((attempt, subject)).or_insert(Window {
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

    #[test]
    fn an_address_is_limited_whichever_clients_try_it() {
        let limits = AttemptLimits::default();
        for index in 0..Limit::PER_ADDRESS.attempts {
            let client = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, index as u8)));
            assert!(
                limits
                    .check(Attempt::CodeEntry, client, Some("a@b.co"))
                    .is_ok()
            );
        }

        let refused = limits.check(Attempt::CodeEntry, None, Some(" A@B.co"));

        assert!(
            matches!(refused, Err(seconds) if seconds > 800),
            "{refused:?}"
        );
        assert!(limits.check(Attempt::SignIn, None, Some("a@b.co")).is_ok());
        assert!(
            limits
                .check(Attempt::CodeEntry, None, Some("c@b.co"))
                .is_ok()
        );
    }

    #[test]
    fn a_client_is_limited_whichever_addresses_it_tries() {
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
                    .is_ok()
            );
        }

        assert!(
            limits
                .check(Attempt::SignIn, CLIENT, Some("new@b.co"))
                .is_err()
        );
        assert!(
            limits
                .check(Attempt::SignIn, None, Some("new2@b.co"))
                .is_ok()
        );
    }

    #[test]
    fn a_client_over_its_limit_counts_against_no_address() {
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
                .is_ok()
        );

        for index in 0..100 {
            let address = format!("sprayed{index}@b.co");
            assert!(
                limits
                    .check(Attempt::SignIn, CLIENT, Some(&address))
                    .is_err()
            );
        }

        let windows = limits.windows.lock().unwrap();
        assert_eq!(windows.len(), 2, "the client and the first address only");
    }

    #[test]
    fn a_phone_number_counts_once_however_it_is_written() {
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
                .is_ok()
        );
        assert!(
            limits
                .check(Attempt::CodeEntry, None, Some("15550102030"))
                .is_err()
        );
    }
}
