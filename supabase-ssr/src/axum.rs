//! The session layer for axum: reads the @supabase/ssr cookies, refreshes the session before the
//! handler runs, verifies the access token, and hands the handler a verified [`User`]. Without a
//! session of the project's, a trusted third-party provider's token (its cookie,
//! [`ThirdPartyCookie`]) signs the user in instead, once [`ThirdPartyVerifier`] accepts it.
//!
//! Install [`SessionLayer::middleware`] in front of everything that renders or answers as the
//! user. Handlers take [`User`] (401 when signed out), `Option<User>`, or [`AuthState`].
//!
//! Every decision here reads verified data only: the access token's claims once its signature
//! checks out, or the auth server's own answer. The `user` object inside the cookie is written by
//! the browser as far as the server knows; nothing is decided from it. A session is refreshed only
//! when its access token is one this project signed (merely expired), so made-up cookies cost no
//! call to the auth server, and only a definitive answer from the auth server ends a session.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{HeaderName, HeaderValue, StatusCode, header, request::Parts};

use crate::{
    AccessToken, AuthClient, Claims, Error, JwtVerifier, RefreshFailure, Refresher, Session,
    cookie::{self, CookieOptions, Cookies, SetCookie, StoredSession},
    third_party::{Issuer, Provider, ThirdPartyVerifier},
    unix_now,
};

/// How the session cookies are named and written, and when sessions are refreshed.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// The cookie key; by default [`cookie::storage_key`] of the project URL.
    pub cookie_name: String,
    /// Attributes of the cookies.
    pub cookie_options: CookieOptions,
    /// Refresh when the access token expires within this margin (upstream: 90 s).
    pub refresh_margin: Duration,
    /// How long a request whose access token is still valid waits for its refresh before it
    /// renders with that token (default [`REFRESH_PATIENCE`]). The refresh goes on in its own
    /// task; the next request gets its session and the new cookies. An expired token always waits.
    pub refresh_patience: Duration,
    /// The header a trusted reverse proxy puts the client's address in (`X-Forwarded-For`,
    /// `X-Real-IP`, `CF-Connecting-IP`…); its last address is taken. `None` when clients connect
    /// directly: the peer address is the client. Never set it without such a proxy in front, or
    /// clients choose their own address.
    pub client_ip_header: Option<HeaderName>,
    /// A third-party issuer whose tokens sign users in too, and the cookie the browser keeps its
    /// token in; `None`: only the project's own sessions.
    pub third_party: Option<ThirdPartyCookie>,
}

/// Where a third-party provider's token arrives: the cookie its browser SDK (or the page) keeps
/// it in, for the issuer that signs it.
#[derive(Clone, Debug)]
pub struct ThirdPartyCookie {
    /// The issuer whose tokens are trusted.
    pub issuer: Issuer,
    /// The cookie holding the token ([`THIRD_PARTY_COOKIE`] unless changed).
    pub cookie_name: String,
}

/// The cookie a third-party token is read from by default: Clerk keeps its session token there on
/// the app's own domain, and it is the one cookie Firebase Hosting passes to a server.
pub const THIRD_PARTY_COOKIE: &str = "__session";

/// How long, counted from when its refresh began, a request with a still-valid access token waits
/// for the refresh: a healthy auth server answers well within it, even under load (at 500 ms, a
/// soak of 1,000 sessions on 2 cores made four times the refresh calls, each instance starting
/// its own refresh of a token whose new session had not reached the browser yet), and a hanging
/// one costs no more than this, once per refresh rather than per request.
pub const REFRESH_PATIENCE: Duration = Duration::from_secs(2);

impl SessionConfig {
    /// The upstream defaults for the project `client` talks to.
    pub fn for_client(client: &AuthClient) -> Self {
        Self {
            cookie_name: cookie::storage_key(client.project_url()),
            cookie_options: CookieOptions::default(),
            refresh_margin: Duration::from_secs(90),
            refresh_patience: REFRESH_PATIENCE,
            client_ip_header: None,
            third_party: None,
        }
    }
}

/// A signed-in request: the verified claims and the session they came with. Cheap to clone.
#[derive(Clone, Debug)]
pub struct User(Arc<VerifiedSession>);

#[derive(Debug)]
struct VerifiedSession {
    claims: Arc<Claims>,
    source: Source,
}

/// Who vouches for a signed-in user.
#[derive(Debug)]
enum Source {
    /// A session of the project's own auth server, from the @supabase/ssr cookies.
    Supabase(Arc<Session>),
    /// A third-party provider's token.
    ThirdParty(Provider),
}

