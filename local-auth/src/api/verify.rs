//! `GET /verify` (email links: 303 to the app) and `POST /verify` (codes and token hashes: a session).

use axum::{Json, extract::State, http::StatusCode, response::Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use super::mails;
use crate::validate::{validate_email, validate_phone};
use crate::{
    crypto::token_hash,
    error::{ApiError, ApiResult, ErrorCode},
    extract::{ApiJson, ApiQuery},
    mail, redirect, sessions,
    state::AppState,
    store::{self, OneTimeToken, User},
    time::parse_rfc3339,
};

/// What a verification did.
enum Verified {
    /// The user is signed in (or, in a PKCE flow, may exchange the auth code).
    SignedIn {
        user: Box<User>,
        method: &'static str,
        flow_method: &'static str,
    },
    /// The first of two email-change confirmations; the other address must confirm too.
    FirstEmailChangeLeg,
}

/// The query of `GET /verify`.
#[derive(Debug, Deserialize)]
pub struct VerifyLinkQuery {
    token: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    redirect_to: Option<String>,
}

/// Follows an email link: 303 to `redirect_to` with tokens in the fragment, `?code=` in a PKCE flow,
/// or the error in the fragment (and query, in a PKCE flow).
pub async fn verify_link(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<VerifyLinkQuery>,
) -> Response {
    let redirect_to = redirect::resolve(&state.config, query.redirect_to.as_deref());
    let token = query.token.unwrap_or_default();
    let pkce = token.starts_with("pkce_");
    let outcome = match query.kind.as_deref() {
        Some(kind) if !token.is_empty() => verify(&state, kind, &token).await,
        _ => Err(ApiError::validation("Verify requires a token and a type")),
    };
    match outcome {
        Ok((
            Verified::SignedIn {
                user,
                method,
                flow_method,
            },
            kind,
        )) => {
            match link_success(
                &state,
                &user,
                method,
                flow_method,
                pkce,
                &redirect_to,
                &kind,
            )
            .await
            {
                Ok(location) => redirect::see_other(&location),
                Err(error) => redirect::see_other(&error_location(&redirect_to, &error, pkce)),
            }
        }
        Ok((Verified::FirstEmailChangeLeg, _)) => {
            let message = "Confirmation link accepted. Please proceed to confirm link sent to the other email";
            let fragment = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("message", message)
                .append_pair("sb", "")
                .finish();
            redirect::see_other(&format!("{redirect_to}#{fragment}"))
        }
        Err(error) => redirect::see_other(&error_location(&redirect_to, &error, pkce)),
    }
}

async fn link_success(
    state: &AppState,
    user: &User,
    method: &str,
    flow_method: &str,
    pkce: bool,
    redirect_to: &str,
    kind: &str,
) -> ApiResult<String> {
    let mut tx = state.db.write.begin().await?;
    let location = if pkce {
        let flow = store::latest_flow_state(&mut tx, &user.id, flow_method)
            .await?
            .ok_or_else(|| {
                ApiError::not_found(
                    ErrorCode::FlowStateNotFound,
                    "no valid flow state found for this link",
                )
            })?;
        store::mark_auth_code_issued(&mut tx, &flow.id).await?;
        let separator = if redirect_to.contains('?') { '&' } else { '?' };
        format!("{redirect_to}{separator}code={}", flow.auth_code)
    } else {
        let session = sessions::start(state, &mut tx, user, method).await?;
        let field = |name: &str| session[name].to_string().trim_matches('"').to_owned();
        let fragment = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("access_token", &field("access_token"))
            .append_pair("expires_at", &field("expires_at"))
            .append_pair("expires_in", &field("expires_in"))
            .append_pair("refresh_token", &field("refresh_token"))
            .append_pair("sb", "")
            .append_pair("token_type", "bearer")
            .append_pair("type", kind)
            .finish();
        format!("{redirect_to}#{fragment}")
    };
    tx.commit().await?;
    Ok(location)
}

fn error_location(redirect_to: &str, error: &ApiError, pkce: bool) -> String {
    let error_name = if error.status == StatusCode::INTERNAL_SERVER_ERROR {
        "server_error"
    } else {
        "access_denied"
    };
    let description = if error.code == ErrorCode::OtpExpired {
        "Email link is invalid or has expired"
    } else {
        error.message.as_str()
    };
    let params = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("error", error_name)
        .append_pair("error_code", error.code.as_str())
        .append_pair("error_description", description)
        .append_pair("sb", "")
        .finish();
    if pkce {
        let separator = if redirect_to.contains('?') { '&' } else { '?' };
        format!("{redirect_to}{separator}{params}#{params}")
    } else {
        format!("{redirect_to}#{params}")
    }
}

/// The body of `POST /verify`.
#[derive(Debug, Deserialize)]
pub struct VerifyParams {
    #[serde(rename = "type")]
    kind: Option<String>,
    token: Option<String>,
    token_hash: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

/// Verifies a code (`email` + `token`) or a `token_hash`; answers with a session.
pub async fn verify_code(
    State(state): State<AppState>,
    ApiJson(params): ApiJson<VerifyParams>,
) -> ApiResult<Json<Value>> {
    let kind = params
        .kind
        .filter(|kind| !kind.is_empty())
        .ok_or_else(|| ApiError::validation("Verify requires a verification type"))?;
    let present = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.is_empty());
    let mut typed_for = None;
    let hash = if present(&params.token_hash) {
        if present(&params.email) || present(&params.phone) {
            return Err(ApiError::validation(
                "Only the token_hash and type should be provided",
            ));
        }
        params.token_hash.unwrap_or_default()
    } else {
        let token = params.token.unwrap_or_default();
        let address = match (params.email.as_deref(), params.phone.as_deref()) {
            (Some(email), _) if !email.is_empty() => validate_email(email)?,
            (_, Some(phone)) if !phone.is_empty() => validate_phone(phone)?,
            _ => {
                return Err(ApiError::validation(
                    "Only an email address or phone number should be provided on verify",
                ));
            }
        };
        let hash = token_hash(&address, token.trim());
        typed_for = Some(address);
        hash
    };
    let verified = match verify(&state, &kind, &hash).await {
        Err(error) if error.code == ErrorCode::OtpExpired => {
            // A typed code that matched nothing: a wrong guess at the codes sent to the address.
            if let Some(address) = typed_for {
                let mut tx = state.db.write.begin().await?;
                store::count_wrong_code(&mut tx, &address).await?;
                tx.commit().await?;
            }
            return Err(error);
        }
        other => other?,
    };
    match verified {
        (Verified::SignedIn { user, method, .. }, _) => {
            let mut tx = state.db.write.begin().await?;
            let session = sessions::start(&state, &mut tx, &user, method).await?;
            tx.commit().await?;
            Ok(Json(session))
        }
        (Verified::FirstEmailChangeLeg, _) => Ok(Json(json!({
            "msg": "Confirmation link accepted. Please proceed to confirm link sent to the other email",
            "code": 200,
        }))),
    }
}

fn expired() -> ApiError {
    ApiError::forbidden(ErrorCode::OtpExpired, "Token has expired or is invalid")
}

/// The token types a verification `kind` accepts, in the order they are tried.
fn token_types(kind: &str) -> ApiResult<&'static [&'static str]> {
    Ok(match kind {
        "signup" | "invite" => &["confirmation_token"],
        "magiclink" | "recovery" => &["recovery_token"],
        "email" => &["confirmation_token", "recovery_token"],
        "email_change" => &["email_change_token_new", "email_change_token_current"],
        "sms" => &["confirmation_token"],
        "phone_change" => &["phone_change_token"],
        _ => {
            return Err(ApiError::validation(format!(
                "Unsupported verification type {kind:?}"
            )));
        }
    })
}

