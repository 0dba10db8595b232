//! `GET /health`, `GET /settings` and the JWKS.

use axum::{
    Json,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::state::AppState;

/// `GET /health`.
pub async fn health() -> Json<Value> {
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "name": "GoTrue",
        "description": "GoTrue is a user registration and authentication API",
    }))
}

/// `GET /settings`: which sign-in methods are on.
pub async fn settings(State(state): State<AppState>) -> Json<Value> {
    let config = &state.config;
    let mut external = json!({
        "anonymous_users": config.enable_anonymous_sign_ins,
        "email": true,
        "phone": config.sms.enable_signup,
    });
    for provider in crate::config::KNOWN_PROVIDERS {
        external[provider] = json!(config.external_providers.iter().any(|p| p == provider));
    }
    Json(json!({
        "external": external,
        "disable_signup": !config.enable_signup,
        "mailer_autoconfirm": !config.enable_confirmations,
        "phone_autoconfirm": !config.sms.enable_confirmations,
        "sms_provider": "",
        "saml_enabled": config.saml_enabled,
        "passkeys_enabled": config.webauthn.passkeys,
    }))
}

/// `GET /.well-known/jwks.json`: the public signing keys, cacheable for 10 minutes.
pub async fn jwks(State(state): State<AppState>) -> Response {
    (
        [(header::CACHE_CONTROL, "public, max-age=600")],
        Json(state.signer.jwks().clone()),
    )
        .into_response()
}
