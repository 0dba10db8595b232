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
        let (outcome, _) = self.join_or_start(token, client_ip);
        Self::outcome(outcome).await
    }

    /// Like [`Refresher::refresh`], but waits only until `patience` after the refresh of this
    /// token began: `None` when it is still under way then. It goes on in its own task, and its
    /// answer is kept for the requests that follow, so a caller whose token is still valid can
    /// render with it now rather than wait for a slow auth server.
    pub async fn refresh_within(
        &self,
        token: &RefreshToken,
        client_ip: Option<std::net::IpAddr>,
        patience: Duration,
    ) -> Option<RefreshOutcome> {
        let (outcome, started) = self.join_or_start(token, client_ip);
        let deadline = tokio::time::Instant::from_std(started + patience);
        tokio::time::timeout_at(deadline, Self::outcome(outcome))
            .await
            .ok()
    }

    async fn outcome(mut outcome: watch::Receiver<Option<RefreshOutcome>>) -> RefreshOutcome {
        match outcome.wait_for(Option::is_some).await {
            Ok(done) => done.clone().unwrap_or(Err(RefreshFailure::Unavailable)),
            // The refreshing task ended without an answer (the runtime is shutting down).
            Err(_) => Err(RefreshFailure::Unavailable),
        }
    }

    /// The flight refreshing `token`, joined or started now, and when it started.
    fn join_or_start(
        &self,
        token: &RefreshToken,
        client_ip: Option<std::net::IpAddr>,
    ) -> (watch::Receiver<Option<RefreshOutcome>>, Instant) {
        let key: [u8; 32] = Sha256::digest(token.expose_secret().as_bytes()).into();
        let mut flights = self
            .flights
            .lock()
            .expect("the flights lock is never poisoned");
        flights.retain(|_, flight| flight.is_current());
        if let Some(flight) = flights.get(&key) {
            return (flight.outcome.clone(), flight.started);
        }
        let (sender, receiver) = watch::channel(None);
        let started = Instant::now();
        flights.insert(
            key,
            Flight {
                outcome: receiver.clone(),
                started,
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
        (receiver, started)
    }
}
