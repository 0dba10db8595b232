//! `POST /token?grant_type=password|refresh_token|pkce|web3`, and the answers Supabase Auth gives
//! for the grant local-auth cannot serve (`id_token`).

use axum::{Json, extract::State};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::password_matches;
use crate::validate::{validate_email, validate_phone};
use crate::{
    config::SessionsConfig,
    crypto::{self, constant_time_eq, pkce_s256},
    error::{ApiError, ApiResult, ErrorCode},
    extract::{ApiJson, ApiQuery},
    sessions,
    state::AppState,
    store::{self, FlowState, RefreshToken, Session},
    time::parse_rfc3339,
};

/// How long a PKCE auth code stays valid, in seconds.
const FLOW_STATE_EXPIRY: i64 = 300;

/// The query of `/token`.
#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    grant_type: Option<String>,
}

/// The body of `/token`, for every grant.
#[derive(Debug, Default, Deserialize)]
pub struct TokenParams {
    grant_type: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
    auth_code: Option<String>,
    code_verifier: Option<String>,
    id_token: Option<String>,
    provider: Option<String>,
    client_id: Option<String>,
    issuer: Option<String>,
    // The Web3 grant's fields, read only once Web3 is known to be on (as upstream, which reads
    // the body after that check: a client sending other types learns Web3 is off first).
    chain: Option<Value>,
    message: Option<Value>,
    signature: Option<Value>,
}

/// Dispatches on `grant_type` (query first, then body).
pub async fn token(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TokenQuery>,
    ApiJson(params): ApiJson<TokenParams>,
) -> ApiResult<Json<Value>> {
    let grant = query
        .grant_type
        .clone()
        .or_else(|| params.grant_type.clone());
    let session = match grant.as_deref() {
        Some("password") => password_grant(&state, params).await?,
        Some("refresh_token") => {
            let presented = params
                .refresh_token
                .filter(|token| !token.is_empty())
                .ok_or_else(|| ApiError::validation("refresh_token required"))?;
            refresh(&state, &presented, None).await?
        }
        Some("pkce") => pkce_grant(&state, params).await?,
        Some("id_token") => return Err(id_token_grant(&state, &params)),
        Some("web3") => {
            super::web3::grant(
                &state,
                params.chain.as_ref(),
                params.message.as_ref(),
                params.signature.as_ref(),
            )
            .await?
        }
        _ => {
            return Err(ApiError::bad_request(
                ErrorCode::InvalidCredentials,
                "unsupported_grant_type",
            ));
        }
    };
    Ok(Json(session))
}

/// `grant_type=id_token`: signing in with a provider's ID token (native Google or Apple sign-in).
/// local-auth cannot reach the real providers to verify one, so it gives upstream's answers for a
/// provider that is off, or for a token it cannot verify when the provider is on.
fn id_token_grant(state: &AppState, params: &TokenParams) -> ApiError {
    fn given(value: &Option<String>) -> Option<&str> {
        value.as_deref().filter(|value| !value.is_empty())
    }
    if given(&params.id_token).is_none() {
        return ApiError::validation("id_token required");
    }
    let Some(provider) = given(&params.provider).or(given(&params.issuer)) else {
        return ApiError::validation("provider or client_id and issuer required");
    };
    if given(&params.client_id).is_none()
        && state
            .config
            .external_providers
            .iter()
            .any(|known| known == provider)
    {
        return ApiError::validation("Bad ID token");
    }
    ApiError::bad_request(
        ErrorCode::ProviderDisabled,
        format!("Provider (issuer {provider:?}) is not enabled"),
    )
}

fn invalid_credentials() -> ApiError {
    ApiError::bad_request(ErrorCode::InvalidCredentials, "Invalid login credentials")
}

async fn password_grant(state: &AppState, params: TokenParams) -> ApiResult<Value> {
    let password = params.password.unwrap_or_default();
    let (user, by_phone) = match (params.email.as_deref(), params.phone.as_deref()) {
        (Some(email), _) if !email.is_empty() => match validate_email(email) {
            Ok(email) => (store::user_by_email(&state.db.read, &email).await?, false),
            Err(_) => (None, false),
        },
        (_, Some(phone)) if !phone.is_empty() => match validate_phone(phone) {
            Ok(phone) => (store::user_by_phone(&state.db.read, &phone).await?, true),
            Err(_) => (None, true),
        },
        _ => return Err(ApiError::validation("missing email or phone")),
    };
    let hash = user
        .as_ref()
        .and_then(|user| user.encrypted_password.clone());
    let valid = password_matches(state, password, hash).await?;
    if let Some(user) = &user
        && let Some(rejection) =
            crate::hooks::attempts::password_verification(state, &user.id, valid).await?
    {
        return Err(rejection);
    }
    if !valid {
        return Err(invalid_credentials());
    }
    let user = user.ok_or_else(invalid_credentials)?;
    if by_phone {
        if user.phone_confirmed_at.is_none() && state.config.sms.enable_confirmations {
            return Err(ApiError::bad_request(
                ErrorCode::PhoneNotConfirmed,
                "Phone not confirmed",
            ));
        }
    } else if user.email_confirmed_at.is_none() && state.config.enable_confirmations {
        return Err(ApiError::bad_request(
            ErrorCode::EmailNotConfirmed,
            "Email not confirmed",
        ));
    }
    if user.is_banned() {
        return Err(ApiError::bad_request(
            ErrorCode::UserBanned,
            "User is banned",
        ));
    }
    let mut tx = state.db.write.begin().await?;
    let session = sessions::start(state, &mut tx, &user, "password").await?;
    tx.commit().await?;
    Ok(session)
}

