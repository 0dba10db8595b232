//! `POST /signup`: email and password sign-up, with email confirmation unless it is turned off,
//! and anonymous sign-in when neither email nor phone is given.

use axum::{Extension, Json, extract::State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    PkceParams, RedirectQuery, check_email_frequency, hash_password,
    mails::{self, Purpose},
    phone::{SmsPurpose, check_sms_frequency, require_phone_provider, send_code},
    validate_password,
};
use crate::hooks::attempts::before_user_created;
use crate::validate::{validate_email, validate_phone};
use crate::{
    error::{ApiError, ApiResult, ErrorCode},
    extract::{ApiJson, ApiQuery},
    rate_limit::{Client, Limiter},
    redirect, sessions,
    state::AppState,
    store,
    time::now_rfc3339,
};

/// The body of `/signup`.
#[derive(Debug, Deserialize)]
pub struct SignupParams {
    email: Option<String>,
    phone: Option<String>,
    password: Option<String>,
    data: Option<Value>,
    #[serde(flatten)]
    pkce: PkceParams,
}

/// Signs a user up: a session when confirmations are off, otherwise the user and a confirmation mail.
pub async fn signup(
    State(state): State<AppState>,
    client: Option<Extension<Client>>,
    ApiQuery(query): ApiQuery<RedirectQuery>,
    ApiJson(params): ApiJson<SignupParams>,
) -> ApiResult<Json<Value>> {
    let config = &state.config;
    if !config.enable_signup {
        return Err(ApiError::unprocessable(
            ErrorCode::SignupDisabled,
            "Signups not allowed for this instance",
        ));
    }
    let has_email = params
        .email
        .as_deref()
        .is_some_and(|email| !email.is_empty());
    let has_phone = params
        .phone
        .as_deref()
        .is_some_and(|phone| !phone.is_empty());
    if (has_email || has_phone)
        && let Some(client) = client.as_deref()
    {
        state.rate_limit.check(Limiter::Signups, client)?;
    }
    let email = match (params.email.as_deref(), params.phone.as_deref()) {
        (Some(email), _) if !email.is_empty() => validate_email(email)?,
        (_, Some(phone)) if !phone.is_empty() => {
            return phone_signup(&state, phone, params.password, params.data).await;
        }
        _ => return sign_in_anonymously(&state, client.as_deref(), params.data).await,
    };
    let password = params.password.unwrap_or_default();
    if password.is_empty() {
        return Err(ApiError::unprocessable(
            ErrorCode::ValidationFailed,
            "Signup requires a valid password",
        ));
    }
    validate_password(&state, &password)?;
    let pkce = params.pkce.validate()?;
    let metadata = super::user_metadata(params.data);
    let redirect_to = redirect::resolve(config, query.redirect_to.as_deref());
    let hash = hash_password(&state, password).await?;

    let mut tx = state.db.write.begin().await?;
    let user = match store::user_by_email(&mut *tx, &email).await? {
        Some(existing) if existing.is_confirmed() => {
            if !config.enable_confirmations {
                return Err(ApiError::unprocessable(
                    ErrorCode::UserAlreadyExists,
                    "User already registered",
                ));
            }
            // Answer as for a new sign-up so the response does not reveal who has an account.
            return Ok(Json(obfuscated_user(&email, "", &metadata)));
        }
        Some(existing) => {
            check_email_frequency(&state, existing.confirmation_sent_at.as_deref())?;
            store::renew_pending_sign_up(&mut *tx, &existing.id, &hash, &metadata).await?;
            existing
        }
        None => {
            let confirmed = !config.enable_confirmations;
            let user = store::insert_user(
                &mut tx,
                store::NewAddress::Email(&email),
                Some(&hash),
                &metadata,
                confirmed,
            )
            .await?;
            before_user_created(&state, &mut tx, &user).await?;
            user
        }
    };

    if !config.enable_confirmations {
        let session = sessions::start(&state, &mut tx, &user, "password").await?;
        tx.commit().await?;
        return Ok(Json(session));
    }

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
    let user = store::user_by_id(&mut *tx, &user.id).await?.unwrap_or(user);
    let body = store::user_json(&mut tx, &user).await?;
    tx.commit().await?;
    Ok(Json(body))
}

