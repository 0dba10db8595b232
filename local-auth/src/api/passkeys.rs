//! `/passkeys`: signing in with a passkey (a discoverable WebAuthn credential) and managing a
//! user's passkeys, with upstream's wire format: options as `{challenge_id, options, expires_at}`
//! (`options` being the `publicKey` member for `navigator.credentials.create()`/`get()`), answers
//! as `{challenge_id, credential}`. A sign-in starts a session with `amr` `passkey` at `aal1`.

use axum::{
    Json,
    extract::{Path, Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{admin, factors::require_permanent};
use crate::{
    bearer::{Caller, ServiceRole},
    error::{ApiError, ApiResult, ErrorCode},
    extract::ApiJson,
    sessions,
    state::AppState,
    store::{self, CeremonyKind, Passkey},
    webauthn::{
        self, Assertion, CHALLENGE_SECONDS, Purpose, credential_key, load_credential,
        verification_failed,
    },
};

/// Route layer of every `/passkeys` route: 404 `passkey_disabled` unless passkeys are on.
pub async fn require_enabled(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !state.config.webauthn.passkeys {
        return ApiError::not_found(ErrorCode::PasskeyDisabled, "Passkeys are disabled")
            .into_response();
    }
    next.run(request).await
}

/// Registering or removing a passkey of a user with a verified MFA factor needs an `aal2`
/// session, as upstream.
async fn require_management_aal(state: &AppState, caller: &Caller) -> ApiResult<()> {
    if caller.claims.aal != "aal2"
        && store::has_verified_factor(&state.db.read, &caller.user.id).await?
    {
        return Err(ApiError::forbidden(
            ErrorCode::InsufficientAal,
            "AAL2 session is required to manage passkeys when MFA is enabled",
        ));
    }
    Ok(())
}

fn too_many() -> ApiError {
    ApiError::unprocessable(
        ErrorCode::TooManyPasskeys,
        "Maximum number of passkeys reached",
    )
}

/// Stores a ceremony's state; answers with its options.
async fn open_ceremony(
    state: &AppState,
    kind: CeremonyKind,
    user_id: Option<&str>,
    (options, ceremony): (Value, String),
) -> ApiResult<Json<Value>> {
    let id = uuid::Uuid::new_v4().to_string();
    let expires_at = Utc::now().timestamp() + CHALLENGE_SECONDS;
    let mut db = state.db.write.acquire().await?;
    store::insert_ceremony(&mut db, &id, kind, user_id, &ceremony, expires_at).await?;
    Ok(Json(
        json!({ "challenge_id": id, "options": options, "expires_at": expires_at }),
    ))
}

/// The body of both `/verify` endpoints.
#[derive(Debug, Deserialize)]
pub struct VerifyParams {
    challenge_id: Option<String>,
    credential: Option<Value>,
}

/// Checks a `/verify` body and takes its ceremony's state (once: a replay finds nothing).
async fn take_ceremony(
    state: &AppState,
    params: &VerifyParams,
    kind: CeremonyKind,
    user_id: Option<&str>,
) -> ApiResult<(String, Value)> {
    let id = params
        .challenge_id
        .as_deref()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::validation("challenge_id is required"))?;
    let credential = params
        .credential
        .clone()
        .filter(|credential| !credential.is_null())
        .ok_or_else(|| ApiError::validation("credential is required"))?;
    let id = uuid::Uuid::parse_str(id)
        .map_err(|_| ApiError::validation("challenge_id must be a valid UUID"))?
        .to_string();
    let (ceremony, expires_at) = store::take_ceremony(&state.db.write, &id, kind, user_id)
        .await?
        .ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::WebauthnChallengeNotFound,
                "Challenge not found or already used",
            )
        })?;
    if expires_at < Utc::now().timestamp() {
        return Err(ApiError::bad_request(
            ErrorCode::WebauthnChallengeExpired,
            "Challenge has expired",
        ));
    }
    Ok((ceremony, credential))
}

/// `POST /passkeys/registration/options`: creation options for a new passkey of the signed-in
/// user, excluding the authenticators that hold one already.
pub async fn registration_options(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    require_permanent(&caller)?;
    require_management_aal(&state, &caller).await?;
    let existing = store::passkeys_of(&state.db.read, &caller.user.id).await?;
    if existing.len() >= state.config.webauthn.max_passkeys_per_user {
        return Err(too_many());
    }
    let exclude = existing
        .iter()
        .filter_map(|passkey| load_credential(&passkey.credential))
        .map(|credential| credential.cred_id)
        .collect();
    let ceremony =
        state
            .relying_party
            .start_registration(&caller.user, Purpose::Passkey, exclude)?;
    open_ceremony(
        &state,
        CeremonyKind::Registration,
        Some(&caller.user.id),
        ceremony,
    )
    .await
}

/// `POST /passkeys/registration/verify`: checks the authenticator's answer and stores the passkey;
/// `{id, created_at}`.
pub async fn registration_verify(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(params): ApiJson<VerifyParams>,
) -> ApiResult<Json<Value>> {
    require_permanent(&caller)?;
    require_management_aal(&state, &caller).await?;
    let user_id = caller.user.id.as_str();
    let (ceremony, answer) =
        take_ceremony(&state, &params, CeremonyKind::Registration, Some(user_id)).await?;
    let credential = state
        .relying_party
        .finish_registration(&answer, &ceremony)
        .ok_or_else(verification_failed)?;

    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = state.db.write.begin().await?;
    if store::passkeys_of(&mut *tx, user_id).await?.len()
        >= state.config.webauthn.max_passkeys_per_user
    {
        return Err(too_many());
    }
    let key = credential_key(&credential.cred_id);
    let stored = webauthn::store_credential(&credential)?;
    if !store::insert_passkey(&mut *tx, &id, user_id, &key, &stored).await? {
        return Err(ApiError::unprocessable(
            ErrorCode::WebauthnCredentialExists,
            "This credential is already registered",
        ));
    }
    let passkey = store::passkey_of(&mut *tx, &id, user_id)
        .await?
        .ok_or_else(|| ApiError::internal("the new passkey is gone"))?;
    tx.commit().await?;
    Ok(Json(passkey.to_json()))
}