/// Rotates a refresh token, with upstream's reuse rules.
///
/// The checks that need no lock run on a reader; only the swap itself holds the single writer
/// connection, so concurrent refreshes of one token are serialised there and see each other's
/// results, and the writer is held for as short a time as possible.
/// Exchanges refresh token `presented` for a new one and an access token. `client` is the OAuth
/// client that authenticated (`/oauth/token`), or `None` (`/token`): a session belongs to the
/// project or to one client, and only its holder refreshes it (upstream's answers).
pub(super) async fn refresh(
    state: &AppState,
    presented: &str,
    client: Option<&str>,
) -> ApiResult<Value> {
    let not_found = || {
        ApiError::bad_request(
            ErrorCode::RefreshTokenNotFound,
            "Invalid Refresh Token: Refresh Token Not Found",
        )
    };
    let mut reader = state.db.read.acquire().await?;
    let token = store::refresh_token_by_value(&mut *reader, presented)
        .await?
        .ok_or_else(not_found)?;
    let user = store::user_by_id(&mut *reader, &token.user_id)
        .await?
        .ok_or_else(not_found)?;
    if user.is_banned() {
        return Err(ApiError::bad_request(
            ErrorCode::UserBanned,
            "Invalid Refresh Token: User Banned",
        ));
    }
    let session: Session = store::session_by_id(&mut *reader, &token.session_id)
        .await?
        .ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::SessionNotFound,
                "Invalid Refresh Token: No Valid Session Found",
            )
        })?;
    match (session.oauth_client_id.as_deref(), client) {
        (None, None) => {}
        (Some(_), None) => {
            return Err(ApiError::oauth(
                "invalid_client",
                "Client authentication required for OAuth session",
            ));
        }
        (None, Some(_)) => {
            return Err(ApiError::oauth(
                "invalid_client",
                "Client authentication not allowed for non-OAuth session",
            ));
        }
        (Some(holder), Some(client)) if holder != client => {
            return Err(ApiError::oauth(
                "invalid_client",
                "Client does not match the session's OAuth client",
            ));
        }
        (Some(_), Some(_)) => {}
    }
    let now = Utc::now();
    let token_time = parse_rfc3339(Some(&token.updated_at));
    if let Some(ended) = session_ended(&state.config.sessions, &session, token_time, now) {
        return Err(ApiError::bad_request(ErrorCode::SessionExpired, ended));
    }
    if state.config.sessions.single_per_user {
        let this = last_refreshed(&session, token_time);
        let others = store::sessions_of_user(&mut *reader, &session.user_id).await?;
        let newer = others.iter().any(|other| {
            other.id != session.id
                && session_ended(&state.config.sessions, other, None, now).is_none()
                && last_refreshed(other, None) > this
        });
        if newer {
            return Err(ApiError::bad_request(
                ErrorCode::SessionExpired,
                "Invalid Refresh Token: Session Expired (Revoked by Newer Login)",
            ));
        }
    }

    // Give the reader back while waiting for the writer.
    drop(reader);

    // The common case in one statement: insert the child of a still-active token (a trigger
    // revokes the parent). Nothing inserted means the token was revoked, possibly a moment ago by a
    // concurrent refresh, or its session ended: decide on the state as it is now.
    let child = crypto::refresh_token();
    let issued = if store::rotate_refresh_token(&state.db.write, token.id, &child).await? {
        child
    } else {
        let mut tx = state.db.write.begin().await?;
        let token = store::refresh_token_by_value(&mut *tx, presented)
            .await?
            .ok_or_else(not_found)?;
        let reused = reuse(state, &mut tx, &token).await?;
        tx.commit().await?;
        reused.ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::RefreshTokenAlreadyUsed,
                "Invalid Refresh Token: Already Used",
            )
        })?
    };
    // Only single sessions compare other sessions' last refresh; an idle session is told by its
    // refresh token's time, so nothing else needs the extra write on this hot path.
    if state.config.sessions.single_per_user {
        store::mark_refreshed(&state.db.write, &session.id).await?;
    }
    let mut reader = state.db.read.acquire().await?;
    sessions::token_response(
        state,
        &mut reader,
        &user,
        &session.id,
        &issued,
        "token_refresh",
    )
    .await
}

