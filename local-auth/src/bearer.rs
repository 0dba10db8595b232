//! Who is calling, from `Authorization: Bearer …`: the signed-in user of a user endpoint, or the
//! service role of an admin endpoint.

use axum::{extract::FromRequestParts, http::request::Parts};

use crate::{
    crypto::constant_time_eq,
    error::{ApiError, ErrorCode},
    sessions::AccessClaims,
    state::AppState,
    store::{self, User},
};

/// A verified access token whose user and session still exist.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The token's claims.
    pub claims: AccessClaims,
    /// The user, as stored now.
    pub user: User,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts)?;
        let claims: AccessClaims = state.signer.verify(token)?;
        let user = store::user_by_id(&state.db.read, &claims.sub)
            .await?
            .ok_or_else(|| {
                ApiError::forbidden(
                    ErrorCode::UserNotFound,
                    "User from sub claim in JWT does not exist",
                )
            })?;
        // A ban ends what the user's still-valid access tokens may do, as upstream does.
        if user.is_banned() {
            return Err(ApiError::forbidden(ErrorCode::UserBanned, "User is banned"));
        }
        if !store::session_exists(&state.db.read, &claims.session_id).await? {
            return Err(ApiError::forbidden(
                ErrorCode::SessionNotFound,
                "Session from session_id claim in JWT does not exist",
            ));
        }
        Ok(Self { claims, user })
    }
}

/// The bearer token of a request; 401 `no_authorization` without one.
fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized(
                ErrorCode::NoAuthorization,
                "This endpoint requires a valid Bearer token",
            )
        })
}

/// An admin call: the bearer is the secret (service-role) key, or a token this server signed
/// with role `service_role` or `supabase_admin`; 403 `not_admin` otherwise.
#[derive(Clone, Copy, Debug)]
pub struct ServiceRole;

impl FromRequestParts<AppState> for ServiceRole {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts)?;
        if constant_time_eq(token, &state.api_keys.secret) {
            return Ok(Self);
        }
        if token.starts_with("sb_") {
            return Err(not_admin());
        }
        let claims: serde_json::Value = state.signer.verify_service_token(token)?;
        match claims["role"].as_str() {
            Some("service_role" | "supabase_admin") => Ok(Self),
            _ => Err(not_admin()),
        }
    }
}

fn not_admin() -> ApiError {
    ApiError::forbidden(ErrorCode::NotAdmin, "User not allowed")
}