impl User {
    /// The user id (`sub`).
    pub fn id(&self) -> &str {
        &self.0.claims.sub
    }

    /// The verified claims of the access token.
    pub fn claims(&self) -> &Claims {
        &self.0.claims
    }

    /// The user's email, when they have one.
    pub fn email(&self) -> Option<&str> {
        Some(self.0.claims.email.as_str()).filter(|email| !email.is_empty())
    }

    /// The project's access token, for calling Supabase Auth as this user; `None` for a user
    /// of a third-party provider, whose account Supabase Auth does not hold.
    pub fn access_token(&self) -> Option<&AccessToken> {
        self.session().map(|session| &session.access_token)
    }

    /// The whole session as stored in the cookie (`None` for a third-party user). Its `user`
    /// part is what the client stored and is not verified: read identity from [`User::claims`].
    pub fn session(&self) -> Option<&Session> {
        match &self.0.source {
            Source::Supabase(session) => Some(session),
            Source::ThirdParty(_) => None,
        }
    }

    /// The third-party provider that signed this user in, when not the project's auth server.
    pub fn third_party(&self) -> Option<Provider> {
        match &self.0.source {
            Source::Supabase(_) => None,
            Source::ThirdParty(provider) => Some(*provider),
        }
    }
}

/// What the session layer found for a request.
#[derive(Clone, Debug)]
pub enum AuthState {
    /// A verified session.
    SignedIn(User),
    /// No usable session.
    SignedOut {
        /// True when a session exists but could not be refreshed because the auth server is
        /// unreachable: the page should say "signed out for now" rather than "signed out".
        auth_unavailable: bool,
        /// The auth server's reason, when it ended the session on this request (the cookies are
        /// being cleared): `session_expired` for a session past its time box, idle too long or
        /// replaced by a newer sign-in; `session_not_found` for one signed out elsewhere.
        ended: Option<crate::ErrorCode>,
    },
}

impl AuthState {
    /// The user, when signed in.
    pub fn user(&self) -> Option<&User> {
        match self {
            Self::SignedIn(user) => Some(user),
            Self::SignedOut { .. } => None,
        }
    }
}

/// The address of the client a request came from, as the session layer resolved it (the peer,
/// or the trusted proxy's header); `None` when it could not be told (in-process tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

/// Marks, in the response's extensions, the answer to a request the session layer found signed
/// in: it may hold that user's data (layers outside decide by it, such as what to compress).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignedInAnswer;

