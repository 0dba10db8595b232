//! Mail-sending endpoints: `POST /otp` (magic link and code), `POST /magiclink`, `POST /recover`
//! and `POST /resend`. Each answers `{}`, also for unknown addresses where upstream does.

use axum::{
    Json,
    extract::{Query, State},
};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use super::{PkceParams, RedirectQuery, check_email_frequency, validate_email};
use crate::{
    error::{ApiError, ApiResult, ErrorCode},
    extract::ApiJson,
    mail::{self, Message, Template},
    redirect,
    state::AppState,
    store::{self, User},
    time::now_rfc3339,
};

/// A mail carrying a one-time token, about to be sent.
pub(super) struct TokenMail<'a> {
    pub template: Template,
    pub token_type: &'static str,
    /// Which timestamp records the sending, for the frequency limit.
    pub sent_at: SentAt,
    pub to: &'a str,
    pub pkce: Option<&'a super::Pkce>,
    pub redirect_to: &'a str,
}

/// The user columns that record when a kind of mail was last sent.
#[derive(Clone, Copy, Debug)]
pub(super) enum SentAt {
    Confirmation,
    Recovery,
    EmailChange,
    Reauthentication,
}

impl SentAt {
    fn update_sql(self) -> &'static str {
        match self {
            Self::Confirmation => {
                "UPDATE users SET confirmation_sent_at = ?, updated_at = ? WHERE id = ?"
            }
            Self::Recovery => "UPDATE users SET recovery_sent_at = ?, updated_at = ? WHERE id = ?",
            Self::EmailChange => {
                "UPDATE users SET email_change_sent_at = ?, updated_at = ? WHERE id = ?"
            }
            Self::Reauthentication => {
                "UPDATE users SET reauthentication_sent_at = ?, updated_at = ? WHERE id = ?"
            }
        }
    }
}

/// Issues the token, records the PKCE flow, stores the mail and stamps the sent time, in `tx`.
pub(super) async fn send_token_mail(
    state: &AppState,
    tx: &mut SqliteConnection,
    user: &User,
    mail: TokenMail<'_>,
) -> ApiResult<()> {
    if let Some(pkce) = mail.pkce {
        let flow_method = match mail.template {
            Template::Confirmation => "email/signup",
            Template::Recovery => "recovery",
            Template::EmailChange => "email_change",
            Template::MagicLink | Template::Reauthentication => "magiclink",
        };
        store::insert_flow_state(
            tx,
            Some(&user.id),
            flow_method,
            &pkce.challenge,
            pkce.method,
        )
        .await?;
    }
    let (code, token_hash) =
        store::issue_one_time_token(tx, &user.id, mail.token_type, mail.to, mail.pkce.is_some())
            .await?;
    let message = Message {
        template: mail.template,
        to: mail.to,
        code: &code,
        token_hash: &token_hash,
        redirect_to: mail.redirect_to,
    };
    mail::send(tx, state, message).await?;
    let now = now_rfc3339();
    sqlx::query(mail.sent_at.update_sql())
        .bind(&now)
        .bind(&now)
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

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
    Query(query): Query<RedirectQuery>,
    ApiJson(params): ApiJson<OtpParams>,
) -> ApiResult<Json<Value>> {
    send_otp(&state, query, params).await
}

/// The legacy magic-link endpoint: `/otp` that always creates the user.
pub async fn magiclink(
    State(state): State<AppState>,
    Query(query): Query<RedirectQuery>,
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
            let metadata = match params.data {
                Some(Value::Object(data)) => Value::Object(data),
                _ => json!({}),
            };
            store::insert_email_user(&mut tx, &email, None, &metadata, false).await?
        }
    };
    let mail = if user.is_confirmed() {
        check_email_frequency(state, user.recovery_sent_at.as_deref())?;
        TokenMail {
            template: Template::MagicLink,
            token_type: "recovery_token",
            sent_at: SentAt::Recovery,
            to: &email,
            pkce: pkce.as_ref(),
            redirect_to: &redirect_to,
        }
    } else {
        check_email_frequency(state, user.confirmation_sent_at.as_deref())?;
        TokenMail {
            template: Template::Confirmation,
            token_type: "confirmation_token",
            sent_at: SentAt::Confirmation,
            to: &email,
            pkce: pkce.as_ref(),
            redirect_to: &redirect_to,
        }
    };
    send_token_mail(state, &mut tx, &user, mail).await?;
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
    Query(query): Query<RedirectQuery>,
    ApiJson(params): ApiJson<RecoverParams>,
) -> ApiResult<Json<Value>> {
    let email = validate_email(params.email.as_deref().unwrap_or_default())?;
    let pkce = params.pkce.validate()?;
    let redirect_to = redirect::resolve(&state.config, query.redirect_to.as_deref());
    let mut tx = state.db.write.begin().await?;
    if let Some(user) = store::user_by_email(&mut *tx, &email).await? {
        check_email_frequency(&state, user.recovery_sent_at.as_deref())?;
        let mail = TokenMail {
            template: Template::Recovery,
            token_type: "recovery_token",
            sent_at: SentAt::Recovery,
            to: &email,
            pkce: pkce.as_ref(),
            redirect_to: &redirect_to,
        };
        send_token_mail(&state, &mut tx, &user, mail).await?;
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
    Query(query): Query<RedirectQuery>,
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
            let mail = TokenMail {
                template: Template::Confirmation,
                token_type: "confirmation_token",
                sent_at: SentAt::Confirmation,
                to: &email,
                pkce: pkce.as_ref(),
                redirect_to: &redirect_to,
            };
            send_token_mail(&state, &mut tx, &user, mail).await?;
        }
        "email_change" => {
            if let Some(new_email) = user.email_change.clone() {
                check_email_frequency(&state, user.email_change_sent_at.as_deref())?;
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
