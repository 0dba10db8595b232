//! `/factors`: multi-factor authentication. A TOTP factor's enrolment gives a secret, its
//! `otpauth://` URI and a QR code, and a verified code on a challenge raises the session to `aal2`
//! (amr `totp`). A `webauthn` factor (a security key or passkey as second factor) registers its
//! credential answering its first challenge (`create`), and later challenges (`request`) are
//! answered with an assertion; either raises the session to `aal2` (amr `webauthn`). A `phone`
//! factor's challenge texts a code (into the mailbox, or through the send-SMS hook), answered from
//! the same address within five minutes; it raises the session to `aal2` (amr `mfa/phone`).

use axum::{
    Json,
    extract::{Path, State},
};
use chrono::{Duration, Utc};
use qrcode::{QrCode, render::svg};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;
use totp_rs::{Algorithm, TOTP};

use super::{mails, phone};
use crate::{
    bearer::Caller,
    crypto,
    error::{ApiError, ApiResult, ErrorCode},
    extract::ApiJson,
    mail,
    rate_limit::Client,
    sessions,
    state::AppState,
    store::{self, Factor, NewFactor, Pending},
    time::parse_rfc3339,
    validate::validate_phone,
    webauthn::{self, Assertion, Purpose, load_credential, verification_failed},
};

/// Upstream's default limit of factors per user.
const MAX_FACTORS: usize = 10;
/// How long a challenge can be answered.
const CHALLENGE_SECONDS: i64 = 300;
/// TOTP as authenticator apps expect it: SHA-1, 6 digits, 30-second steps.
const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;

async fn factor_of(db: &mut SqliteConnection, caller: &Caller, id: &str) -> ApiResult<Factor> {
    store::factor_of(db, id, &caller.user.id)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::MfaFactorNotFound, "Factor not found"))
}

/// Anonymous users cannot use MFA, as upstream.
pub(super) fn require_permanent(caller: &Caller) -> ApiResult<()> {
    if caller.user.is_anonymous {
        return Err(ApiError::forbidden(
            ErrorCode::NoAuthorization,
            "Anonymous user not allowed to perform these actions",
        ));
    }
    Ok(())
}

fn totp(secret: Vec<u8>, issuer: String, account: String) -> ApiResult<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECONDS,
        secret,
        Some(issuer),
        account,
    )
    .map_err(ApiError::internal)
}

/// The body of `POST /factors`.
#[derive(Debug, Deserialize)]
pub struct EnrollParams {
    factor_type: String,
    friendly_name: Option<String>,
    issuer: Option<String>,
    phone: Option<String>,
}