/// Why a handler could not get a [`User`].
#[derive(Debug, thiserror::Error)]
pub enum AuthRejection {
    /// The request has no valid session.
    #[error("sign in first")]
    SignedOut,
    /// The session layer is not installed in front of this handler (a wiring mistake).
    #[error("the session layer is not installed")]
    MissingLayer,
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let status = match self {
            Self::SignedOut => StatusCode::UNAUTHORIZED,
            Self::MissingLayer => {
                tracing::error!("{self}: add SessionLayer::middleware to the router");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        (status, self.to_string()).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuthState {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Self>()
            .cloned()
            .ok_or(AuthRejection::MissingLayer)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match AuthState::from_request_parts(parts, state).await? {
            AuthState::SignedIn(user) => Ok(user),
            AuthState::SignedOut { .. } => Err(AuthRejection::SignedOut),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for User {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let auth = <AuthState as FromRequestParts<S>>::from_request_parts(parts, state).await?;
        Ok(auth.user().cloned())
    }
}

/// Everything the session layer needs; cloning it (once or more per request) is two reference
/// counts. Also the place to write session cookies from handlers (sign-in, code exchange,
/// sign-out).
#[derive(Clone, Debug)]
pub struct SessionLayer {
    inner: Arc<SessionsInner>,
    /// The API client, forwarding the address of the client this request came from.
    client: AuthClient,
}

#[derive(Debug)]
struct SessionsInner {
    verifier: JwtVerifier,
    third_party: Option<ThirdPartyVerifier>,
    refresher: Refresher,
    config: SessionConfig,
    factors: FactorCache,
}

/// How long the auth server's answer to "does this user have a verified factor" is reused for a
/// session. Enrolling or removing a factor through [`SessionLayer::forget_factors`] takes effect
/// at once; through another client, within this time.
pub const FACTORS_TTL: Duration = Duration::from_secs(60);
/// The most sessions whose factor answer is remembered; past that, old answers are dropped.
const REMEMBERED_FACTOR_ANSWERS: usize = 10_000;

/// Whether a session's user has a verified MFA factor, as `GET /user` last said, by session id.
#[derive(Debug, Default)]
struct FactorCache {
    answers: RwLock<HashMap<String, (Instant, bool)>>,
}

impl FactorCache {
    fn fresh(&self, session: &str) -> Option<bool> {
        let answers = self
            .answers
            .read()
            .expect("the factor cache lock is never poisoned");
        answers
            .get(session)
            .filter(|(at, _)| at.elapsed() < FACTORS_TTL)
            .map(|(_, has_factor)| *has_factor)
    }

    fn store(&self, session: &str, has_factor: bool) {
        let mut answers = self
            .answers
            .write()
            .expect("the factor cache lock is never poisoned");
        if answers.len() >= REMEMBERED_FACTOR_ANSWERS {
            answers.retain(|_, (at, _)| at.elapsed() < FACTORS_TTL);
            if answers.len() >= REMEMBERED_FACTOR_ANSWERS {
                answers.clear();
            }
        }
        answers.insert(session.to_owned(), (Instant::now(), has_factor));
    }

    fn forget(&self, session: &str) {
        self.answers
            .write()
            .expect("the factor cache lock is never poisoned")
            .remove(session);
    }
}

/// The outcome of reading a request's session: who it is, and which cookies to change.
struct Resolved {
    state: AuthState,
    changes: Vec<SetCookie>,
}

impl SessionLayer {
    /// Sessions of the project `client` talks to, with `config`.
    pub fn new(client: AuthClient, config: SessionConfig) -> Self {
        Self {
            inner: Arc::new(SessionsInner {
                verifier: JwtVerifier::new(client.clone()),
                third_party: config
                    .third_party
                    .as_ref()
                    .map(|third| ThirdPartyVerifier::new(client.clone(), third.issuer.clone())),
                refresher: Refresher::new(client.clone()),
                config,
                factors: FactorCache::default(),
            }),
            client,
        }
    }

    /// These sessions, calling the auth server on behalf of the client at `ip` (forwarded so its
    /// per-client rate limits count that client).
    pub fn for_client_ip(&self, ip: Option<IpAddr>) -> Self {
        Self {
            inner: self.inner.clone(),
            client: self.client.for_client_ip(ip),
        }
    }

    /// The API client.
    pub fn client(&self) -> &AuthClient {
        &self.client
    }

    /// Whether `user` must still enter a second factor: their session is below `aal2` and the
    /// auth server says they have a verified factor. The answer comes from `GET /user` (never
    /// from the cookie's `user`, which the browser could have edited) and is reused for
    /// [`FACTORS_TTL`] per session, so most requests make no call. An `aal2` session needs
    /// nothing. Fails (retryable) when the auth server cannot be asked: callers must not let the
    /// user through then.
    pub async fn needs_mfa(&self, user: &User) -> Result<bool, Error> {
        let claims = user.claims();
        // A third-party user's factors are the provider's business; aal2 needs nothing more.
        let Some(access_token) = user.access_token() else {
            return Ok(false);
        };
        if claims.aal == Some(crate::Aal::Aal2) {
            return Ok(false);
        }
        let session = claims.session_id.as_deref().unwrap_or(&claims.sub);
        if let Some(has_factor) = self.inner.factors.fresh(session) {
            return Ok(has_factor);
        }
        let found = self.client.get_user(access_token).await?;
        let has_factor = found
            .factors
            .iter()
            .flatten()
            .any(|factor| factor.status == crate::FactorStatus::Verified);
        self.inner.factors.store(session, has_factor);
        Ok(has_factor)
    }

    /// Drops what [`SessionLayer::needs_mfa`] remembers of `user`'s session; call it after the
    /// user's factors change.
    pub fn forget_factors(&self, user: &User) {
        let claims = user.claims();
        self.inner
            .factors
            .forget(claims.session_id.as_deref().unwrap_or(&claims.sub));
    }

    /// The token verifier.
    pub fn verifier(&self) -> &JwtVerifier {
        &self.inner.verifier
    }

    /// The third-party verifier, when a third-party issuer is trusted.
    pub fn third_party(&self) -> Option<&ThirdPartyVerifier> {
        self.inner.third_party.as_ref()
    }

    /// The cookie configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.inner.config
    }

    /// The `Set-Cookie` headers that store `session`, replacing whatever `existing` holds.
    pub fn session_cookies(&self, session: &Session, existing: &Cookies) -> Vec<SetCookie> {
        let config = &self.inner.config;
        cookie::write_session(
            &config.cookie_name,
            session,
            existing,
            &config.cookie_options,
        )
    }

    /// The `Set-Cookie` headers that remove the session in `existing`.
    pub fn clear_cookies(&self, existing: &Cookies) -> Vec<SetCookie> {
        let config = &self.inner.config;
        cookie::remove_chunked(&config.cookie_name, existing, &config.cookie_options)
    }

    /// The `Set-Cookie` header that removes a third-party provider's token cookie from this site,
    /// when `existing` holds one. The provider's own SDK may write it again: signing out of the
    /// provider is its sign-out.
    pub fn clear_third_party_cookie(&self, existing: &Cookies) -> Option<SetCookie> {
        let third = self.inner.config.third_party.as_ref()?;
        existing.get(&third.cookie_name)?;
        Some(SetCookie::removal(
            &third.cookie_name,
            &self.inner.config.cookie_options,
        ))
    }

    /// Whether a `Set-Cookie` header value names one of this layer's cookies.
    fn is_auth_cookie(&self, set_cookie: &[u8]) -> bool {
        set_cookie.starts_with(self.inner.config.cookie_name.as_bytes())
    }

    /// The axum middleware: `axum::middleware::from_fn_with_state(sessions, SessionLayer::middleware)`.
    pub async fn middleware(
        State(layer): State<Self>,
        mut request: Request,
        next: Next,
    ) -> Response {
        let client_ip = ClientIp(layer.client_ip(&request));
        let cookies = Cookies::from_headers(request.headers());
        let Resolved { state, changes } = layer.resolve(&cookies, client_ip.0).await;
        if !changes.is_empty() {
            // Downstream code reads the cookies the browser will send from now on.
            let mut rewritten = cookies;
            rewritten.apply(&changes);
            let headers = request.headers_mut();
            headers.remove(header::COOKIE);
            if let Some(value) = rewritten
                .to_header()
                .and_then(|value| HeaderValue::from_str(&value).ok())
            {
                headers.insert(header::COOKIE, value);
            }
        }
        let signed_in = matches!(state, AuthState::SignedIn(_));
        request.extensions_mut().insert(state);
        request.extensions_mut().insert(client_ip);

        let mut response = next.run(request).await;
        let headers = response.headers_mut();
        for change in &changes {
            if let Some(value) = change.to_header_value() {
                headers.append(header::SET_COOKIE, value);
            }
        }
        let sets_auth_cookie = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|value| layer.is_auth_cookie(value.as_bytes()));
        // A page rendered for a signed-in user is theirs alone, unless the handler chose a cache
        // policy itself (hashed assets are the same for everyone).
        let personal = signed_in && !headers.contains_key(header::CACHE_CONTROL);
        if sets_auth_cookie || personal {
            set_no_store(headers);
        }
        if signed_in {
            response.extensions_mut().insert(SignedInAnswer);
        }
        response
    }

    /// The client's address: the last one in the trusted proxy's header when one is configured,
    /// else the peer's.
    fn client_ip(&self, request: &Request) -> Option<IpAddr> {
        match &self.inner.config.client_ip_header {
            Some(name) => request
                .headers()
                .get_all(name)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .next_back()
                .and_then(|entry| entry.trim().parse().ok()),
            None => request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| peer.ip()),
        }
    }

    async fn resolve(&self, cookies: &Cookies, client_ip: Option<IpAddr>) -> Resolved {
        let signed_out = |auth_unavailable| AuthState::SignedOut {
            auth_unavailable,
            ended: None,
        };
        let keep = |state| Resolved {
            state,
            changes: Vec::new(),
        };
        // The session is over (with the auth server's reason, when it gave one): the cookies go.
        let end = |ended| Resolved {
            state: AuthState::SignedOut {
                auth_unavailable: false,
                ended,
            },
            changes: self.clear_cookies(cookies),
        };
        let session = match cookie::read_session(cookies, &self.inner.config.cookie_name) {
            StoredSession::Absent => return keep(self.resolve_third_party(cookies).await),
            StoredSession::Malformed => return end(None),
            StoredSession::Present(session) => Arc::new(*session),
        };

        let now = unix_now();
        let margin = self.inner.config.refresh_margin.as_secs();
        // The token's own expiry counts too: a token past it is not worth checking, whatever the
        // cookie says, and one whose claims do not even decode is not Supabase's.
        let Ok(unverified) = Claims::decode_unverified(session.access_token.expose_secret()) else {
            return end(None);
        };
        // A token the auth server issued to another application (an OAuth client of the
        // project, `client_id` claim) is that application's, never this site's session: one
        // placed in the cookie signs nobody in here.
        if unverified.extra.contains_key("client_id") {
            return end(None);
        }
        let valid = unverified.exp > now && !session.expires_within(now, 0);
        if valid && !session.expires_within(now, margin) {
            match self.verify(session.clone()).await {
                Ok(user) => return keep(AuthState::SignedIn(user)),
                // The token cannot be checked now (the auth server is down and no keys are
                // cached): keep the cookies and try again on the next request.
                Err(error) if error.is_retryable() => return keep(signed_out(true)),
                // The auth server itself refused a shared-secret token that has not expired:
                // the session is over, and no refresh is tried (a made-up cookie costs one call).
                Err(Error::Api(refusal)) => {
                    tracing::debug!("the auth server refused the session's token: {refusal}");
                    return end(None);
                }
                // Not ours, or expired early: the check below tells which.
                Err(_) => {}
            }
        }

        // Only a token this project signed earns a refresh call: a made-up cookie costs nothing
        // but a signature check, and cannot spend the client's refresh rate limit.
        match self.inner.verifier.is_ours(&session.access_token).await {
            // `false`: a shared-secret (HS256) token, which only the auth server can check.
            Ok(_) => {}
            Err(error) if error.is_retryable() => return keep(signed_out(true)),
            Err(error) => {
                tracing::debug!("a session cookie with a token not issued here: {error}");
                return end(None);
            }
        }

        let refresher = &self.inner.refresher;
        let outcome = if valid {
            // Still valid: wait a moment for the new session; past that, the refresh goes on in
            // its own task and this request is served as if the server were unavailable.
            refresher
                .refresh_within(
                    &session.refresh_token,
                    client_ip,
                    self.inner.config.refresh_patience,
                )
                .await
                .unwrap_or(Err(RefreshFailure::Unavailable))
        } else {
            refresher.refresh(&session.refresh_token, client_ip).await
        };
        match outcome {
            Ok(fresh) => match self.verify(fresh.clone()).await {
                Ok(user) => Resolved {
                    state: AuthState::SignedIn(user),
                    changes: self.session_cookies(&fresh, cookies),
                },
                Err(error) if error.is_retryable() => Resolved {
                    state: signed_out(true),
                    changes: self.session_cookies(&fresh, cookies),
                },
                Err(error) => {
                    tracing::warn!("a refreshed access token failed verification: {error}");
                    end(None)
                }
            },
            Err(RefreshFailure::Ended(code)) => end(Some(code)),
            // Keep the cookies; while the current token is still valid, so is the user.
            Err(RefreshFailure::Unavailable) => keep(if valid {
                self.verify(session)
                    .await
                    .map_or(signed_out(true), AuthState::SignedIn)
            } else {
                signed_out(true)
            }),
        }
    }

    async fn verify(&self, session: Arc<Session>) -> Result<User, Error> {
        let verified = self.inner.verifier.verify(&session.access_token).await?;
        Ok(User(Arc::new(VerifiedSession {
            claims: verified.claims,
            source: Source::Supabase(session),
        })))
    }

    /// A request without a session of the project's own: signed in by the trusted third-party
    /// issuer's token, when its cookie holds one that checks out. The cookie is the provider's
    /// (its SDK renews it), so it is never changed here; a token that does not check out is
    /// only ignored.
    async fn resolve_third_party(&self, cookies: &Cookies) -> AuthState {
        let signed_out = |auth_unavailable| AuthState::SignedOut {
            auth_unavailable,
            ended: None,
        };
        let (Some(verifier), Some(third)) =
            (&self.inner.third_party, &self.inner.config.third_party)
        else {
            return signed_out(false);
        };
        let Some(token) = cookies
            .get(&third.cookie_name)
            .filter(|token| !token.is_empty())
        else {
            return signed_out(false);
        };
        let token = AccessToken::new(token);
        match verifier.verify(&token).await {
            Ok(claims) => AuthState::SignedIn(User(Arc::new(VerifiedSession {
                claims,
                source: Source::ThirdParty(verifier.issuer().provider()),
            }))),
            Err(error) if error.is_retryable() => signed_out(true),
            Err(error) => {
                tracing::debug!("a third-party token that does not check out: {error}");
                signed_out(false)
            }
        }
    }
}

/// The headers @supabase/ssr puts on responses that set auth cookies, so no cache stores them.
pub fn set_no_store(headers: &mut http::HeaderMap) {
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache, no-store, must-revalidate, max-age=0"),
    );
    headers.insert(header::EXPIRES, HeaderValue::from_static("0"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}
