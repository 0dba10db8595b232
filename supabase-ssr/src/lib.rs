//! Supabase Auth for Rust servers, with no Leptos inside: what `@supabase/ssr` (with auth-js) is
//! to JavaScript, the session kept in cookies in exactly its format.
//!
//! - [`AuthClient`]: the typed REST client (reqwest, timeouts on every call, cheap to clone);
//! - [`Error`] and [`ErrorCode`]: transport failures apart from the server's typed answers;
//! - secrets ([`AccessToken`], [`RefreshToken`], [`ApiKey`], [`PkceVerifier`]) that print
//!   `[redacted]`;
//! - [`pkce`]: verifiers and S256 challenges;
//! - [`provider`]: sign-in providers' names as people write them;
//! - [`JwtVerifier`]: local ES256/RS256 verification against the cached JWKS, `GET /user` for
//!   HS256;
//! - [`cookie`]: the `@supabase/ssr` cookie format, chunks and PKCE verifier cookies included;
//! - [`Refresher`]: one refresh per refresh token across concurrent requests;
//! - [`redirect::safe_next`]: the only way a post-auth redirect target is chosen;
//! - with the `axum` feature, [`axum`]: the session middleware and the `User` extractors, and
//!   [`flow`]: PKCE flows through the browser, begun and finished by the session layer.

mod client;
pub mod cookie;
mod error;
mod error_code;
mod jwt;
pub mod pkce;
pub mod provider;
pub mod redirect;
mod refresh;
mod secret;
mod session;

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "axum")]
pub mod flow;

pub use crate::{
    client::{
        AuthClient, AuthResponse, Challenge, ClientError, Credentials, EmailOptions,
        FORWARDED_FOR_HEADER, OtpType, Passkey, PasskeyCeremony, Settings, SignOutScope, Timeouts,
        TotpDetails, TotpEnrollment, UserChanges, VerifyOtp, WebauthnCeremonyKind,
        WebauthnChallenge, install_tls_provider,
    },
    error::{ApiError, CharacterSet, Error, WeakPassword},
    error_code::ErrorCode,
    jwt::{Aal, AmrEntry, Audience, Claims, JWKS_TTL, JwtVerifier, Verified},
    pkce::{PkceChallenge, PkceVerifier},
    refresh::{REMEMBER, RETRY_AFTER, RefreshFailure, RefreshOutcome, Refresher},
    secret::{AccessToken, ApiKey, RefreshToken, TokenHash},
    session::{Factor, FactorStatus, FactorType, Identity, Session, User, unix_now},
};