/// `POST /factors`: a new unverified factor: TOTP with its secret, URI and QR code (SVG),
/// `webauthn`, or `phone` with its number (an unverified factor of the same number is replaced).
pub async fn enroll(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(params): ApiJson<EnrollParams>,
) -> ApiResult<Json<Value>> {
    require_permanent(&caller)?;
    match params.factor_type.as_str() {
        "totp" => {}
        "webauthn" if state.config.webauthn.mfa_enroll => {}
        "phone" if state.config.mfa_phone.enroll_enabled => {}
        "phone" => {
            return Err(ApiError::unprocessable(
                ErrorCode::MfaPhoneEnrollNotEnabled,
                "MFA enroll is disabled for Phone",
            ));
        }
        "webauthn" => {
            return Err(ApiError::unprocessable(
                ErrorCode::MfaWebauthnEnrollNotEnabled,
                "MFA enroll is disabled for WebAuthn",
            ));
        }
        _ => {
            return Err(ApiError::validation(
                "factor_type needs to be totp, phone or webauthn",
            ));
        }
    }
    let friendly_name = params
        .friendly_name
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty());
    let user = &caller.user;
    let phone = match (params.factor_type.as_str(), params.phone) {
        ("phone", Some(given)) if !given.trim().is_empty() => {
            let number = validate_phone(&given)?;
            Some((given, number))
        }
        ("phone", _) => {
            return Err(ApiError::validation(
                "Phone number required to enroll Phone factor",
            ));
        }
        _ => None,
    };

    let mut tx = state.db.write.begin().await?;
    let mut factors = store::factors_of(&mut *tx, &user.id).await?;
    if let Some((_, number)) = &phone {
        replace_unverified_phone(&mut tx, &mut factors, number).await?;
    }
    if factors.len() >= MAX_FACTORS {
        return Err(ApiError::unprocessable(
            ErrorCode::TooManyEnrolledMfaFactors,
            "Maximum number of verified factors reached, unenroll to continue",
        ));
    }
    if factors.iter().any(Factor::is_verified) && caller.claims.aal != "aal2" {
        return Err(ApiError::forbidden(
            ErrorCode::InsufficientAal,
            "AAL2 required to enroll a new factor",
        ));
    }
    if let Some(name) = &friendly_name
        && factors
            .iter()
            .any(|factor| factor.friendly_name.as_ref() == Some(name))
    {
        return Err(ApiError::unprocessable(
            ErrorCode::MfaFactorNameConflict,
            format!("A factor with the friendly name \"{name}\" for this user already exists"),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    if let Some((given, number)) = phone {
        let name = friendly_name.as_deref();
        store::insert_factor(&mut *tx, &id, &user.id, name, NewFactor::Phone(&number)).await?;
        tx.commit().await?;
        return Ok(Json(json!({
            "id": id,
            "type": "phone",
            "friendly_name": friendly_name.unwrap_or_default(),
            "phone": given,
        })));
    }
    if params.factor_type == "webauthn" {
        let name = friendly_name.as_deref();
        store::insert_factor(&mut *tx, &id, &user.id, name, NewFactor::Webauthn).await?;
        tx.commit().await?;
        return Ok(Json(json!({
            "id": id,
            "type": "webauthn",
            "friendly_name": friendly_name.unwrap_or_default(),
        })));
    }
    let issuer = params
        .issuer
        .filter(|issuer| !issuer.is_empty())
        .or_else(|| state.config.site_url.host_str().map(str::to_owned))
        .unwrap_or_else(|| "local-auth".to_owned());
    let account = user
        .email
        .clone()
        .or_else(|| user.phone.clone())
        .unwrap_or_default();
    let totp = totp(crypto::random_bytes::<20>().to_vec(), issuer, account)?;
    let secret = totp.get_secret_base32();
    let uri = totp.get_url();
    let qr_code = QrCode::new(uri.as_bytes())
        .map_err(ApiError::internal)?
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();

    let name = friendly_name.as_deref();
    store::insert_factor(&mut *tx, &id, &user.id, name, NewFactor::Totp(&secret)).await?;
    tx.commit().await?;
    Ok(Json(json!({
        "id": id,
        "type": "totp",
        "friendly_name": friendly_name.unwrap_or_default(),
        "totp": { "qr_code": qr_code, "secret": secret, "uri": uri },
    })))
}

/// Among the user's `factors`, a verified one of `number` stays (422
/// `mfa_verified_factor_exists`); an unverified one gives way to the new enrolment, as upstream,
/// and leaves the list.
async fn replace_unverified_phone(
    db: &mut SqliteConnection,
    factors: &mut Vec<Factor>,
    number: &str,
) -> ApiResult<()> {
    let of_number = |factor: &Factor| factor.phone.as_deref() == Some(number);
    if factors
        .iter()
        .any(|factor| of_number(factor) && factor.is_verified())
    {
        return Err(ApiError::unprocessable(
            ErrorCode::MfaVerifiedFactorExists,
            "A verified phone factor already exists, unenroll the existing factor to continue",
        ));
    }
    for factor in factors.iter().filter(|factor| of_number(factor)) {
        store::delete_factor(&mut *db, &factor.id).await?;
    }
    factors.retain(|factor| !of_number(factor));
    Ok(())
}

/// The body of `POST /factors/{id}/challenge` (a phone factor's channel; others send none).
#[derive(Debug, Default, Deserialize)]
pub struct ChallengeParams {
    #[serde(default)]
    channel: Option<String>,
}

/// `POST /factors/{id}/challenge`: a challenge to answer within five minutes; for a `webauthn`
/// factor with the options of its ceremony (`create` until its credential is registered, then
/// `request`); for a `phone` factor it texts the code (`channel` `sms`, the default, or
/// `whatsapp`; both land in the mailbox), at most once per `[auth.mfa.phone] max_frequency`.
pub async fn challenge(
    State(state): State<AppState>,
    Path(factor_id): Path<String>,
    caller: Caller,
    ApiJson(params): ApiJson<ChallengeParams>,
) -> ApiResult<Json<Value>> {
    require_permanent(&caller)?;
    let mut tx = state.db.write.begin().await?;
    let factor = factor_of(&mut tx, &caller, &factor_id).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = Utc::now();
    let created_at = crate::time::format_rfc3339(now);
    let ceremony = match factor.factor_type.as_str() {
        "webauthn" => {
            let ceremony = webauthn_ceremony(&state, &mut tx, &caller, &factor).await?;
            let pending = Pending::Ceremony(&ceremony.2);
            store::insert_challenge(&mut tx, &id, &factor.id, &created_at, pending).await?;
            Some(ceremony)
        }
        "phone" => {
            let at = &created_at;
            text_challenge(&state, &mut tx, &caller, &factor, &id, at, params.channel).await?;
            None
        }
        _ => {
            store::insert_challenge(&mut tx, &id, &factor.id, &created_at, Pending::Code).await?;
            None
        }
    };
    tx.commit().await?;
    let mut response = json!({
        "id": id,
        "type": factor.factor_type,
        "expires_at": (now + Duration::seconds(CHALLENGE_SECONDS)).timestamp(),
    });
    if let Some((kind, options, _)) = ceremony {
        response["webauthn"] = json!({
            "type": kind,
            "credential_options": { "publicKey": options },
        });
    }
    Ok(Json(response))
}

/// Texts a new code for challenge `id` of phone `factor` and records the challenge with the
/// code's hash and the caller's address.
async fn text_challenge(
    state: &AppState,
    db: &mut SqliteConnection,
    caller: &Caller,
    factor: &Factor,
    id: &str,
    created_at: &str,
    channel: Option<String>,
) -> ApiResult<()> {
    let config = &state.config.mfa_phone;
    if !config.verify_enabled {
        return Err(ApiError::unprocessable(
            ErrorCode::MfaPhoneVerifyNotEnabled,
            "MFA verification is disabled for Phone",
        ));
    }
    if !matches!(channel.as_deref(), None | Some("" | "sms" | "whatsapp")) {
        return Err(ApiError::validation(
            "Invalid channel, supported values are 'sms' or 'whatsapp'. 'whatsapp' is only supported if Twilio or Twilio Verify is used as the provider.",
        ));
    }
    phone::check_frequency(config.max_frequency, factor.last_challenged_at.as_deref())?;
    let number = factor
        .phone
        .as_deref()
        .ok_or_else(|| ApiError::internal(format!("phone factor {} has no number", factor.id)))?;
    let code = crypto::otp(config.otp_length);
    let message = gotmpl::Template::new("mfa.phone.template")
        .parse(&config.template)
        .and_then(|template| {
            template.execute_to_string(&gotmpl::to_value(&json!({ "Code": code }))?)
        })
        .map_err(|error| ApiError::internal(format!("the MFA text template: {error}")))?;
    let ip_address = Client::current()
        .map(|client| client.0.to_string())
        .unwrap_or_default();
    let code_hash = crypto::token_hash(id, &code);
    let pending = Pending::Text {
        code_hash: &code_hash,
        ip_address: &ip_address,
    };
    store::insert_challenge(db, id, &factor.id, created_at, pending).await?;
    let text = phone::Text {
        code: &code,
        message: &message,
        sms_type: Some("mfa"),
    };
    phone::deliver(state, db, &caller.user, number, text).await?;
    Ok(())
}

/// The ceremony a `webauthn` factor's challenge starts: its kind (`create` or `request`), the
/// options for the browser and the state to keep.
async fn webauthn_ceremony(
    state: &AppState,
    db: &mut SqliteConnection,
    caller: &Caller,
    factor: &Factor,
) -> ApiResult<(&'static str, Value, String)> {
    if !state.config.webauthn.mfa_verify {
        return Err(ApiError::unprocessable(
            ErrorCode::MfaWebauthnVerifyNotEnabled,
            "MFA verification is disabled for WebAuthn",
        ));
    }
    let party = &state.relying_party;
    match factor
        .web_authn_credential
        .as_deref()
        .and_then(load_credential)
    {
        Some(credential) if factor.is_verified() => {
            let (options, data) = party.start_authentication(vec![credential])?;
            Ok(("request", options, data))
        }
        _ => {
            // The user's other security keys may not register twice.
            let exclude = store::factors_of(&mut *db, &caller.user.id)
                .await?
                .iter()
                .filter_map(|other| other.web_authn_credential.as_deref())
                .filter_map(load_credential)
                .map(|credential| credential.cred_id)
                .collect();
            let (options, data) =
                party.start_registration(&caller.user, Purpose::SecondFactor, exclude)?;
            Ok(("create", options, data))
        }
    }
}

/// The body of `POST /factors/{id}/verify`.
#[derive(Debug, Deserialize)]
pub struct VerifyParams {
    challenge_id: String,
    #[serde(default)]
    code: String,
    webauthn: Option<WebauthnAnswer>,
}

/// The `webauthn` member of a verification: the ceremony's kind and the browser's answer.
#[derive(Debug, Deserialize)]
pub struct WebauthnAnswer {
    #[serde(rename = "type", default)]
    kind: String,
    credential_response: Option<Value>,
}

/// `POST /factors/{id}/verify`: a correct, unused code raises the session to `aal2` and returns
/// it with a new refresh token. The first verification also ends the user's other `aal1` sessions.
pub async fn verify(
    State(state): State<AppState>,
    Path(factor_id): Path<String>,
    caller: Caller,
    ApiJson(params): ApiJson<VerifyParams>,
) -> ApiResult<Json<Value>> {
    require_permanent(&caller)?;
    let mut tx = state.db.write.begin().await?;
    let factor = factor_of(&mut tx, &caller, &factor_id).await?;
    let challenge = store::challenge(&mut *tx, &params.challenge_id, &factor.id).await?;
    let Some(challenge) = challenge.filter(|challenge| challenge.verified_at.is_none()) else {
        return Err(ApiError::unprocessable(
            ErrorCode::MfaFactorNotFound,
            "MFA factor with the provided challenge ID not found",
        ));
    };
    let expired = parse_rfc3339(Some(&challenge.created_at))
        .is_none_or(|at| at + Duration::seconds(CHALLENGE_SECONDS) < Utc::now());
    if expired {
        return Err(ApiError::unprocessable(
            ErrorCode::MfaChallengeExpired,
            format!(
                "MFA challenge {} has expired, verify against another challenge or create a new challenge.",
                params.challenge_id
            ),
        ));
    }
    let method = if factor.factor_type == "webauthn" {
        let credential = webauthn_answer(&state, &factor, &challenge, params.webauthn)?;
        let answer = store::Answer::Webauthn(&credential);
        store::answer_challenge(&mut tx, &params.challenge_id, &factor.id, answer).await?;
        store::delete_unverified_factors(&mut *tx, &caller.user.id, "webauthn").await?;
        "webauthn"
    } else if factor.factor_type == "phone" {
        let right = text_answer(&state, &challenge, &params.challenge_id, &params.code)?;
        if let Some(rejection) = crate::hooks::attempts::mfa_verification(
            &state,
            &caller.user.id,
            &factor.id,
            &factor.factor_type,
            right,
        )
        .await?
        {
            store::end_sessions(&mut tx, &caller.user.id, "", store::Scope::Global).await?;
            tx.commit().await?;
            return Err(rejection);
        }
        if !right {
            return Err(ApiError::unprocessable(
                ErrorCode::MfaVerificationFailed,
                "Invalid MFA Phone code entered",
            ));
        }
        let answer = store::Answer::Text;
        store::answer_challenge(&mut tx, &params.challenge_id, &factor.id, answer).await?;
        store::delete_unverified_factors(&mut *tx, &caller.user.id, "phone").await?;
        "mfa/phone"
    } else {
        if params.code.trim().is_empty() {
            return Err(ApiError::validation("Code needs to be non-empty"));
        }
        let step = matching_step(&factor, params.code.trim())?;
        if let Some(rejection) = crate::hooks::attempts::mfa_verification(
            &state,
            &caller.user.id,
            &factor.id,
            &factor.factor_type,
            step.is_some(),
        )
        .await?
        {
            // The hook's decision stands, and so does the sign-out it brings.
            store::end_sessions(&mut tx, &caller.user.id, "", store::Scope::Global).await?;
            tx.commit().await?;
            return Err(rejection);
        }
        let step = step.ok_or_else(|| {
            ApiError::unprocessable(
                ErrorCode::MfaVerificationFailed,
                "Invalid TOTP code entered",
            )
        })?;
        let answer = store::Answer::TotpStep(step);
        store::answer_challenge(&mut tx, &params.challenge_id, &factor.id, answer).await?;
        "totp"
    };

    let session_id = &caller.claims.session_id;
    sessions::raise_to_aal2(
        &mut tx,
        &caller.user.id,
        session_id,
        method,
        !factor.is_verified(),
    )
    .await?;
    let refresh_token =
        store::insert_refresh_token(&mut tx, &caller.user.id, session_id, None).await?;
    let user = store::user_by_id(&mut *tx, &caller.user.id)
        .await?
        .unwrap_or(caller.user);
    if !factor.is_verified() {
        let details = mail::Details {
            factor_type: Some(factor.factor_type.clone()),
            ..mail::Details::default()
        };
        let notification = mail::Notification::MfaFactorEnrolled;
        mails::notify(&mut tx, &state, &user, notification, None, details).await?;
    }
    let session =
        sessions::token_response(&state, &mut tx, &user, session_id, &refresh_token, method)
            .await?;
    tx.commit().await?;
    Ok(Json(session))
}

/// Whether `code` is the one texted for a phone factor's challenge; 422
/// `mfa_ip_address_mismatch` when it is answered from another address than asked for it, as
/// upstream.
fn text_answer(
    state: &AppState,
    challenge: &store::Challenge,
    challenge_id: &str,
    code: &str,
) -> ApiResult<bool> {
    if !state.config.mfa_phone.verify_enabled {
        return Err(ApiError::unprocessable(
            ErrorCode::MfaPhoneVerifyNotEnabled,
            "MFA verification is disabled for Phone",
        ));
    }
    let here = Client::current()
        .map(|client| client.0.to_string())
        .unwrap_or_default();
    if challenge.ip_address.as_deref() != Some(here.as_str()) {
        return Err(ApiError::unprocessable(
            ErrorCode::MfaIpAddressMismatch,
            "Challenge and verify IP addresses mismatch.",
        ));
    }
    let code = code.trim();
    if code.is_empty() {
        return Err(ApiError::validation("Code needs to be non-empty"));
    }
    let stored = challenge.otp_code.as_deref().unwrap_or_default();
    Ok(crypto::constant_time_eq(
        &crypto::token_hash(challenge_id, code),
        stored,
    ))
}

/// Checks the answer to a `webauthn` factor's challenge: the credential to store (new from a
/// `create` ceremony, or with its new counter after a `request`).
fn webauthn_answer(
    state: &AppState,
    factor: &Factor,
    challenge: &store::Challenge,
    answer: Option<WebauthnAnswer>,
) -> ApiResult<String> {
    if !state.config.webauthn.mfa_verify {
        return Err(ApiError::unprocessable(
            ErrorCode::MfaWebauthnVerifyNotEnabled,
            "MFA verification is disabled for WebAuthn",
        ));
    }
    let answer = answer.ok_or_else(|| ApiError::validation("WebAuthn config required"))?;
    let response = answer
        .credential_response
        .ok_or_else(|| ApiError::validation("credential_response required"))?;
    let ceremony = challenge
        .web_authn_session_data
        .as_deref()
        .ok_or_else(verification_failed)?;
    let party = &state.relying_party;
    let stored = factor
        .web_authn_credential
        .as_deref()
        .and_then(load_credential);
    let credential = match (answer.kind.as_str(), stored) {
        ("create", None) => party
            .finish_registration(&response, ceremony)
            .ok_or_else(verification_failed)?,
        ("request", Some(credential)) if factor.is_verified() => {
            let assertion = Assertion::parse(&response).ok_or_else(verification_failed)?;
            let result = party
                .finish_authentication(&assertion, ceremony, vec![credential.clone()])
                .ok_or_else(verification_failed)?;
            webauthn::used(credential, &result)
        }
        ("create" | "request", _) => return Err(verification_failed()),
        _ => {
            return Err(ApiError::validation(
                "WebAuthn type must be create or request",
            ));
        }
    };
    webauthn::store_credential(&credential)
}

/// The time step whose code is `code`, among the current one and one either side, unless that
/// step (or a later one) was already used.
fn matching_step(factor: &Factor, code: &str) -> ApiResult<Option<i64>> {
    let secret = totp_rs::Secret::Encoded(factor.secret.clone())
        .to_bytes()
        .map_err(|error| ApiError::internal(format!("{error:?}")))?;
    let totp = totp(secret, String::new(), String::new())?;
    let current = Utc::now().timestamp() / STEP_SECONDS as i64;
    let found = (current - 1..=current + 1).find(|step| {
        let at = u64::try_from(*step).unwrap_or_default() * STEP_SECONDS;
        crypto::constant_time_eq(&totp.generate(at), code)
    });
    Ok(found.filter(|step| factor.last_used_step.is_none_or(|used| *step > used)))
}

/// `DELETE /factors/{id}`: removes a factor; a verified one only from an `aal2` session.
pub async fn unenroll(
    State(state): State<AppState>,
    Path(factor_id): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    require_permanent(&caller)?;
    let mut tx = state.db.write.begin().await?;
    let factor = factor_of(&mut tx, &caller, &factor_id).await?;
    if factor.is_verified() && caller.claims.aal != "aal2" {
        return Err(ApiError::unprocessable(
            ErrorCode::InsufficientAal,
            "AAL2 required to unenroll verified factor",
        ));
    }
    store::delete_factor(&mut *tx, &factor.id).await?;
    if factor.is_verified() {
        let details = mail::Details {
            factor_type: Some(factor.factor_type.clone()),
            ..mail::Details::default()
        };
        let notification = mail::Notification::MfaFactorUnenrolled;
        mails::notify(&mut tx, &state, &caller.user, notification, None, details).await?;
    }
    tx.commit().await?;
    Ok(Json(json!({ "id": factor.id })))
}