/// Signs a user up with a phone number and password: a session when SMS confirmations are off,
/// otherwise the user and a texted code (`POST /verify` with type `sms`).
async fn phone_signup(
    state: &AppState,
    phone: &str,
    password: Option<String>,
    data: Option<Value>,
) -> ApiResult<Json<Value>> {
    require_phone_provider(state)?;
    let phone = validate_phone(phone)?;
    let password = password.unwrap_or_default();
    if password.is_empty() {
        return Err(ApiError::unprocessable(
            ErrorCode::ValidationFailed,
            "Signup requires a valid password",
        ));
    }
    validate_password(state, &password)?;
    let metadata = super::user_metadata(data);
    let hash = hash_password(state, password).await?;
    let confirmations = state.config.sms.enable_confirmations;

    let mut tx = state.db.write.begin().await?;
    let user = match store::user_by_phone(&mut *tx, &phone).await? {
        Some(existing) if existing.phone_confirmed_at.is_some() => {
            if !confirmations {
                return Err(ApiError::unprocessable(
                    ErrorCode::UserAlreadyExists,
                    "User already registered",
                ));
            }
            return Ok(Json(obfuscated_user("", &phone, &metadata)));
        }
        Some(existing) => {
            check_sms_frequency(state, existing.confirmation_sent_at.as_deref())?;
            store::renew_pending_sign_up(&mut *tx, &existing.id, &hash, &metadata).await?;
            existing
        }
        None => {
            let user = store::insert_user(
                &mut tx,
                store::NewAddress::Phone(&phone),
                Some(&hash),
                &metadata,
                !confirmations,
            )
            .await?;
            before_user_created(state, &mut tx, &user).await?;
            user
        }
    };
    if !confirmations {
        let session = sessions::start(state, &mut tx, &user, "password").await?;
        tx.commit().await?;
        return Ok(Json(session));
    }
    send_code(state, &mut tx, &user, SmsPurpose::Confirmation, &phone).await?;
    let user = store::user_by_id(&mut *tx, &user.id).await?.unwrap_or(user);
    let body = store::user_json(&mut tx, &user).await?;
    tx.commit().await?;
    Ok(Json(body))
}

/// A new anonymous user and their session (amr `anonymous`, `is_anonymous` in the token).
async fn sign_in_anonymously(
    state: &AppState,
    client: Option<&Client>,
    data: Option<Value>,
) -> ApiResult<Json<Value>> {
    if !state.config.enable_anonymous_sign_ins {
        return Err(ApiError::unprocessable(
            ErrorCode::AnonymousProviderDisabled,
            "Anonymous sign-ins are disabled",
        ));
    }
    if let Some(client) = client {
        state.rate_limit.check(Limiter::AnonymousSignIns, client)?;
    }
    let metadata = super::user_metadata(data);
    let mut tx = state.db.write.begin().await?;
    let user = store::insert_anonymous_user(&mut tx, &metadata).await?;
    before_user_created(state, &mut tx, &user).await?;
    let session = sessions::start(state, &mut tx, &user, "anonymous").await?;
    tx.commit().await?;
    Ok(Json(session))
}

/// What a repeated sign-up of a confirmed address answers: a plausible new user that does not exist.
fn obfuscated_user(email: &str, phone: &str, metadata: &Value) -> Value {
    let now = now_rfc3339();
    let provider = if phone.is_empty() { "email" } else { "phone" };
    json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "aud": "authenticated",
        "role": "authenticated",
        "email": email,
        "phone": phone,
        "confirmation_sent_at": now,
        "app_metadata": { "provider": provider, "providers": [provider] },
        "user_metadata": metadata,
        "identities": [],
        "created_at": now,
        "updated_at": now,
        "is_anonymous": false,
    })
}
