//! The session layer for axum: reads the @supabase/ssr cookies, refreshes the session before the
//! handler runs, verifies the access token, and hands the handler a verified [`User`].
//!
//! Install [`AuthSessions::middleware`] in front of everything that renders or answers as the
//! user. Handlers take [`User`] (401 when signed out), `Option<User>`, or [`AuthState`].

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{FromRequestParts, OptionalFromRequestParts, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{HeaderValue, StatusCode, header, request::Parts};

use crate::{
    AccessToken, AuthClient, Claims, Error, JwtVerifier, RefreshFailure, Refresher, Session,
    cookie::{self, CookieOptions, Cookies, SetCookie, StoredSession},
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
}

impl SessionConfig {
    /// The upstream defaults for the project `client` talks to.
    pub fn for_client(client: &AuthClient) -> Self {
        Self {
            cookie_name: cookie::storage_key(client.project_url()),
            cookie_options: CookieOptions::default(),
            refresh_margin: Duration::from_secs(90),
        }
    }
}

/// A signed-in request: the verified claims and the session they came with. Cheap to clone.
#[derive(Clone, Debug)]
pub struct User(Arc<VerifiedSession>);

#[derive(Debug)]
struct VerifiedSession {
    claims: Arc<Claims>,
    session: Arc<Session>,
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

    /// The access token, for calling Supabase as this user.
    pub fn access_token(&self) -> &AccessToken {
        &self.0.session.access_token
    }

    /// The whole session as stored in the cookie. Its `user` part is what the client stored and
    /// is not verified: read identity from [`User::claims`].
    pub fn session(&self) -> &Session {
        &self.0.session
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
                tracing::error!("{self}: add AuthSessions::middleware to the router");
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

/// Everything the session layer needs; cloning it (once or more per request) is one reference
/// count. Also the place to write session cookies from handlers (sign-in, code exchange,
/// sign-out).
#[derive(Clone, Debug)]
pub struct AuthSessions {
    inner: Arc<SessionsInner>,
}

#[derive(Debug)]
struct SessionsInner {
    client: AuthClient,
    verifier: JwtVerifier,
    refresher: Refresher,
    config: SessionConfig,
}

/// The outcome of reading a request's session: who it is, and which cookies to change.
struct Resolved {
    state: AuthState,
    changes: Vec<SetCookie>,
}

impl AuthSessions {
    /// Sessions of the project `client` talks to, with `config`.
    pub fn new(client: AuthClient, config: SessionConfig) -> Self {
        Self {
            inner: Arc::new(SessionsInner {
                verifier: JwtVerifier::new(client.clone()),
                refresher: Refresher::new(client.clone()),
                client,
                config,
            }),
        }
    }

    /// The API client.
    pub fn client(&self) -> &AuthClient {
        &self.inner.client
    }

    /// The token verifier.
    pub fn verifier(&self) -> &JwtVerifier {
        &self.inner.verifier
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

    /// Whether a `Set-Cookie` header value names one of this layer's cookies.
    fn is_auth_cookie(&self, set_cookie: &[u8]) -> bool {
        set_cookie.starts_with(self.inner.config.cookie_name.as_bytes())
    }

    /// The axum middleware: `axum::middleware::from_fn_with_state(sessions, AuthSessions::middleware)`.
    pub async fn middleware(
        State(sessions): State<Self>,
        mut request: Request,
        next: Next,
    ) -> Response {
        let cookies = Cookies::from_headers(request.headers());
        let Resolved { state, changes } = sessions.resolve(&cookies).await;
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
            .any(|value| sessions.is_auth_cookie(value.as_bytes()));
        // A page rendered for a signed-in user is theirs alone, unless the handler chose a cache
        // policy itself (hashed assets are the same for everyone).
        let personal = signed_in && !headers.contains_key(header::CACHE_CONTROL);
        if sets_auth_cookie || personal {
            set_no_store(headers);
        }
        response
    }

    async fn resolve(&self, cookies: &Cookies) -> Resolved {
        let signed_out = |auth_unavailable| AuthState::SignedOut { auth_unavailable };
        let session = match cookie::read_session(cookies, &self.inner.config.cookie_name) {
            StoredSession::Absent => {
                return Resolved {
                    state: signed_out(false),
                    changes: Vec::new(),
                };
            }
            StoredSession::Malformed => {
                return Resolved {
                    state: signed_out(false),
                    changes: self.clear_cookies(cookies),
                };
            }
            StoredSession::Present(session) => Arc::new(*session),
        };

        let now = unix_now();
        let margin = self.inner.config.refresh_margin.as_secs();
        if !session.expires_within(now, margin) {
            match self.verify(session.clone()).await {
                Ok(user) => {
                    return Resolved {
                        state: AuthState::SignedIn(user),
                        changes: Vec::new(),
                    };
                }
                Err(error) if error.is_retryable() => {
                    // HS256 tokens are checked by the server; it cannot be asked now.
                    return Resolved {
                        state: signed_out(true),
                        changes: Vec::new(),
                    };
                }
                // A token that fails verification may still come with a good refresh token
                // (rotated signing keys): try that before giving up on the session.
                Err(_) => {}
            }
        }

        match self.inner.refresher.refresh(&session.refresh_token).await {
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
                    Resolved {
                        state: signed_out(false),
                        changes: self.clear_cookies(cookies),
                    }
                }
            },
            Err(RefreshFailure::Ended(_)) => Resolved {
                state: signed_out(false),
                changes: self.clear_cookies(cookies),
            },
            Err(RefreshFailure::Unavailable) => {
                // Keep the cookies; while the current token is still valid, so is the user.
                let state = if session.expires_within(now, 0) {
                    signed_out(true)
                } else {
                    self.verify(session)
                        .await
                        .map_or(signed_out(true), AuthState::SignedIn)
                };
                Resolved {
                    state,
                    changes: Vec::new(),
                }
            }
        }
    }

    async fn verify(&self, session: Arc<Session>) -> Result<User, Error> {
        let verified = self.inner.verifier.verify(&session.access_token).await?;
        Ok(User(Arc::new(VerifiedSession {
            claims: verified.claims,
            session,
        })))
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
