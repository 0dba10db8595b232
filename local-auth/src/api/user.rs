//! `GET /user`, `PUT /user` and `GET /reauthenticate`.

use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sqlx::SqliteConnection;

use super::{
    Pkce, PkceParams, RedirectQuery, check_email_frequency, hash_password,
    mails::{self, Purpose},
    password_matches,
    phone::{SmsPurpose, change_phone, check_sms_frequency, require_phone_provider, send_code},
    validate_password,
};
use crate::validate::{validate_email, validate_phone};
use crate::{
    bearer::Caller,
    crypto::token_hash,
    error::{ApiError, ApiResult, ErrorCode},
    extract::{ApiJson, ApiQuery},
    mail::{self, Details},
    redirect,
    state::AppState,
    store::{self, User},
};

/// The signed-in user.
pub async fn get_user(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let mut db = state.db.read.acquire().await?;
    Ok(Json(store::user_json(&mut db, &caller.user).await?))
}

/// The body of `PUT /user`.
#[derive(Debug, Deserialize)]
pub struct UpdateParams {
    email: Option<String>,
    phone: Option<String>,
    password: Option<String>,
    nonce: Option<String>,
    data: Option<Map<String, Value>>,
    #[serde(flatten)]
    pkce: PkceParams,
}

/// Updates metadata, password (ending the user's other sessions) and email (by confirmation). An
/// anonymous user becomes permanent when an email address is confirmed (at once when
/// confirmations are off); a password needs the address in the same request.
pub async fn update_user(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RedirectQuery>,
    caller: Caller,
    ApiJson(params): ApiJson<UpdateParams>,
) -> ApiResult<Json<Value>> {
    let user = caller.user;
    let pkce = params.pkce.validate()?;
    let redirect_to = redirect::resolve(&state.config, query.redirect_to.as_deref());
    let new_email = params
        .email
        .as_deref()
        .filter(|email| !email.is_empty())
        .map(validate_email)
        .transpose()?
        .filter(|email| Some(email) != user.email.as_ref());
    let new_phone = params
        .phone
        .as_deref()
        .filter(|phone| !phone.is_empty())
        .map(validate_phone)
        .transpose()?
        .filter(|phone| Some(phone) != user.phone.as_ref());
    if new_phone.is_some() {
        require_phone_provider(&state)?;
    }
    let password = params.password.filter(|password| !password.is_empty());
    let nonce = params
        .nonce
        .as_deref()
        .is_some_and(|nonce| !nonce.is_empty());
    if user.is_sso_user
        && (new_email.is_some() || new_phone.is_some() || password.is_some() || nonce)
    {
        return Err(ApiError::unprocessable(
            ErrorCode::UserSsoManaged,
            "Updating email, phone, password of a SSO account only possible via SSO",
        ));
    }
    if user.is_anonymous && password.is_some() && new_email.is_none() && new_phone.is_none() {
        return Err(ApiError::unprocessable(
            ErrorCode::ValidationFailed,
            "Updating password of an anonymous user without an email or phone is not allowed",
        ));
    }
    let sensitive = new_email.is_some() || new_phone.is_some() || password.is_some();
    if sensitive && caller.claims.aal != "aal2" {
        let mut db = state.db.read.acquire().await?;
        if store::has_verified_factor(&mut *db, &user.id).await? {
            return Err(ApiError::unauthorized(
                ErrorCode::InsufficientAal,
                "AAL2 session is required to update email, phone or password when MFA is enabled.",
            ));
        }
    }
    let new_hash = match password {
        Some(password) => Some(new_password_hash(&state, &user, password, params.nonce).await?),
        None => None,
    };

    let mut tx = state.db.write.begin().await?;
    if let Some(data) = params.data {
        // Top-level keys are merged; a null value removes its key.
        let mut metadata = user.user_metadata();
        if let Value::Object(existing) = &mut metadata {
            for (key, value) in data {
                if value.is_null() {
                    existing.remove(&key);
                } else {
                    existing.insert(key, value);
                }
            }
        }
        store::set_field(&mut *tx, &user.id, store::Field::UserMetadata(&metadata)).await?;
    }
    if let Some(hash) = new_hash {
        store::set_field(&mut *tx, &user.id, store::Field::PasswordHash(Some(&hash))).await?;
        store::delete_one_time_token(&mut tx, &user.id, "reauthentication_token").await?;
        store::end_sessions(
            &mut tx,
            &user.id,
            &caller.claims.session_id,
            store::Scope::Others,
        )
        .await?;
        let notification = mail::Notification::PasswordChanged;
        mails::notify(
            &mut tx,
            &state,
            &user,
            notification,
            None,
            Details::default(),
        )
        .await?;
    }
    if let Some(new_email) = new_email {
        if store::user_by_email(&mut *tx, &new_email).await?.is_some() {
            return Err(ApiError::email_exists());
        }
        if user.is_anonymous && !state.config.enable_confirmations {
            store::make_permanent_with_email(&mut tx, &user.id, &new_email).await?;
        } else {
            send_email_change(
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
    if let Some(new_phone) = new_phone {
        update_phone(&state, &mut tx, &user, &new_phone).await?;
    }
    let user = store::user_by_id(&mut *tx, &user.id).await?.unwrap_or(user);
    let body = store::user_json(&mut tx, &user).await?;
    tx.commit().await?;
    Ok(Json(body))
}

/// Records the pending number and texts it a code (`POST /verify` with type `phone_change`); with
/// SMS confirmations off the number changes at once.
async fn update_phone(
    state: &AppState,
    tx: &mut SqliteConnection,
    user: &User,
    new_phone: &str,
) -> ApiResult<()> {
    if store::user_by_phone(&mut *tx, new_phone).await?.is_some() {
        return Err(ApiError::unprocessable(
            ErrorCode::PhoneExists,
            "A user with this phone number has already been registered",
        ));
    }
    check_sms_frequency(state, user.phone_change_sent_at.as_deref())?;
    store::set_field(&mut *tx, &user.id, store::Field::PhoneChange(new_phone)).await?;
    let user = store::user_by_id(&mut *tx, &user.id)
        .await?
        .ok_or_else(|| ApiError::internal("a user vanished inside its transaction"))?;
    if state.config.sms.enable_confirmations {
        send_code(state, tx, &user, SmsPurpose::PhoneChange, new_phone).await?;
    } else {
        change_phone(state, tx, &user).await?;
    }
    Ok(())
}

/// Checks a new password (strength, difference, reauthentication) and hashes it.
async fn new_password_hash(
    state: &AppState,
    user: &User,
    password: String,
    nonce: Option<String>,
) -> ApiResult<String> {
    validate_password(state, &password)?;
    if password_matches(state, password.clone(), user.encrypted_password.clone()).await? {
        return Err(ApiError::unprocessable(
            ErrorCode::SamePassword,
            "New password should be different from the old password.",
        ));
    }
    if state.config.secure_password_change {
        let nonce = nonce.filter(|nonce| !nonce.is_empty()).ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::ReauthenticationNeeded,
                "Password update requires reauthentication",
            )
        })?;
        // The code went to the email address, or by text to a user without one.
        let address = user.email.clone().or_else(|| user.phone.clone());
        let expected = token_hash(&address.unwrap_or_default(), nonce.trim());
        let stored =
            store::one_time_token_hash(&state.db.read, &user.id, "reauthentication_token").await?;
        if stored.as_deref() != Some(expected.as_str()) {
            return Err(ApiError::unprocessable(
                ErrorCode::ReauthenticationNotValid,
                "Requested nonce is invalid",
            ));
        }
    }
    hash_password(state, password).await
}

