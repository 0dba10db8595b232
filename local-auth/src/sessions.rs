//! Sessions, refresh tokens and access tokens: what every successful sign-in returns.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use crate::{
    error::ApiResult,
    hooks::HookName,
    state::AppState,
    store::{self, User},
    time::parse_rfc3339,
};

/// One entry of the `amr` claim: how and when the session was authenticated.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AmrEntry {
    /// `password`, `otp`, `magiclink`, `recovery`, `email/signup`, `email_change`, …
    pub method: String,
    /// Unix seconds.
    pub timestamp: i64,
    /// For `sso/saml`, the SSO provider's id, as upstream adds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// The claims of an access token, as upstream issues them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[allow(missing_docs)] // The claims documented by Supabase Auth.
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub email: String,
    pub phone: String,
    pub app_metadata: Value,
    pub user_metadata: Value,
    pub role: String,
    pub aal: String,
    pub amr: Vec<AmrEntry>,
    pub session_id: String,
    pub is_anonymous: bool,
    /// The OAuth client the session was issued to (upstream's `client_id`), absent for the
    /// project's own sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The scopes granted that client, space-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Starts a session for `user` authenticated by `method`; returns the token response.
pub async fn start(
    state: &AppState,
    db: &mut SqliteConnection,
    user: &User,
    method: &str,
) -> ApiResult<Value> {
    start_for(state, db, user, method, None).await
}

/// Starts a session for `user` authenticated by `method`, held by OAuth client `client` with
/// the scopes it was granted (`(client_id, scopes)`) when given; returns the token response.
pub async fn start_for(
    state: &AppState,
    db: &mut SqliteConnection,
    user: &User,
    method: &str,
    client: Option<(&str, &str)>,
) -> ApiResult<Value> {
    let session_id = uuid::Uuid::new_v4().to_string();
    store::insert_session(db, &session_id, &user.id, client).await?;
    store::add_amr(db, &session_id, method).await?;
    let refresh_token = store::insert_refresh_token(db, &user.id, &session_id, None).await?;
    let user = store::user_by_id(&mut *db, &user.id)
        .await?
        .unwrap_or_else(|| user.clone());
    token_response(state, db, &user, &session_id, &refresh_token, method).await
}

/// Raises `session_id` of `user_id` to `aal2` by `method`: its refresh tokens are revoked (the
/// caller issues a new one), and, when `first_factor`, the user's other `aal1` sessions end.
pub async fn raise_to_aal2(
    db: &mut SqliteConnection,
    user_id: &str,
    session_id: &str,
    method: &str,
    first_factor: bool,
) -> sqlx::Result<()> {
    store::set_aal2(db, user_id, session_id, first_factor).await?;
    store::add_amr(db, session_id, method).await?;
    store::revoke_refresh_tokens(db, session_id).await
}

/// The `/token` response for a session: a fresh access token plus `refresh_token` and the user.
/// `method` is how this token was earned (`password`, `token_refresh`, `mfa/totp`, …), as the
/// custom access token hook is told.
pub async fn token_response(
    state: &AppState,
    db: &mut SqliteConnection,
    user: &User,
    session_id: &str,
    refresh_token: &str,
    method: &str,
) -> ApiResult<Value> {
    let (access_token, expires_at) = access_token(state, db, user, session_id, method).await?;
    let user_json = store::user_json(db, user).await?;
    Ok(json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": state.config.jwt_expiry,
        "expires_at": expires_at,
        "refresh_token": refresh_token,
        "user": user_json,
    }))
}

/// Signs an access token for the session; returns it with its expiry (Unix seconds). With the
/// custom access token hook on, the hook's claims are signed instead (see [`crate::hooks`]).
pub async fn access_token(
    state: &AppState,
    db: &mut SqliteConnection,
    user: &User,
    session_id: &str,
    method: &str,
) -> ApiResult<(String, i64)> {
    // The session's level, how it was authenticated (newest method first) and the OAuth client
    // holding it, in one query.
    let session = store::session_claims(&mut *db, session_id)
        .await?
        .unwrap_or_else(|| store::SessionClaims {
            aal: "aal1".to_owned(),
            ..store::SessionClaims::default()
        });
    let methods = session.amr;
    // An SSO user has exactly one identity, its provider's (upstream reads it the same way).
    let sso_provider = if methods.iter().any(|(method, _)| method == "sso/saml") {
        store::sso_provider_of(&mut *db, &user.id).await?
    } else {
        None
    };
    let amr = methods
        .into_iter()
        .map(|(method, at)| AmrEntry {
            provider: (method == "sso/saml")
                .then(|| sso_provider.clone())
                .flatten(),
            method,
            timestamp: parse_rfc3339(at.as_deref()).map_or(0, |at| at.timestamp()),
        })
        .collect();
    let iat = Utc::now().timestamp();
    let exp = iat + i64::try_from(state.config.jwt_expiry).unwrap_or(i64::MAX / 2);
    let claims = AccessClaims {
        iss: state.config.issuer(),
        sub: user.id.clone(),
        aud: user.aud.clone(),
        exp,
        iat,
        email: user.email.clone().unwrap_or_default(),
        phone: user.phone.clone().unwrap_or_default(),
        app_metadata: user.app_metadata(),
        user_metadata: user.user_metadata(),
        role: user.role.clone(),
        aal: session.aal,
        amr,
        session_id: session_id.to_owned(),
        is_anonymous: user.is_anonymous,
        client_id: session.oauth_client_id,
        scope: session.scopes,
    };
    if !state.hooks.enabled(HookName::CustomAccessToken) {
        return Ok((state.signer.sign(&claims)?, exp));
    }
    let output = state
        .hooks
        .run(
            HookName::CustomAccessToken,
            json!({
                "user_id": user.id,
                "claims": claims,
                "authentication_method": method,
            }),
        )
        .await?;
    let claims = crate::hooks::token::claims(output)?;
    Ok((state.signer.sign(&claims)?, exp))
}
