//! Rate limits (`[auth.rate_limit]`): requests per client IP and window for the endpoint groups
//! upstream limits, and mails per hour for the whole server. Off unless configured, so local
//! development is never throttled; set them (tightly, in tests) to see the 429s a project answers.
//!
//! Over a limit: 429 `over_request_rate_limit` (or `over_email_send_rate_limit` for mail) with
//! `Retry-After`. As in Supabase Auth, the per-IP request limits apply only where the client IP is
//! known from the header named by `LOCAL_AUTH_RATE_LIMIT_HEADER` (upstream's
//! `GOTRUE_RATE_LIMIT_HEADER`): without one configured, or on a request without it, only the mail
//! limit counts. With a header secret (the app embedding local-auth sets both), a request that
//! does not prove it came through the app counts by its peer address instead, so browsers calling
//! the API directly stay limited and cannot choose their address.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    config::{Config, PROXY_SECRET_HEADER, RateLimits, Secret},
    crypto::constant_time_eq,
    error::{ApiError, ErrorCode},
    extract::query_param,
};

/// The endpoint groups that share a limit, with upstream's windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// `POST /token?grant_type=refresh_token`, per 5 minutes.
    TokenRefresh,
    /// Sign-up, password and PKCE grants, OTP, magic link, recovery and resend, per 5 minutes.
    SignInSignUp,
    /// `GET`/`POST /verify`, per 5 minutes.
    TokenVerification,
    /// Anonymous sign-ins, per hour.
    AnonymousUser,
    /// MFA challenges and verifications, per minute.
    Mfa,
    /// Mails sent by the whole server, per hour.
    EmailSent,
}

impl Bucket {
    fn window(self) -> Duration {
        match self {
            Self::TokenRefresh | Self::SignInSignUp | Self::TokenVerification => {
                Duration::from_secs(300)
            }
            Self::AnonymousUser | Self::EmailSent => Duration::from_secs(3600),
            Self::Mfa => Duration::from_secs(60),
        }
    }
}

impl RateLimits {
    /// Whether any limit is set (when none is, requests are not even looked at).
    fn any(&self) -> bool {
        [
            self.token_refresh,
            self.sign_in_sign_ups,
            self.token_verifications,
            self.anonymous_users,
            self.mfa,
            self.email_sent,
        ]
        .iter()
        .any(Option::is_some)
    }

    fn limit(&self, bucket: Bucket) -> Option<u32> {
        match bucket {
            Bucket::TokenRefresh => self.token_refresh,
            Bucket::SignInSignUp => self.sign_in_sign_ups,
            Bucket::TokenVerification => self.token_verifications,
            Bucket::AnonymousUser => self.anonymous_users,
            Bucket::Mfa => self.mfa,
            Bucket::EmailSent => self.email_sent,
        }
    }
}

/// A fixed window: when it began and how many requests it has counted.
#[derive(Debug)]
struct Window {
    started: Instant,
    count: u32,
}

/// Windows above this many are swept of expired entries before a new one is added.
const SWEEP_AT: usize = 10_000;

/// The counters of every bucket and client.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<(Bucket, String), Window>>,
}

impl RateLimiter {
    /// Counts one request of `client` in `bucket`; `Err(seconds)` until the window ends when the
    /// request is over `limit`.
    pub fn hit(&self, bucket: Bucket, client: &str, limit: u32) -> Result<(), u64> {
        let now = Instant::now();
        let window = bucket.window();
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= SWEEP_AT {
            windows
                .retain(|(bucket, _), entry| now.duration_since(entry.started) < bucket.window());
        }
        let entry = windows
            .entry((bucket, client.to_owned()))
            .or_insert(Window {
                started: now,
                count: 0,
            });
        if now.duration_since(entry.started) >= window {
            *entry = Window {
                started: now,
                count: 0,
            };
        }
        if entry.count >= limit {
            let left = window.saturating_sub(now.duration_since(entry.started));
            return Err(left.as_secs().max(1));
        }
        entry.count += 1;
        Ok(())
    }
}