/// Records the pending address and mails the confirmation(s): to the new address, and with double
/// confirmation also to the current one. 429 when the last change mail went out too recently.
pub(super) async fn send_email_change(
    state: &AppState,
    tx: &mut SqliteConnection,
    user: &User,
    new_email: &str,
    pkce: Option<&Pkce>,
    redirect_to: &str,
) -> ApiResult<()> {
    check_email_frequency(state, user.email_change_sent_at.as_deref())?;
    store::begin_email_change(&mut *tx, &user.id, new_email).await?;
    // The mails name the pending address (`{{ .NewEmail }}`).
    let user = &User {
        email_change: Some(new_email.to_owned()),
        ..user.clone()
    };
    let current = user
        .email
        .as_deref()
        .filter(|_| state.config.double_confirm_changes);
    if state.hooks.enabled(crate::hooks::HookName::SendEmail) {
        let new = mails::issue(state, tx, user, Purpose::EmailChangeNew, new_email, pkce).await?;
        let current = match current {
            Some(current) => Some(
                mails::issue(state, tx, user, Purpose::EmailChangeCurrent, current, None).await?,
            ),
            None => None,
        };
        return mails::send_email_change_by_hook(
            state,
            tx,
            user,
            &new,
            current.as_ref(),
            redirect_to,
        )
        .await;
    }
    mails::send(
        state,
        tx,
        user,
        Purpose::EmailChangeNew,
        new_email,
        pkce,
        redirect_to,
    )
    .await?;
    if let Some(current) = current {
        let purpose = Purpose::EmailChangeCurrent;
        mails::send(state, tx, user, purpose, current, None, redirect_to).await?;
    }
    Ok(())
}

/// Sends the signed-in user a code that authorises a password change: by mail, or by text to a
/// user without an email address (`{"message_id"}` then), as upstream.
pub async fn reauthenticate(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let user = caller.user;
    let sent_at = user.reauthentication_sent_at.as_deref();
    match (user.email.clone(), user.phone.clone()) {
        (Some(email), _) => {
            if user.email_confirmed_at.is_none() {
                return Err(ApiError::unprocessable(
                    ErrorCode::EmailNotConfirmed,
                    "Please verify your email first.",
                ));
            }
            check_email_frequency(&state, sent_at)?;
            let mut tx = state.db.write.begin().await?;
            let site = state.config.site_url.to_string();
            let purpose = Purpose::Reauthentication;
            mails::send(&state, &mut tx, &user, purpose, &email, None, &site).await?;
            tx.commit().await?;
            Ok(Json(json!({})))
        }
        (None, Some(phone)) => {
            if user.phone_confirmed_at.is_none() {
                return Err(ApiError::unprocessable(
                    ErrorCode::PhoneNotConfirmed,
                    "Please verify your phone first.",
                ));
            }
            check_sms_frequency(&state, sent_at)?;
            let mut tx = state.db.write.begin().await?;
            let message_id =
                send_code(&state, &mut tx, &user, SmsPurpose::Reauthentication, &phone).await?;
            tx.commit().await?;
            Ok(Json(json!({ "message_id": message_id })))
        }
        (None, None) => Err(ApiError::validation(
            "Reauthentication requires the user to have an email or a phone number",
        )),
    }
}
