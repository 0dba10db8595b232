//! `POST /logout?scope=global|local|others`.

use axum::{extract::State, http::StatusCode};
use serde::Deserialize;

use crate::{
    bearer::Caller,
    error::{ApiError, ApiResult},
    extract::ApiQuery,
    state::AppState,
    store::{self, Scope},
};

/// The query of `/logout`.
#[derive(Debug, Deserialize)]
pub struct LogoutQuery {
    scope: Option<String>,
}

/// Ends the caller's sessions by scope (default `global`); 204.
pub async fn logout(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<LogoutQuery>,
    caller: Caller,
) -> ApiResult<StatusCode> {
    let scope = match query.scope.as_deref().unwrap_or("global") {
        "global" => Scope::Global,
        "local" => Scope::Local,
        "others" => Scope::Others,
        other => {
            return Err(ApiError::validation(format!(
                "Unsupported logout scope {other:?}"
            )));
        }
    };
    let mut db = state.db.write.acquire().await?;
    store::end_sessions(&mut db, &caller.user.id, &caller.claims.session_id, scope).await?;
    Ok(StatusCode::NO_CONTENT)
}
