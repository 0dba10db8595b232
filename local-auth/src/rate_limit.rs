//! Rate limits (`[auth.rate_limit]`), as Supabase Auth applies them: one token bucket per limiter
//! and client address, and the mail limit for the whole server.
//!
//! Each limiter is upstream's (`internal/api/apilimiter`): a bucket that starts full with
//! `capacity` tokens, refills at the configured number of requests per window, and is forgotten
//! an hour (a minute for MFA) after it was made, as tollbooth's expiring buckets are. Endpoints
//! that share a setting still have their own buckets: a client that spent its magic links can
//! still ask for a recovery mail. Over a limit: 429 `over_request_rate_limit`, with `Retry-After`
//! naming the seconds until the next token.
//!
//! **Which client a request counts for** is decided once per request by [`identify`], as the
//! hosted stack does:
//! 1. `Sb-Forwarded-For`, on a request that carries the **secret** API key while IP address
//!    forwarding is on (`LOCAL_AUTH_SB_FORWARDED_FOR_ENABLED`, upstream's
//!    `security.sb_forwarded_for_enabled`): its first entry, when it is an IP address. A malformed
//!    value is ignored and logged (`error processing Sb-Forwarded-For`). The hosted gateway drops
//!    the header from requests with any other key, and so does this.
//! 2. The header a proxy in front names the client in (`LOCAL_AUTH_RATE_LIMIT_HEADER`, upstream's
//!    `GOTRUE_RATE_LIMIT_HEADER`): its first entry.
//! 3. Otherwise the peer address: on a hosted project the gateway always knows it.
//!
//! A server that calls the API for its users without forwarding is one client to these limits.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    config::{Config, RateLimits},
    crypto::constant_time_eq,
    error::{ApiError, ErrorCode},
};

/// The header that carries the end user's address from a server holding the secret key.
pub const SB_FORWARDED_FOR: &str = "sb-forwarded-for";

/// Upstream's limiters, each with buckets of its own per client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limiter {
    /// `POST /token`: every grant, password, refresh-token and PKCE alike (`token_refresh`), as
    /// upstream's handler counts them.
    Token,
    /// `POST /signup` with an email or phone (`sign_in_sign_ups`).
    Signups,
    /// `POST /recover` (`sign_in_sign_ups`).
    Recover,
    /// `POST /resend` (`sign_in_sign_ups`).
    Resend,
    /// `POST /magiclink` (`sign_in_sign_ups`).
    MagicLink,
    /// `POST /otp` (`sign_in_sign_ups`).
    Otp,
    /// `PUT /user` (`sign_in_sign_ups`).
    User,
    /// `GET`/`POST /verify` (`token_verifications`).
    Verify,
    /// `POST /signup` without email or phone (`anonymous_users`, per hour).
    AnonymousSignIns,
    /// `POST /factors/{id}/challenge` (MFA challenge and verify, per minute).
    FactorChallenge,
    /// `POST /factors/{id}/verify` (MFA challenge and verify, per minute).
    FactorVerify,
    /// `POST /passkeys/authentication/options` (`passkey`).
    PasskeyAuthentication,
    /// `POST /sso` (upstream's `GOTRUE_RATE_LIMIT_SSO`).
    Sso,
    /// `POST /token?grant_type=web3` (`web3`).
    Web3,
    /// `POST /oauth/clients/register` (upstream's `GOTRUE_RATE_LIMIT_OAUTH_DYNAMIC_CLIENT_REGISTER`).
    OAuthClientRegister,
}

/// A limiter's shape: refill per second, capacity, and how long a bucket lives.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Shape {
    per_second: f64,
    capacity: f64,
    lifetime: Duration,
}

/// Upstream's capacity for every limiter but anonymous sign-ins.
const CAPACITY: f64 = 30.0;
const HOUR: Duration = Duration::from_secs(3600);