/// Consumes the one-time token with `hash` for `kind` and applies its effect.
async fn verify(state: &AppState, kind: &str, hash: &str) -> ApiResult<(Verified, String)> {
    let accepted = token_types(kind)?;
    let mut tx = state.db.write.begin().await?;
    let candidates = store::one_time_tokens_by_hash(&mut *tx, hash).await?;
    let token = accepted
        .iter()
        .find_map(|accepted| candidates.iter().find(|t| t.token_type == *accepted))
        .filter(|token| token.token_hash == hash || token.token_hash == format!("pkce_{hash}"))
        .cloned()
        .ok_or_else(expired)?;
    let expiry = if matches!(kind, "sms" | "phone_change") {
        state.config.sms.otp_expiry
    } else {
        state.config.email_otp_expiry
    };
    let expiry = i64::try_from(expiry).unwrap_or(i64::MAX);
    let created = parse_rfc3339(Some(&token.created_at)).unwrap_or_else(Utc::now);
    if (Utc::now() - created).num_seconds() > expiry {
        return Err(expired());
    }
    let user = store::user_by_id(&mut *tx, &token.user_id)
        .await?
        .ok_or_else(expired)?;
    if user.is_banned() {
        return Err(ApiError::bad_request(
            ErrorCode::UserBanned,
            "User is banned",
        ));
    }
    // An `email` verification is a sign-up confirmation or a magic link, by the token it matched.
    let kind = match token.token_type.as_str() {
        "confirmation_token" if kind == "email" => "signup",
        "recovery_token" if kind == "email" => "magiclink",
        _ => kind,
    };
    let verified = apply(state, &mut tx, &user, &token, kind).await?;
    tx.commit().await?;
    Ok((verified, kind.to_owned()))
}

