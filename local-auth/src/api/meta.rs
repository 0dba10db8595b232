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
    Json(json!({
        "external": {
            "anonymous_users": config.enable_anonymous_sign_ins,
            "email": true,
            "phone": false,
        },
        "disable_signup": !config.enable_signup,
        "mailer_autoconfirm": !config.enable_confirmations,
        "phone_autoconfirm": false,
        "sms_provider": "",
        "saml_enabled": false,
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
