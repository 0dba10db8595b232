//! What the hosted API gateway does in front of Supabase Auth: answer CORS for browser clients, and
//! refuse requests without a valid `apikey` (header or query parameter), except the routes
//! browsers reach by navigation.

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderName, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::{crypto::constant_time_eq, extract::api_key, state::AppState};

/// Routes the gateway leaves open: browsers reach them by navigation, without headers, and the
/// OAuth 2.1 server's endpoints for other applications, which hold no API key of the project.
const OPEN_ROUTES: [&str; 17] = [
    "/auth/v1/verify",
    "/auth/v1/dev-idp/authorize",
    "/auth/v1/dev-idp/saml",
    "/auth/v1/sso/saml/acs",
    "/auth/v1/sso/saml/metadata",
    "/auth/v1/callback",
    "/auth/v1/authorize",
    "/auth/v1/.well-known/jwks.json",
    "/auth/v1/third-party/.well-known/openid-configuration",
    "/auth/v1/third-party/jwks.json",
    "/auth/v1/third-party/sign-in",
    "/auth/v1/.well-known/openid-configuration",
    "/auth/v1/.well-known/oauth-authorization-server",
    "/auth/v1/oauth/authorize",
    "/auth/v1/oauth/token",
    "/auth/v1/oauth/userinfo",
    "/auth/v1/oauth/clients/register",
];

/// CORS as Supabase answers it: any origin may call the API from a browser with the headers the
/// official clients send, and read the paging and version headers.
pub fn cors() -> CorsLayer {
    let custom = HeaderName::from_static;
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::ACCEPT,
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            custom("apikey"),
            custom("x-client-info"),
            custom("x-client-ip"),
            custom("x-jwt-aud"),
            custom("x-supabase-api-version"),
        ])
        .expose_headers([
            custom("x-total-count"),
            header::LINK,
            custom("x-supabase-api-version"),
            custom("x-sb-error-code"),
        ])
        .max_age(std::time::Duration::from_secs(86_400))
}

/// Middleware: 401 unless the request carries the publishable or the secret key.
pub async fn require_api_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if OPEN_ROUTES.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    match api_key(&request) {
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