async fn apply(
    state: &AppState,
    tx: &mut SqliteConnection,
    user: &User,
    token: &OneTimeToken,
    kind: &str,
) -> ApiResult<Verified> {
    store::delete_one_time_token(tx, &user.id, &token.token_type).await?;
    let flow_method = match token.token_type.as_str() {
        "confirmation_token" if kind == "sms" => {
            store::confirm_phone(tx, &user.id).await?;
            "otp"
        }
        "phone_change_token" => {
            super::phone::change_phone(state, tx, user).await?;
            "phone_change"
        }
        "confirmation_token" => {
            store::confirm_email(tx, &user.id).await?;
            if kind == "invite" {
                "invite"
            } else {
                "email/signup"
            }
        }
        "recovery_token" => {
            store::confirm_email(tx, &user.id).await?;
            if kind == "recovery" {
                "recovery"
            } else {
                "magiclink"
            }
        }
        _ => {
            let other_leg_pending =
                state.config.double_confirm_changes && user.email_change_confirm_status == 0;
            let remaining = store::email_change_pending(&mut *tx, &user.id).await?;
            if other_leg_pending && remaining {
                store::set_field(
                    &mut *tx,
                    &user.id,
                    store::Field::FirstEmailChangeLegConfirmed,
                )
                .await?;
                return Ok(Verified::FirstEmailChangeLeg);
            }
            let new_email = user.email_change.clone().ok_or_else(expired)?;
            if user.is_anonymous {
                store::make_permanent_with_email(tx, &user.id, &new_email).await?;
            } else {
                store::complete_email_change(tx, &user.id, &new_email).await?;
                // Told at the address the account had until now.
                let changed = store::user_by_id(&mut *tx, &user.id)
                    .await?
                    .ok_or_else(expired)?;
                let details = mail::Details {
                    old_email: user.email.clone(),
                    ..mail::Details::default()
                };
                let notification = mail::Notification::EmailChanged;
                mails::notify(
                    tx,
                    state,
                    &changed,
                    notification,
                    user.email.as_deref(),
                    details,
                )
                .await?;
            }
            store::revoke_mail_tokens(tx, &user.id).await?;
            "email_change"
        }
    };
    let user = store::user_by_id(&mut *tx, &user.id)
        .await?
        .ok_or_else(expired)?;
    Ok(Verified::SignedIn {
        user: Box::new(user),
        method: "otp",
        flow_method,
    })
}
