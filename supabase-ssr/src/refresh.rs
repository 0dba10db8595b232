//! Refreshing a session once per refresh token across concurrent requests (single flight).
//!
//! The first request that needs a refresh starts it in its own task (so a cancelled request does
//! not cancel it); every request holding the same refresh token waits for that one answer. A
//! successful answer is kept for [`REMEMBER`], so requests the browser sent before it received the
//! new cookies get the same new session instead of spending the token again.
//!
//! Only a definitive answer ends a session ([`ErrorCode::ends_session`]); a 429, a 5xx, a timeout
//! or an answer that cannot be read is [`RefreshFailure::Unavailable`], shared by the requests of
//! the next [`RETRY_AFTER`] so an outage is not hammered once per request.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::{AuthClient, Error, ErrorCode, RefreshToken, Session, unix_now};

/// How long the outcome of a refresh is handed to late requests with the same old token.
pub const REMEMBER: Duration = Duration::from_secs(30);
/// How long a failed attempt (auth server unavailable) is shared before the next one is made.
pub const RETRY_AFTER: Duration = Duration::from_secs(2);

/// Why a refresh gave no session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshFailure {
    /// The server said the session is over (the token is unknown, reused, revoked…): clear it.
    Ended(ErrorCode),
    /// The server could not be reached, failed, limited the call or answered something
    /// unreadable; the session may still be good later.
    Unavailable,
}

/// The result of one refresh, shared by everyone who waited for it.
pub type RefreshOutcome = Result<Arc<Session>, RefreshFailure>;

type Flights = HashMap<[u8; 32], Flight>;

struct Flight {
    outcome: watch::Receiver<Option<RefreshOutcome>>,
    started: Instant,
}

impl Flight {
    /// Whether late callers still get this flight's outcome rather than a new attempt.
    fn is_current(&self) -> bool {
        let age = self.started.elapsed();
        match &*self.outcome.borrow() {
            Some(Err(RefreshFailure::Unavailable)) => age < RETRY_AFTER,
            _ => age < REMEMBER,
        }
    }
}

/// Refreshes sessions, one call to the auth server per refresh token. Cheap to clone.
#[derive(Clone)]
pub struct Refresher {
    client: AuthClient,
    flights: Arc<Mutex<Flights>>,
}

impl std::fmt::Debug for Refresher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refresher").finish_non_exhaustive()
    }
}

impl Refresher {
    /// A refresher that calls `client`.
    pub fn new(client: AuthClient) -> Self {
        Self {
            client,
            flights: Arc::default(),
        }
    }

    /// The next session for `token`, from the one refresh all concurrent callers share; the
    /// call forwards `client_ip`, the end user's address (see [`AuthClient::for_client_ip`]).
    pub async fn refresh(
        &self,
        token: &RefreshToken,
        client_ip: Option<std::net::IpAddr>,
    ) -> RefreshOutcome {
        let key: [u8; 32] = Sha256::digest(token.expose_secret().as_bytes()).into();
        let mut outcome = self.join_or_start(key, token, client_ip);
        match outcome.wait_for(Option::is_some).await {
            Ok(done) => done.clone().unwrap_or(Err(RefreshFailure::Unavailable)),
            // The refreshing task ended without an answer (the runtime is shutting down).
            Err(_) => Err(RefreshFailure::Unavailable),
        }
    }

    fn join_or_start(
        &self,
        key: [u8; 32],
        token: &RefreshToken,
        client_ip: Option<std::net::IpAddr>,
    ) -> watch::Receiver<Option<RefreshOutcome>> {
        let mut flights = self
            .flights
            .lock()
            .expect("the flights lock is never poisoned");
        flights.retain(|_, flight| flight.is_current());
        if let Some(flight) = flights.get(&key) {
            return flight.outcome.clone();
        }
        let (sender, receiver) = watch::channel(None);
        flights.insert(
            key,
            Flight {
                outcome: receiver.clone(),
                started: Instant::now(),
            },
        );
        drop(flights);

        let (client, token) = (self.client.for_client_ip(client_ip), token.clone());
        tokio::spawn(async move {
            let outcome = match client.refresh_session(&token).await {
                Ok(session) => Ok(Arc::new(session.with_expiry_from(unix_now()))),
                Err(Error::Api(refused)) if refused.code.ends_session() => {
                    tracing::debug!("session refresh refused: {refused}");
                    Err(RefreshFailure::Ended(refused.code))
                }
                Err(error) => {
                    tracing::warn!("session refresh failed, keeping the session: {error}");
                    Err(RefreshFailure::Unavailable)
                }
            };
            let _ = sender.send(Some(outcome));
        });
        receiver
    }
}
