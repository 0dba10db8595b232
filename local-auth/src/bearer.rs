//! The signed-in caller of a user endpoint, from `Authorization: Bearer <access token>`.

use axum::{extract::FromRequestParts, http::request::Parts};

use crate::{
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
        let token = parts
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
            })?;
        let claims: AccessClaims = state.signer.verify(token)?;
        let user = store::user_by_id(&state.db.read, &claims.sub)
            .await?
            .ok_or_else(|| {
                ApiError::forbidden(
                    ErrorCode::UserNotFound,
                    "User from sub claim in JWT does not exist",
                )
            })?;
        let session_exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM sessions WHERE id = ?")
            .bind(&claims.session_id)
            .fetch_optional(&state.db.read)
            .await?;
        if session_exists.is_none() {
            return Err(ApiError::forbidden(
                ErrorCode::SessionNotFound,
                "Session from session_id claim in JWT does not exist",
            ));
        }
        Ok(Self { claims, user })
    }
}