impl Limiter {
    fn shape(self, limits: &RateLimits) -> Shape {
        let per_five_minutes = |requests: u32| Shape {
            per_second: f64::from(requests) / 300.0,
            capacity: CAPACITY,
            lifetime: HOUR,
        };
        match self {
            Self::Token => per_five_minutes(limits.token_refresh),
            Self::Signups
            | Self::Recover
            | Self::Resend
            | Self::MagicLink
            | Self::Otp
            | Self::User => per_five_minutes(limits.sign_in_sign_ups),
            Self::Verify => per_five_minutes(limits.token_verifications),
            Self::PasskeyAuthentication => per_five_minutes(limits.passkey),
            Self::Sso => per_five_minutes(limits.sso),
            Self::Web3 => per_five_minutes(limits.web3),
            Self::OAuthClientRegister => per_five_minutes(limits.oauth_client_register),
            Self::AnonymousSignIns => Shape {
                per_second: f64::from(limits.anonymous_users) / 3600.0,
                capacity: f64::from(limits.anonymous_users),
                lifetime: HOUR,
            },
            Self::FactorChallenge | Self::FactorVerify => Shape {
                per_second: f64::from(limits.mfa) / 60.0,
                capacity: CAPACITY,
                lifetime: Duration::from_secs(60),
            },
        }
    }
}

/// One client's bucket in one limiter.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    made: Instant,
    updated: Instant,
    tokens: f64,
}

impl Bucket {
    fn full(now: Instant, shape: Shape) -> Self {
        Self {
            made: now,
            updated: now,
            tokens: shape.capacity,
        }
    }

    /// The bucket as it stands at `now`: refilled, or new once its lifetime is over.
    fn at(self, now: Instant, shape: Shape) -> Self {
        if now.duration_since(self.made) >= shape.lifetime {
            return Self::full(now, shape);
        }
        let refill = now.duration_since(self.updated).as_secs_f64() * shape.per_second;
        Self {
            made: self.made,
            updated: now,
            tokens: (self.tokens + refill).min(shape.capacity),
        }
    }
}

/// Buckets above this many are swept before a new one is added: full ones (no different from a
/// new bucket) go. Each client an anonymous request can name therefore costs memory only until its
/// bucket has refilled.
const SWEEP_AT: usize = 10_000;

/// The buckets of every limiter and client.
#[derive(Debug, Default)]
struct Buckets {
    buckets: Mutex<HashMap<(Limiter, IpAddr), Bucket>>,
}

impl Buckets {
    /// Takes a token from `client`'s bucket; `Err(seconds)` until the next token when it is empty.
    fn take(&self, limiter: Limiter, shape: Shape, client: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= SWEEP_AT {
            buckets.retain(|_, bucket| {
                let current = bucket.at(now, shape);
                current.tokens < shape.capacity
            });
        }
        let bucket = buckets
            .entry((limiter, client))
            .or_insert_with(|| Bucket::full(now, shape));
        *bucket = bucket.at(now, shape);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        if shape.per_second <= 0.0 {
            let left = shape
                .lifetime
                .saturating_sub(now.duration_since(bucket.made));
            return Err(left.as_secs().max(1));
        }
        let wait = (1.0 - bucket.tokens) / shape.per_second;
        // A few seconds at most for any configured rate; `as` saturates for absurd ones.
        Err((wait.ceil() as u64).max(1))
    }
}

/// The server-wide mail limit: a fixed hour of `email_sent` mails, as upstream's interval limiter.
#[derive(Debug)]
struct MailWindow {
    started: Instant,
    sent: u32,
}

/// The configured limits, the secret key that may forward addresses, and the counters; cheap to
/// clone.
#[derive(Clone, Debug)]
pub struct RateLimit {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    limits: RateLimits,
    /// Whether mail counts: only when it leaves through SMTP (the Supabase CLI lifts the limit
    /// for its local mail catcher likewise).
    mail_limited: bool,
    client_header: Option<String>,
    forwarded_for_enabled: bool,
    secret_key: String,
    buckets: Buckets,
    mail: Mutex<MailWindow>,
}