/// The configured limits, where a request's client address comes from, and the shared counters;
/// cheap to clone.
#[derive(Clone, Debug)]
pub struct RateLimit {
    limits: RateLimits,
    header: Option<String>,
    header_secret: Option<Secret>,
    counters: Arc<RateLimiter>,
}

impl RateLimit {
    /// The limits `config` sets, with counters starting at zero.
    pub fn new(config: &Config) -> Self {
        Self {
            limits: config.rate_limits,
            header: config.rate_limit_header.clone(),
            header_secret: config.rate_limit_header_secret.clone(),
            counters: Arc::default(),
        }
    }

    /// Counts a request of `client` in `bucket` against the configured limit.
    pub fn check(&self, bucket: Bucket, client: &str) -> Result<(), ApiError> {
        let Some(limit) = self.limits.limit(bucket) else {
            return Ok(());
        };
        self.counters
            .hit(bucket, client, limit)
            .map_err(|retry_after| {
                let (code, message) = if bucket == Bucket::EmailSent {
                    (
                        ErrorCode::OverEmailSendRateLimit,
                        "Email rate limit exceeded",
                    )
                } else {
                    (
                        ErrorCode::OverRequestRateLimit,
                        "Request rate limit reached",
                    )
                };
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message).retry_after(retry_after)
            })
    }
}

/// The client a request counts for in the per-IP request limits: the configured header's first
/// entry; with a header secret, the peer address of a request that does not carry it. `None`
/// (not limited) without a header configured, or when the request lacks it.
fn client_of(rate_limit: &RateLimit, request: &Request) -> Option<String> {
    let name = rate_limit.header.as_deref()?;
    let trusted = rate_limit.header_secret.as_ref().is_none_or(|secret| {
        request
            .headers()
            .get(PROXY_SECRET_HEADER)
            .and_then(|value| value.to_str().ok())
            .zip(std::str::from_utf8(secret.expose()).ok())
            .is_some_and(|(sent, secret)| constant_time_eq(sent, secret))
    });
    if !trusted {
        return Some(
            request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(
                    || "unknown".to_owned(),
                    |ConnectInfo(peer)| peer.ip().to_string(),
                ),
        );
    }
    request
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .map(|first| first.trim().to_owned())
        .filter(|first| !first.is_empty())
}

/// The client a request counts for, as the [`identify`] middleware found it when limits are on;
/// [`limit`] and handlers (for limits that depend on the body: anonymous sign-ins) read it.
#[derive(Clone, Debug)]
pub struct Client(pub String);

/// Which bucket a route's request counts in: declared with the route ([`limit`]).
pub type BucketOf = fn(&Request) -> Bucket;

impl Bucket {
    /// `POST /token`: refreshes in their own bucket, every other grant with sign-ins.
    pub fn of_token(request: &Request) -> Self {
        if query_param(request, "grant_type").as_deref() == Some("refresh_token") {
            Self::TokenRefresh
        } else {
            Self::SignInSignUp
        }
    }
}

/// Middleware of the whole API: when limits are on, finds the client the request counts for
/// (none when its IP is not known: see the module documentation).
pub async fn identify(
    State(rate_limit): State<RateLimit>,
    mut request: Request,
    next: Next,
) -> Response {
    if rate_limit.limits.any()
        && let Some(client) = client_of(&rate_limit, &request)
    {
        request.extensions_mut().insert(Client(client));
    }
    next.run(request).await
}

/// Route layer: 429 once the route's bucket ([`BucketOf`]) is over its limit for the client
/// [`identify`] found (none when limits are off).
pub async fn limit(
    State((rate_limit, bucket_of)): State<(RateLimit, BucketOf)>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(Client(client)) = request.extensions().get::<Client>()
        && let Err(error) = rate_limit.check(bucket_of(&request), client)
    {
        return error.into_response();
    }
    next.run(request).await
}
