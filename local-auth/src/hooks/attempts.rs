//! The hooks that decide on an attempt: the password and MFA verification attempt hooks (which may
//! reject a sign-in, and end the user's sessions) and the before-user-created hook (which may
//! refuse a new user). Each returns upstream's answer for a rejection, or passes.

use serde_json::{Value, json};
use sqlx::SqliteConnection;

use super::HookName;
use crate::{
    error::{ApiError, ApiResult, ErrorCode},
    state::AppState,
    store,
};

/// Upstream's word for a rejection in a hook's `decision`.
const REJECT: &str = "reject";

/// What a verification attempt hook decided.
struct Decision {
    reject: bool,
    message: Option<String>,
    should_logout_user: bool,
}

impl Decision {
    fn of(output: Option<&Value>) -> Self {
        let text = |key: &str| {
            output
                .and_then(|output| output.get(key))
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        Self {
            reject: text("decision").as_deref() == Some(REJECT),
            message: text("message"),
            should_logout_user: output
                .and_then(|output| output.get("should_logout_user"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }
    }
}

/// The password verification attempt hook, told whether the password was right: its rejection
/// (400 `invalid_credentials` with its message; with `should_logout_user`, every session of the
/// user ends first), or `None` to go on.
pub async fn password_verification(
    state: &AppState,
    user_id: &str,
    valid: bool,
) -> ApiResult<Option<ApiError>> {
    if !state.hooks.enabled(HookName::PasswordVerificationAttempt) {
        return Ok(None);
    }
    let output = state
        .hooks
        .run(
            HookName::PasswordVerificationAttempt,
            json!({ "user_id": user_id, "valid": valid }),
        )
        .await?;
    let decision = Decision::of(output.as_ref());
    if !decision.reject {
        return Ok(None);
    }
    if decision.should_logout_user {
        let mut tx = state.db.write.begin().await?;
        store::end_sessions(&mut tx, user_id, "", store::Scope::Global).await?;
        tx.commit().await?;
    }
    Ok(Some(ApiError::bad_request(
        ErrorCode::InvalidCredentials,
        decision.message.unwrap_or_else(|| {
            "Further password verification attempts will be rejected.".to_owned()
        }),
    )))
}

/// The MFA verification attempt hook, told whether the code was right: its rejection (403
/// `mfa_verification_rejected`; the caller ends the user's sessions, as upstream always does on
/// a rejection), or `None` to go on.
pub async fn mfa_verification(
    state: &AppState,
    user_id: &str,
    factor_id: &str,
    factor_type: &str,
    valid: bool,
) -> ApiResult<Option<ApiError>> {
    if !state.hooks.enabled(HookName::MfaVerificationAttempt) {
        return Ok(None);
    }
    let output = state
        .hooks
        .run(
            HookName::MfaVerificationAttempt,
            json!({
                "user_id": user_id,
                "factor_id": factor_id,
                "factor_type": factor_type,
                "valid": valid,
            }),
        )
        .await?;
    let decision = Decision::of(output.as_ref());
    Ok(decision.reject.then(|| {
        ApiError::forbidden(
            ErrorCode::MfaVerificationRejected,
            decision.message.unwrap_or_else(|| {
                "Further MFA verification attempts will be rejected.".to_owned()
            }),
        )
    }))
}

/// The before-user-created hook, shown the user just inserted in `db`'s open transaction (as
/// `GET /user` would show it): `Err` with the hook's answer when it refuses, and the caller's
/// transaction, dropped, takes the user back.
pub async fn before_user_created(
    state: &AppState,
    db: &mut SqliteConnection,
    user: &store::User,
) -> ApiResult<()> {
    if state.hooks.enabled(HookName::BeforeUserCreated) {
        let user = store::user_json(db, user).await?;
        state
            .hooks
            .run(HookName::BeforeUserCreated, json!({ "user": user }))
            .await?;
    }
    Ok(())
}