impl RateLimit {
    /// The limits `config` sets, with full buckets; `secret_key` is the key whose requests may
    /// name their end user in `Sb-Forwarded-For`.
    pub fn new(config: &Config, secret_key: &str) -> Self {
        Self {
            inner: Arc::new(Inner {
                limits: config.rate_limits,
                mail_limited: config.smtp.is_some(),
                client_header: config.rate_limit_header.clone(),
                forwarded_for_enabled: config.sb_forwarded_for_enabled,
                secret_key: secret_key.to_owned(),
                buckets: Buckets::default(),
                mail: Mutex::new(MailWindow {
                    started: Instant::now(),
                    sent: 0,
                }),
            }),
        }
    }

    /// Counts a request of `client` with `limiter`: 429 `over_request_rate_limit` when its bucket
    /// is empty.
    pub fn check(&self, limiter: Limiter, client: &Client) -> Result<(), ApiError> {
        let shape = limiter.shape(&self.inner.limits);
        self.inner
            .buckets
            .take(limiter, shape, client.0)
            .map_err(|retry_after| {
                ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorCode::OverRequestRateLimit,
                    "Request rate limit reached",
                )
                .retry_after(retry_after)
            })
    }

    /// Counts one mail against the server's hourly limit: 429 `over_email_send_rate_limit` past
    /// it. Mail kept only in the development mailbox is not counted.
    pub fn count_mail(&self) -> Result<(), ApiError> {
        if !self.inner.mail_limited {
            return Ok(());
        }
        let now = Instant::now();
        let mut window = self
            .inner
            .mail
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let passed = now.duration_since(window.started);
        if passed >= HOUR {
            let hours = passed.as_secs() / HOUR.as_secs();
            window.started += Duration::from_secs(hours * HOUR.as_secs());
            window.sent = 0;
        }
        if window.sent >= self.inner.limits.email_sent {
            let left = HOUR.saturating_sub(now.duration_since(window.started));
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::OverEmailSendRateLimit,
                "Email rate limit exceeded",
            )
            .retry_after(left.as_secs().max(1)));
        }
        window.sent += 1;
        Ok(())
    }

    /// The client `request` counts for (see the module documentation).
    fn client_of(&self, request: &Request) -> Client {
        let headers = request.headers();
        if let Some(forwarded) = headers.get(SB_FORWARDED_FOR)
            && self.inner.forwarded_for_enabled
            && crate::extract::api_key(request)
                .is_some_and(|key| constant_time_eq(&key, &self.inner.secret_key))
        {
            match first_ip(forwarded) {
                Some(ip) => return Client(ip),
                None => tracing::warn!(
                    error = "invalid Sb-Forwarded-For header value",
                    "error processing Sb-Forwarded-For"
                ),
            }
        }
        let from_header = self
            .inner
            .client_header
            .as_deref()
            .and_then(|name| headers.get(name))
            .and_then(first_ip);
        Client(from_header.unwrap_or_else(|| {
            request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(peer)| {
                    peer.ip().to_canonical()
                })
        }))
    }
}

/// The first entry of a comma-separated address list (`X-Forwarded-For`, `Sb-Forwarded-For`),
/// when it is an IP address.
fn first_ip(value: &HeaderValue) -> Option<IpAddr> {
    value.to_str().ok()?.split(',').next()?.trim().parse().ok()
}

/// The client a request counts for, as [`identify`] found it; [`limit`] and handlers (for limits
/// that depend on the body: anonymous sign-ins) read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client(pub IpAddr);

tokio::task_local! {
    /// The client of the request being answered, for what reports it beyond the handler (the
    /// `ip_address` of a hook's event).
    static CURRENT: Client;
}

impl Client {
    /// The client of the request this task is answering, if any.
    pub fn current() -> Option<Self> {
        CURRENT.try_with(|client| *client).ok()
    }
}