/// Why `session` can no longer be refreshed at `now`, as upstream's `CheckValidity` decides:
/// past its `not_after`, past the timebox since sign-in, or idle longer than the inactivity
/// timeout (`token_time`: when the presented refresh token was last changed).
fn session_ended(
    config: &SessionsConfig,
    session: &Session,
    token_time: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<&'static str> {
    let seconds = |seconds: u64| TimeDelta::seconds(i64::try_from(seconds).unwrap_or(i64::MAX));
    let created = parse_rfc3339(Some(&session.created_at)).unwrap_or(now);
    if parse_rfc3339(session.not_after.as_deref()).is_some_and(|not_after| now > not_after) {
        return Some("Invalid Refresh Token: Session Expired");
    }
    if config
        .timebox
        .is_some_and(|timebox| now > created + seconds(timebox))
    {
        return Some("Invalid Refresh Token: Session Expired");
    }
    if config
        .inactivity_timeout
        .is_some_and(|timeout| now > last_refreshed(session, token_time) + seconds(timeout))
    {
        return Some("Invalid Refresh Token: Session Expired (Inactivity)");
    }
    None
}

/// When `session` was last refreshed: its `refreshed_at`, else when its refresh token last
/// changed (if after sign-in), else its sign-in (upstream's `LastRefreshedAt`).
fn last_refreshed(session: &Session, token_time: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let created = parse_rfc3339(Some(&session.created_at)).unwrap_or_else(Utc::now);
    parse_rfc3339(session.refreshed_at.as_deref())
        .or_else(|| token_time.filter(|time| *time > created))
        .unwrap_or(created)
}

/// The token to hand out for a replayed, revoked `token`: the active one when `token` is its
/// parent (the client lost the answer to its last refresh), a new child within the reuse interval,
/// or `None` (after revoking the whole session when rotation is on) once the interval has passed.
async fn reuse(
    state: &AppState,
    tx: &mut sqlx::SqliteConnection,
    token: &RefreshToken,
) -> ApiResult<Option<String>> {
    let active = store::active_refresh_token(&mut *tx, &token.session_id).await?;
    if let Some(active) = active.filter(|active| active.parent.as_deref() == Some(&token.token)) {
        return Ok(Some(active.token));
    }
    let interval = i64::try_from(state.config.refresh_token_reuse_interval).unwrap_or(0);
    let revoked_at = parse_rfc3339(Some(&token.updated_at)).unwrap_or_else(Utc::now);
    if (Utc::now() - revoked_at).num_seconds() < interval {
        let child =
            store::insert_refresh_token(tx, &token.user_id, &token.session_id, Some(&token.token))
                .await?;
        return Ok(Some(child));
    }
    if state.config.enable_refresh_token_rotation {
        store::revoke_refresh_tokens(&mut *tx, &token.session_id).await?;
    }
    Ok(None)
}

async fn pkce_grant(state: &AppState, params: TokenParams) -> ApiResult<Value> {
    let auth_code = params.auth_code.unwrap_or_default();
    let verifier = params.code_verifier.unwrap_or_default();
    if auth_code.is_empty() || verifier.is_empty() {
        return Err(ApiError::validation(
            "invalid request: both auth code and code verifier should be non-empty",
        ));
    }
    let mut tx = state.db.write.begin().await?;
    let flow: FlowState = store::flow_by_auth_code(&mut tx, &auth_code)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                ErrorCode::FlowStateNotFound,
                "invalid flow state, no valid flow state found",
            )
        })?;
    let issued_at = parse_rfc3339(Some(&flow.created_at)).unwrap_or_else(Utc::now);
    if (Utc::now() - issued_at).num_seconds() > FLOW_STATE_EXPIRY {
        return Err(ApiError::unprocessable(
            ErrorCode::FlowStateExpired,
            "invalid flow state, flow state has expired",
        ));
    }
    let expected = match flow.code_challenge_method.as_str() {
        "plain" => verifier.clone(),
        _ => pkce_s256(&verifier),
    };
    if !constant_time_eq(&expected, &flow.code_challenge) {
        return Err(ApiError::bad_request(
            ErrorCode::BadCodeVerifier,
            "code challenge does not match previously saved code verifier",
        ));
    }
    let user_id = flow.user_id.clone().unwrap_or_default();
    let user = store::user_by_id(&mut *tx, &user_id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                ErrorCode::FlowStateNotFound,
                "invalid flow state, no user found",
            )
        })?;
    // OAuth flows carry the provider's access token for the app (`provider_token`).
    let provider_token = store::take_flow(&mut tx, &flow.id).await?;
    let mut session = sessions::start(state, &mut tx, &user, &flow.authentication_method).await?;
    if let Some(token) = provider_token {
        session["provider_token"] = Value::String(token);
    }
    tx.commit().await?;
    Ok(session)
}
