//! Mail-sending endpoints: `POST /otp` (magic link and code), `POST /magiclink`, `POST /recover`
//! and `POST /resend`. Each answers `{}`, also for unknown addresses where upstream does.

use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    PkceParams, RedirectQuery, check_email_frequency,
    token_mail::{self, Purpose},
    validate_email,
};
use crate::{
    error::{ApiError, ApiResult, ErrorCode},
    extract::{ApiJson, ApiQuery},
    redirect,
    state::AppState,
    store,
};

/// The body of `/otp` and `/magiclink`.
#[derive(Debug, Deserialize)]
pub struct OtpParams {
    email: Option<String>,
    phone: Option<String>,
    create_user: Option<bool>,
    data: Option<Value>,
    #[serde(flatten)]
    pkce: PkceParams,
}

/// Sends a magic link with a code: a confirmation mail to new or unconfirmed users.
pub async fn otp(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RedirectQuery>,
    ApiJson(params): ApiJson<OtpParams>,
) -> ApiResult<Json<Value>> {
    send_otp(&state, query, params).await
}

/// The legacy magic-link endpoint: `/otp` that always creates the user.
pub async fn magiclink(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RedirectQuery>,
    ApiJson(mut params): ApiJson<OtpParams>,
) -> ApiResult<Json<Value>> {
    params.create_user = Some(true);
    send_otp(&state, query, params).await
}

async fn send_otp(
    state: &AppState,
    query: RedirectQuery,
    params: OtpParams,
) -> ApiResult<Json<Value>> {
    let email = match (params.email.as_deref(), params.phone.as_deref()) {
        (Some(email), _) if !email.is_empty() => validate_email(email)?,
        (_, Some(phone)) if !phone.is_empty() => {
            return Err(ApiError::unprocessable(
                ErrorCode::ValidationFailed,
                "Phone logins are disabled",
            ));
        }
        _ => {
            return Err(ApiError::validation(
                "An email address or phone number is required",
            ));
        }
    };
    let pkce = params.pkce.validate()?;
    let redirect_to = redirect::resolve(&state.config, query.redirect_to.as_deref());
    let mut tx = state.db.write.begin().await?;
    let user = match store::user_by_email(&mut *tx, &email).await? {
        Some(user) => user,
        None if !params.create_user.unwrap_or(true) => {
            return Err(ApiError::unprocessable(
                ErrorCode::OtpDisabled,
                "Signups not allowed for otp",
            ));
        }
        None if !state.config.enable_signup => {
            return Err(ApiError::unprocessable(
                ErrorCode::SignupDisabled,
                "Signups not allowed for this instance",
            ));
        }
        None => {
            let metadata = super::user_metadata(params.data);
            store::insert_email_user(&mut tx, &email, None, &metadata, false).await?
        }
    };
    let purpose = if user.is_confirmed() {
        check_email_frequency(state, user.recovery_sent_at.as_deref())?;
        Purpose::MagicLink
    } else {
        check_email_frequency(state, user.confirmation_sent_at.as_deref())?;
        Purpose::Confirmation
    };
    token_mail::send(
        state,
        &mut tx,
        &user,
        purpose,
        &email,
        pkce.as_ref(),
        &redirect_to,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({})))
}

/// The body of `/recover`.
#[derive(Debug, Deserialize)]
pub struct RecoverParams {
    email: Option<String>,
    #[serde(flatten)]
    pkce: PkceParams,
}

/// Sends a password-reset mail; `{}` whether or not the address has an account.
pub async fn recover(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RedirectQuery>,
    ApiJson(params): ApiJson<RecoverParams>,
) -> ApiResult<Json<Value>> {
    let email = validate_email(params.email.as_deref().unwrap_or_default())?;
    let pkce = params.pkce.validate()?;
    let redirect_to = redirect::resolve(&state.config, query.redirect_to.as_deref());
    let mut tx = state.db.write.begin().await?;
    if let Some(user) = store::user_by_email(&mut *tx, &email).await? {
        check_email_frequency(&state, user.recovery_sent_at.as_deref())?;
        let (pkce, redirect_to) = (pkce.as_ref(), &redirect_to);
        token_mail::send(
            &state,
            &mut tx,
            &user,
            Purpose::Recovery,
            &email,
            pkce,
            redirect_to,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(json!({})))
}

/// The body of `/resend`.
#[derive(Debug, Deserialize)]
pub struct ResendParams {
    #[serde(rename = "type")]
    kind: Option<String>,
    email: Option<String>,
    #[serde(flatten)]
    pkce: PkceParams,
}

/// Sends the sign-up confirmation or the email-change mails again; `{}`.
pub async fn resend(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RedirectQuery>,
    ApiJson(params): ApiJson<ResendParams>,
) -> ApiResult<Json<Value>> {
    let kind = params.kind.unwrap_or_default();
    if !matches!(kind.as_str(), "signup" | "email_change") {
        return Err(ApiError::validation(
            "Missing one of these types: signup, email_change, sms, phone_change",
        ));
    }
    let email = validate_email(params.email.as_deref().unwrap_or_default())?;
    let pkce = params.pkce.validate()?;
    let redirect_to = redirect::resolve(&state.config, query.redirect_to.as_deref());
    let mut tx = state.db.write.begin().await?;
    let Some(user) = store::user_by_email(&mut *tx, &email).await? else {
        return Ok(Json(json!({})));
    };
    match kind.as_str() {
        "signup" if user.email_confirmed_at.is_none() => {
            check_email_frequency(&state, user.confirmation_sent_at.as_deref())?;
            let (pkce, redirect_to) = (pkce.as_ref(), &redirect_to);
            token_mail::send(
                &state,
                &mut tx,
                &user,
                Purpose::Confirmation,
                &email,
                pkce,
                redirect_to,
            )
            .await?;
        }
        "email_change" => {
            if let Some(new_email) = user.email_change.clone() {
                super::user::send_email_change(
                    &state,
                    &mut tx,
                    &user,
                    &new_email,
                    pkce.as_ref(),
                    &redirect_to,
                )
                .await?;
            }
        }
        _ => {}
    }
    tx.commit().await?;
    Ok(Json(json!({})))
}
