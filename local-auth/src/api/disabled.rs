//! The routes of Supabase Auth features that are off (SAML single sign-on unless
//! `LOCAL_AUTH_SAML_ENABLED`, the OAuth 2.1 server unless `[auth.oauth_server]` is on) or that
//! local-auth does not offer (custom OAuth providers): each answers as upstream does with the
//! feature off, and any other path gets a JSON 404, so a client never has to read an empty body.

use axum::{
    Router,
    http::StatusCode,
    routing::{MethodRouter, any},
};

use crate::{
    bearer::ServiceRole,
    error::{ApiError, ErrorCode},
    state::AppState,
};

/// Upstream's answer for a SAML route with SAML off.
fn saml_disabled() -> ApiError {
    ApiError::not_found(ErrorCode::SamlProviderDisabled, "SAML 2.0 is disabled")
}

/// Upstream's answer for an OAuth 2.1 server route with the server off.
fn oauth_server_disabled() -> ApiError {
    ApiError::not_found(ErrorCode::FeatureDisabled, "OAuth server is disabled")
}

/// Upstream's answer for a custom-provider route with custom providers off.
fn custom_providers_disabled() -> ApiError {
    ApiError::not_found(
        ErrorCode::FeatureDisabled,
        "Custom OAuth providers are disabled",
    )
}

/// Every method of a public route answers `error`.
fn public(error: fn() -> ApiError) -> MethodRouter<AppState> {
    any(move || async move { error() })
}

/// Every method of an admin route: the admin check first (401/403), as upstream's router, then
/// `error`.
fn admin(error: fn() -> ApiError) -> MethodRouter<AppState> {
    any(move |_: ServiceRole| async move { error() })
}

/// The SAML routes with SAML off, relative to `/auth/v1`.
pub fn saml_routes() -> Router<AppState> {
    Router::new()
        .route("/sso", public(saml_disabled))
        .route("/sso/saml/acs", public(saml_disabled))
        .route("/sso/saml/metadata", public(saml_disabled))
        .route("/admin/sso/providers", admin(saml_disabled))
        .route("/admin/sso/providers/{id}", admin(saml_disabled))
}

/// The OAuth 2.1 server's routes with the server off, relative to `/auth/v1`.
pub fn oauth_server_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            public(oauth_server_disabled),
        )
        .route("/oauth/{*rest}", public(oauth_server_disabled))
        .route("/user/oauth/grants", public(oauth_server_disabled))
        .route("/admin/oauth/clients", admin(oauth_server_disabled))
        .route("/admin/oauth/clients/{*rest}", admin(oauth_server_disabled))
}

/// The routes of the features local-auth does not offer, relative to `/auth/v1`: custom OAuth
/// providers.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/custom-providers", admin(custom_providers_disabled))
        .route(
            "/admin/custom-providers/{id}",
            admin(custom_providers_disabled),
        )
}

/// A method the path's route does not take: 405 with a JSON body.
pub fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::Other("method_not_allowed".to_owned()),
        "Method not allowed",
    )
}

/// A path no route has: 404 with a JSON body.
pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::Other("not_found".to_owned()),
        "Not found",
    )
}
