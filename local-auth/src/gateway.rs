//! What the hosted API gateway does in front of Supabase Auth: refuse requests without a valid
//! `apikey` (header or query parameter), except the routes browsers reach by navigation.

use axum::{
    Json,
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::{crypto::constant_time_eq, extract::query_param, state::AppState};

/// Routes the gateway leaves open: browsers reach them by navigation, without headers.
const OPEN_ROUTES: [&str; 5] = [
    "/auth/v1/verify",
    "/auth/v1/dev-idp/authorize",
    "/auth/v1/callback",
    "/auth/v1/authorize",
    "/auth/v1/.well-known/jwks.json",
];

/// Middleware: 401 unless the request carries the publishable or the secret key.
pub async fn require_api_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if OPEN_ROUTES.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let from_header = request
        .headers()
        .get("apikey")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let from_query = query_param(&request, "apikey");
    match from_header.or(from_query) {
        None => refuse(
            "No API key found in request",
            "No `apikey` request header or url param was found.",
        ),
        Some(key)
            if constant_time_eq(&key, &state.api_keys.publishable)
                || constant_time_eq(&key, &state.api_keys.secret) =>
        {
            next.run(request).await
        }
        Some(_) => refuse(
            "Invalid API key",
            "Double check your Supabase `anon` or `service_role` API key.",
        ),
    }
}

fn refuse(message: &str, hint: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "message": message, "hint": hint })),
    )
        .into_response()
}
