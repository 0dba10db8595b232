//! Supabase Auth for Rust servers, with no Leptos inside: what `@supabase/ssr` (with auth-js) is
//! to JavaScript, the session kept in cookies in exactly its format.
//!
//! - [`AuthClient`]: the typed REST client (reqwest, timeouts on every call, cheap to clone),
//!   with the consent and grant calls of a project that is an OAuth 2.1 provider;
//! - [`Error`] and [`ErrorCode`]: transport failures apart from the server's typed answers;
//! - secrets ([`AccessToken`], [`RefreshToken`], [`ApiKey`], [`PkceVerifier`]) that print
//!   `[redacted]`;
//! - [`pkce`]: verifiers and S256 challenges;
//! - [`provider`]: sign-in providers' names as people write them;
//! - [`JwtVerifier`]: local ES256/RS256 verification against the cached JWKS, `GET /user` for
//!   HS256;
//! - [`cookie`]: the `@supabase/ssr` cookie format, chunks and PKCE verifier cookies included;
//! - [`third_party`]: the tokens of Clerk, Firebase Auth, Auth0, AWS Cognito or WorkOS, verified
//!   against their issuer's keys;
//! - [`Refresher`]: one refresh per refresh token across concurrent requests;
//! - [`redirect::safe_next`]: the only way a post-auth redirect target is chosen;
//! - with the `axum` feature, [`axum`]: the session middleware and the `User` extractors, and
//!   [`flow`]: PKCE flows through the browser, begun and finished by the session layer.
//!
//! Without the default `client` feature the crate is [`ErrorCode`] alone, so an app's browser
//! build (WASM) shares the typed codes with its server.

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
pub mod cookie;
#[cfg(feature = "client")]
mod error;
mod error_code;
#[cfg(feature = "client")]
mod jwt;
#[cfg(feature = "client")]
mod oauth_server;
#[cfg(feature = "client")]
pub mod pkce;
#[cfg(feature = "client")]
pub mod provider;
#[cfg(feature = "client")]
pub mod redirect;
#[cfg(feature = "client")]
mod refresh;
#[cfg(feature = "client")]
mod secret;
#[cfg(feature = "client")]
mod session;
#[cfg(feature = "client")]
pub mod third_party;
pub mod web3;

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "axum")]
pub mod flow;

pub use crate::error_code::ErrorCode;
#[cfg(feature = "client")]
pub use crate::{
    client::{
        AuthClient, AuthResponse, Challenge, ClientError, Credentials, EmailOptions,
        FORWARDED_FOR_HEADER, OtpType, Passkey, PasskeyCeremony, Settings, SignOutScope, Timeouts,
        TotpDetails, TotpEnrollment, UserChanges, VerifyOtp, WebauthnCeremonyKind,
        WebauthnChallenge, install_tls_provider,
    },
    error::{ApiError, CharacterSet, Error, WeakPassword},
    jwt::{Aal, AmrEntry, Audience, Claims, JWKS_TTL, JwtVerifier, Verified},
    oauth_server::{
        AuthorizationDetails, AuthorizationRequest, ConsentDecision, OAuthClientInfo, OAuthGrant,
    },
    pkce::{PkceChallenge, PkceVerifier},
    refresh::{REMEMBER, RETRY_AFTER, RefreshFailure, RefreshOutcome, Refresher},
    secret::{AccessToken, ApiKey, RefreshToken, TokenHash},
    session::{Factor, FactorStatus, FactorType, Identity, Session, User, unix_now},
};
