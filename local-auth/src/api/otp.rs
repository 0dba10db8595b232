//! Mail-sending endpoints: `POST /otp` (magic link and code), `POST /magiclink`, `POST /recover`
//! and `POST /resend`. Each answers `{}`, also for unknown addresses where upstream does.

use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    PkceParams, RedirectQuery, check_email_frequency,
    mails::{self, Purpose},
    phone::{SmsPurpose, check_sms_frequency, require_phone_provider, send_code},
};
use crate::hooks::attempts::before_user_created;
use crate::validate::{validate_email, validate_phone};
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
            return send_phone_otp(state, phone, params.create_user, params.data).await;
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
            let user =
                store::insert_pending_user(&mut tx, store::NewAddress::Email(&email), &metadata)
                    .await?;
            before_user_created(state, &mut tx, &user).await?;
            user
        }
    };
    let purpose = if user.is_confirmed() {
        check_email_frequency(state, user.recovery_sent_at.as_deref())?;
        Purpose::MagicLink
    } else {
        check_email_frequency(state, user.confirmation_sent_at.as_deref())?;
        Purpose::Confirmation
    };
    mails::send(
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

/// Texts a sign-in code (`POST /verify` with type `sms`), creating the user unless told not to;
/// `{message_id}`.
async fn send_phone_otp(
    state: &AppState,
    phone: &str,
    create_user: Option<bool>,
    data: Option<Value>,
) -> ApiResult<Json<Value>> {
    require_phone_provider(state)?;
    let phone = validate_phone(phone)?;
    let mut tx = state.db.write.begin().await?;
    let user = match store::user_by_phone(&mut *tx, &phone).await? {
        Some(user) => user,
        None if !create_user.unwrap_or(true) => {
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
            let metadata = super::user_metadata(data);
            let user =
                store::insert_pending_user(&mut tx, store::NewAddress::Phone(&phone), &metadata)
                    .await?;
            before_user_created(state, &mut tx, &user).await?;
            user
        }
    };
    check_sms_frequency(state, user.confirmation_sent_at.as_deref())?;
    let message_id = send_code(state, &mut tx, &user, SmsPurpose::Confirmation, &phone).await?;
    tx.commit().await?;
    Ok(Json(json!({ "message_id": message_id })))
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
        mails::send(
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
    phone: Option<String>,
    #[serde(flatten)]
    pkce: PkceParams,
}

/// Sends the sign-up confirmation or the email-change mails again, or texts the phone
/// confirmation or phone-change code again; `{}` (`{message_id}` for texts).
pub async fn resend(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RedirectQuery>,
    ApiJson(params): ApiJson<ResendParams>,
) -> ApiResult<Json<Value>> {
    let kind = params.kind.unwrap_or_default();
    if matches!(kind.as_str(), "sms" | "phone_change") {
        return resend_text(&state, &kind, params.phone.as_deref().unwrap_or_default()).await;
    }
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
            mails::send(
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

/// `/resend` for texts: the sign-up code to an unconfirmed number, or the code to a pending new one.
async fn resend_text(state: &AppState, kind: &str, phone: &str) -> ApiResult<Json<Value>> {
    require_phone_provider(state)?;
    let phone = validate_phone(phone)?;
    let mut tx = state.db.write.begin().await?;
    let (user, purpose, last_sent) = if kind == "sms" {
        let user = store::user_by_phone(&mut *tx, &phone).await?;
        let user = user.filter(|user| user.phone_confirmed_at.is_none());
        let last_sent = user
            .as_ref()
            .and_then(|user| user.confirmation_sent_at.clone());
        (user, SmsPurpose::Confirmation, last_sent)
    } else {
        let user: Option<store::User> = store::user_by_pending_phone(&mut *tx, &phone).await?;
        let last_sent = user
            .as_ref()
            .and_then(|user| user.phone_change_sent_at.clone());
        (user, SmsPurpose::PhoneChange, last_sent)
    };
    let Some(user) = user else {
        return Ok(Json(json!({})));
    };
    check_sms_frequency(state, last_sent.as_deref())?;
    let message_id = send_code(state, &mut tx, &user, purpose, &phone).await?;
    tx.commit().await?;
    Ok(Json(json!({ "message_id": message_id })))
}