/// `POST /passkeys/authentication/options`: options for a discoverable sign-in (no user named:
/// the authenticator offers the passkeys it holds for this relying party).
pub async fn authentication_options(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let ceremony = state.relying_party.start_authentication(Vec::new())?;
    open_ceremony(&state, CeremonyKind::Authentication, None, ceremony).await
}

/// `POST /passkeys/authentication/verify`: checks the assertion against the passkey it names and
/// starts a session (`amr` `passkey`). Every failure of the assertion itself, whoever it names,
/// is the same 400 `webauthn_verification_failed`.
pub async fn authentication_verify(
    State(state): State<AppState>,
    ApiJson(params): ApiJson<VerifyParams>,
) -> ApiResult<Json<Value>> {
    let (ceremony, answer) =
        take_ceremony(&state, &params, CeremonyKind::Authentication, None).await?;
    let assertion = Assertion::parse(&answer).ok_or_else(verification_failed)?;
    let user_id = assertion.user_id().ok_or_else(verification_failed)?;
    let key = credential_key(assertion.credential_id());
    let passkey = store::passkeys_of(&state.db.read, &user_id)
        .await?
        .into_iter()
        .find(|passkey| passkey.credential_id == key)
        .ok_or_else(verification_failed)?;
    let credential = load_credential(&passkey.credential).ok_or_else(verification_failed)?;
    let result = state
        .relying_party
        .finish_authentication(&assertion, &ceremony, vec![credential.clone()])
        .ok_or_else(verification_failed)?;

    let user = store::user_by_id(&state.db.read, &user_id)
        .await?
        .ok_or_else(verification_failed)?;
    if user.email.is_some() && user.email_confirmed_at.is_none() {
        return Err(ApiError::forbidden(
            ErrorCode::EmailNotConfirmed,
            "Email not confirmed",
        ));
    }
    if user.phone.is_some() && user.phone_confirmed_at.is_none() {
        return Err(ApiError::forbidden(
            ErrorCode::PhoneNotConfirmed,
            "Phone not confirmed",
        ));
    }
    if user.is_banned() {
        return Err(ApiError::forbidden(ErrorCode::UserBanned, "User is banned"));
    }
    let updated = webauthn::store_credential(&webauthn::used(credential, &result))?;
    let mut tx = state.db.write.begin().await?;
    store::passkey_used(&mut *tx, &passkey.id, &updated).await?;
    let session = sessions::start(&state, &mut tx, &user, "passkey").await?;
    tx.commit().await?;
    Ok(Json(session))
}

fn listed(passkeys: &[Passkey]) -> Json<Value> {
    Json(Value::Array(
        passkeys.iter().map(Passkey::to_json).collect(),
    ))
}

/// `GET /passkeys`: the signed-in user's passkeys, oldest first.
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    Ok(listed(
        &store::passkeys_of(&state.db.read, &caller.user.id).await?,
    ))
}

fn passkey_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::ValidationFailed, "Passkey not found")
}

/// Passkey `id` of `user_id`; 404 for an id that is not a UUID or not theirs.
async fn owned(state: &AppState, id: &str, user_id: &str) -> ApiResult<Passkey> {
    let id = uuid::Uuid::parse_str(id).map_err(|_| passkey_not_found())?;
    store::passkey_of(&state.db.read, &id.to_string(), user_id)
        .await?
        .ok_or_else(passkey_not_found)
}

/// The body of `PATCH /passkeys/{id}`.
#[derive(Debug, Deserialize)]
pub struct UpdateParams {
    #[serde(default)]
    friendly_name: String,
}

/// `PATCH /passkeys/{id}`: renames a passkey (1 to 120 characters).
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    ApiJson(params): ApiJson<UpdateParams>,
) -> ApiResult<Json<Value>> {
    let passkey = owned(&state, &id, &caller.user.id).await?;
    let name = params.friendly_name;
    if name.is_empty() {
        return Err(ApiError::validation("friendly_name is required"));
    }
    if name.len() > 120 {
        return Err(ApiError::validation(
            "friendly_name must be 120 characters or less",
        ));
    }
    store::rename_passkey(&state.db.write, &passkey.id, &name).await?;
    let renamed = owned(&state, &passkey.id, &caller.user.id).await?;
    Ok(Json(renamed.to_json()))
}

/// `DELETE /passkeys/{id}`: removes a passkey; 204.
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> ApiResult<StatusCode> {
    require_management_aal(&state, &caller).await?;
    let passkey = owned(&state, &id, &caller.user.id).await?;
    store::delete_passkey(&state.db.write, &passkey.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /admin/users/{id}/passkeys`.
pub async fn admin_list(
    State(state): State<AppState>,
    _: ServiceRole,
    Path(user_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut db = state.db.read.acquire().await?;
    let user = admin::find(&mut db, &user_id).await?;
    Ok(listed(&store::passkeys_of(&mut *db, &user.id).await?))
}

/// `DELETE /admin/users/{id}/passkeys/{passkey_id}`: 204.
pub async fn admin_delete(
    State(state): State<AppState>,
    _: ServiceRole,
    Path((user_id, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let user = {
        let mut db = state.db.read.acquire().await?;
        admin::find(&mut db, &user_id).await?
    };
    let passkey = owned(&state, &id, &user.id).await?;
    store::delete_passkey(&state.db.write, &passkey.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
