//! Phone numbers and the texted codes of phone sign-up, sign-in, number changes and phone
//! factors. There is no SMS provider here: each text is stored in the development mailbox, marked
//! as SMS (or handed to the send-SMS hook).

use sqlx::SqliteConnection;

use super::mails;
use crate::{
    error::{ApiError, ApiResult, ErrorCode},
    hooks::HookName,
    html::escape,
    mail,
    state::AppState,
    store::{self, User},
};

/// What a text is for; decides the token type and the sent-at column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SmsPurpose {
    /// Confirm a sign-up, or sign in with a code (upstream uses one token for both).
    Confirmation,
    /// Confirm a new number.
    PhoneChange,
    /// Authorise a password change of a user without an email address.
    Reauthentication,
}

impl SmsPurpose {
    /// The `one_time_tokens.token_type`.
    pub(super) fn token_type(self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation_token",
            Self::PhoneChange => "phone_change_token",
            Self::Reauthentication => "reauthentication_token",
        }
    }

    /// The "sent at" time a text of this kind sets, for the frequency limit.
    fn sent(self) -> store::Sent {
        match self {
            Self::Confirmation => store::Sent::Confirmation,
            Self::PhoneChange => store::Sent::PhoneChange,
            Self::Reauthentication => store::Sent::Reauthentication,
        }
    }
}

/// 422 `phone_provider_disabled` unless phone sign-in is on.
pub(super) fn require_phone_provider(state: &AppState) -> ApiResult<()> {
    if state.config.sms.enable_signup {
        Ok(())
    } else {
        Err(ApiError::unprocessable(
            ErrorCode::PhoneProviderDisabled,
            "Phone signups are disabled",
        ))
    }
}

/// 429 when the last text of this kind went out less than `sms.max_frequency` seconds ago.
pub(super) fn check_sms_frequency(state: &AppState, last_sent: Option<&str>) -> ApiResult<()> {
    check_frequency(state.config.sms.max_frequency, last_sent)
}

/// 429 `over_sms_send_rate_limit` when `last_sent` is less than `seconds` ago.
pub(super) fn check_frequency(seconds: u64, last_sent: Option<&str>) -> ApiResult<()> {
    let frequency = i64::try_from(seconds).unwrap_or(i64::MAX);
    match crate::time::seconds_since(last_sent) {
        Some(elapsed) if elapsed < frequency => {
            let left = u64::try_from(frequency - elapsed).unwrap_or(1);
            Err(ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::OverSmsSendRateLimit,
                format!("For security purposes, you can only request this after {left} seconds."),
            )
            .retry_after(left))
        }
        _ => Ok(()),
    }
}

/// Issues a code for `purpose`, texts it to `phone` (into the mailbox, or through the send-SMS
/// hook when it is on) and stamps the sent time; returns the message id (empty when the hook
/// sent it, as upstream).
pub(super) async fn send_code(
    state: &AppState,
    tx: &mut SqliteConnection,
    user: &User,
    purpose: SmsPurpose,
    phone: &str,
) -> ApiResult<String> {
    let (code, _) =
        store::issue_one_time_token(tx, &user.id, purpose.token_type(), phone, false).await?;
    let text = Text {
        code: &code,
        message: &format!("Your code is {code}"),
        sms_type: None,
    };
    let id = deliver(state, tx, user, phone, text).await?;
    store::stamp_sent(&mut *tx, &user.id, purpose.sent()).await?;
    Ok(id)
}

/// A text to send: its code, the message that carries it, and for the send-SMS hook what it is
/// for (`mfa`; upstream's other types are not sent with one here).
pub(super) struct Text<'a> {
    pub(super) code: &'a str,
    pub(super) message: &'a str,
    pub(super) sms_type: Option<&'a str>,
}

/// Texts `text` to `phone`: through the send-SMS hook when it is on, else into the mailbox;
/// returns the mailbox message's id (empty when the hook sent it, as upstream).
pub(super) async fn deliver(
    state: &AppState,
    tx: &mut SqliteConnection,
    user: &User,
    phone: &str,
    text: Text<'_>,
) -> ApiResult<String> {
    if state.hooks.enabled(HookName::SendSms) {
        let user_json = store::user_json(tx, user).await?;
        let mut sms = serde_json::json!({ "otp": text.code, "phone": phone });
        if let Some(sms_type) = text.sms_type {
            sms["sms_type"] = sms_type.into();
        }
        state
            .hooks
            .run(
                HookName::SendSms,
                serde_json::json!({ "user": user_json, "sms": sms }),
            )
            .await?;
        return Ok(String::new());
    }
    let id = uuid::Uuid::new_v4().to_string();
    let html = format!("<p>{}</p>", escape(text.message));
    store::insert_mail(
        &mut *tx,
        &id,
        store::Channel::Sms,
        &format!("+{phone}"),
        "SMS",
        &html,
        text.message,
    )
    .await?;
    Ok(id)
}

/// Moves the user to their confirmed new number: the phone identity follows (or is created), an
/// anonymous user becomes permanent, and the phone-changed notification goes out when enabled.
pub(super) async fn change_phone(
    state: &AppState,
    db: &mut SqliteConnection,
    user: &User,
) -> ApiResult<()> {
    let new_phone = user.phone_change.clone().ok_or_else(|| {
        ApiError::forbidden(ErrorCode::OtpExpired, "Token has expired or is invalid")
    })?;
    if !store::complete_phone_change(db, &user.id, &new_phone).await? {
        let data = serde_json::json!({
            "sub": user.id, "phone": new_phone, "email_verified": false, "phone_verified": true,
        });
        store::insert_identity(db, &user.id, "phone", &user.id, &data, None).await?;
    }
    let primary = user.is_anonymous.then_some("phone");
    store::refresh_providers(db, &user.id, primary).await?;
    if user.phone.is_some() {
        let changed = store::user_by_id(&mut *db, &user.id)
            .await?
            .unwrap_or_else(|| user.clone());
        let details = mail::Details {
            old_phone: user.phone.clone(),
            ..mail::Details::default()
        };
        mails::notify(
            db,
            state,
            &changed,
            mail::Notification::PhoneChanged,
            None,
            details,
        )
        .await?;
    }
    Ok(())
}
