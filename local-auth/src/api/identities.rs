//! Identity linking: `GET /user/identities/authorize` starts an OAuth flow that adds an identity to
//! the signed-in user, `DELETE /user/identities/{id}` removes one. Both need manual linking on.

use axum::{
    Json,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{
    external::{self, AuthorizeQuery, manual_linking_disabled},
    mails,
};
use crate::{
    bearer::Caller,
    dev_idp::found,
    error::{ApiError, ApiResult, ErrorCode},
    extract::ApiQuery,
    mail,
    state::AppState,
    store,
};

/// The query of `/user/identities/authorize`: `/authorize`'s, and whether to answer with the URL.
#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    #[serde(flatten)]
    authorize: AuthorizeQuery,
    /// `true`: answer `{url}` instead of redirecting (what auth-js asks for).
    skip_http_redirect: Option<String>,
}

/// Starts linking an identity of `provider` to the caller: `{url}` or a 302 to the provider.
pub async fn link(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<LinkQuery>,
) -> ApiResult<Response> {
    if !state.config.enable_manual_linking {
        return Err(manual_linking_disabled());
    }
    let url = external::start_flow(&state, &query.authorize, Some(&caller.user.id)).await?;
    Ok(if query.skip_http_redirect.as_deref() == Some("true") {
        Json(json!({ "url": url })).into_response()
    } else {
        found(&url)
    })
}

/// Removes one of the caller's identities, never the last; `{}`.
pub async fn unlink(
    State(state): State<AppState>,
    caller: Caller,
    Path(identity_id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    if !state.config.enable_manual_linking {
        return Err(manual_linking_disabled());
    }
    let user = caller.user;
    let mut tx = state.db.write.begin().await?;
    let identities = store::identities_of(&mut *tx, &user.id).await?;
    if identities.len() <= 1 {
        return Err(ApiError::unprocessable(
            ErrorCode::SingleIdentityNotDeletable,
            "User must have at least 1 identity after unlinking",
        ));
    }
    let removed = identities
        .iter()
        .find(|identity| identity.id == identity_id)
        .ok_or_else(|| {
            ApiError::unprocessable(ErrorCode::IdentityNotFound, "Identity doesn't exist")
        })?;
    store::delete_identity(&mut *tx, &removed.id).await?;
    // The user's address follows the identities: when it came only from the removed one, the
    // newest remaining identity with an address supplies it.
    let address_kept = identities
        .iter()
        .any(|other| other.id != removed.id && other.email == user.email);
    if removed.email.is_some() && removed.email == user.email && !address_kept {
        let replacement = identities
            .iter()
            .rev()
            .filter(|other| other.id != removed.id)
            .find_map(|other| other.email.clone());
        store::set_field(
            &mut *tx,
            &user.id,
            store::Field::EmailAddress(replacement.as_deref()),
        )
        .await?;
    }
    let primary = identities
        .iter()
        .find(|other| other.id != removed.id)
        .map(|other| other.provider.clone());
    let app_provider = user.app_metadata()["provider"].as_str().map(str::to_owned);
    let primary = (app_provider.as_deref() == Some(removed.provider.as_str()))
        .then_some(primary)
        .flatten();
    store::refresh_providers(&mut tx, &user.id, primary.as_deref()).await?;
    // Told at the address the account had when the method was removed.
    let details = mail::Details {
        provider: Some(removed.provider.clone()),
        ..mail::Details::default()
    };
    let notification = mail::Notification::IdentityUnlinked;
    mails::notify(
        &mut tx,
        &state,
        &user,
        notification,
        user.email.as_deref(),
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({})))
}