/// Middleware of the whole API: finds the client the request counts for.
pub async fn identify(
    State(rate_limit): State<RateLimit>,
    mut request: Request,
    next: Next,
) -> Response {
    let client = rate_limit.client_of(&request);
    request.extensions_mut().insert(client);
    CURRENT.scope(client, next.run(request)).await
}

/// Route layer: 429 once the route's limiter (declared with the route) has no token left for the
/// client [`identify`] found.
pub async fn limit(
    State((rate_limit, limiter)): State<(RateLimit, Limiter)>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(client) = request.extensions().get::<Client>()
        && let Err(error) = rate_limit.check(limiter, client)
    {
        return error.into_response();
    }
    next.run(request).await
}

/// Route layer of `/token`: the `web3` grant counts in its own bucket (`web3`), every other
/// grant in `token_refresh`'s, as upstream's handler picks its limiter by the query's
/// `grant_type`.
pub async fn limit_token(
    State(rate_limit): State<RateLimit>,
    request: Request,
    next: Next,
) -> Response {
    let web3 = request.uri().query().is_some_and(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .any(|(key, value)| key == "grant_type" && value == "web3")
    });
    let limiter = if web3 { Limiter::Web3 } else { Limiter::Token };
    limit(State((rate_limit, limiter)), request, next).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAPE: Shape = Shape {
        per_second: 0.5,
        capacity: 3.0,
        lifetime: HOUR,
    };

    #[test]
    fn a_bucket_spends_its_capacity_then_refills_at_the_rate() {
        let now = Instant::now();
        let mut bucket = Bucket::full(now, SHAPE);
        bucket.tokens = 0.0;
        assert_eq!(bucket.at(now + Duration::from_secs(1), SHAPE).tokens, 0.5);
        assert_eq!(bucket.at(now + Duration::from_secs(4), SHAPE).tokens, 2.0);
        assert_eq!(bucket.at(now + Duration::from_secs(60), SHAPE).tokens, 3.0);
    }

    #[test]
    fn a_bucket_is_new_once_its_lifetime_is_over() {
        let now = Instant::now();
        let mut bucket = Bucket::full(now, SHAPE);
        bucket.tokens = 0.0;
        let later = now + HOUR;
        let renewed = bucket.at(later, SHAPE);
        assert_eq!((renewed.made, renewed.tokens), (later, 3.0));
    }

    #[test]
    fn the_shapes_are_upstreams() {
        let limits = crate::config::Config::default().rate_limits;
        let token = Limiter::Token.shape(&limits);
        assert_eq!((token.per_second, token.capacity), (150.0 / 300.0, 30.0));
        let anonymous = Limiter::AnonymousSignIns.shape(&limits);
        assert_eq!(
            (anonymous.per_second, anonymous.capacity),
            (30.0 / 3600.0, 30.0)
        );
        let mfa = Limiter::FactorVerify.shape(&limits);
        assert_eq!(
            (mfa.per_second, mfa.capacity, mfa.lifetime),
            (15.0 / 60.0, 30.0, Duration::from_secs(60))
        );
        assert_eq!(Limiter::Otp.shape(&limits).per_second, 30.0 / 300.0);
    }

    #[test]
    fn an_empty_bucket_names_the_seconds_until_the_next_token() {
        let buckets = Buckets::default();
        let client = IpAddr::from([203, 0, 113, 1]);
        for _ in 0..3 {
            assert_eq!(buckets.take(Limiter::Otp, SHAPE, client), Ok(()));
        }
        assert_eq!(buckets.take(Limiter::Otp, SHAPE, client), Err(2));
        // Another limiter and another client have buckets of their own.
        assert_eq!(buckets.take(Limiter::Recover, SHAPE, client), Ok(()));
        let other = IpAddr::from([203, 0, 113, 2]);
        assert_eq!(buckets.take(Limiter::Otp, SHAPE, other), Ok(()));
    }
}
