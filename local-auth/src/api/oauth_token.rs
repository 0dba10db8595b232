//! The OAuth 2.1 server's token and user info endpoints, as upstream's `internal/api/oauthserver`
//! answers them.
//!
//! `POST /oauth/token` (form or JSON) first authenticates the client by the method it registered:
//! `client_secret_basic` (an `Authorization: Basic` header), `client_secret_post` (`client_id`
//! and `client_secret` in the body) or `none` (a public client: `client_id` alone); a secret is
//! compared by its SHA-256 in constant time. Then `authorization_code`: the code must be approved,
//! unexpired, issued to this client (and this `redirect_uri` and `resource`, when named), and the
//! PKCE verifier must hash to the challenge; the session it starts is held by the client with the
//! scopes granted (`client_id` and `scope` in its access tokens), the code is deleted in the same
//! transaction (single use, also under a race: SQLite's one writer), and `openid` adds an ID token.
//! `refresh_token`: the session's own client only (and a client's session never through
//! `/token`). Errors are OAuth's `{error, error_description}`; a failed client authentication is
//! 400 `invalid_credentials`, as upstream's middleware answers.
//!
//! `GET /oauth/userinfo` (a bearer access token): `sub`, and the claims the session's scopes allow.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, header},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::oauth_server::scopes;
use crate::{
    bearer::Caller,
    crypto::{constant_time_eq, pkce_s256},
    error::{ApiError, ApiResult, ErrorCode},
    sessions,
    state::AppState,
    store::{self, OAuthClient, User},
    time::parse_rfc3339,
};

/// The parameters of `POST /oauth/token`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenParams {
    grant_type: String,
    code: String,
    refresh_token: String,
    redirect_uri: String,
    client_id: String,
    client_secret: String,
    code_verifier: String,
    resource: String,
}

/// `POST /oauth/token`: tokens for an authorization code or a refresh token.
pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let params = parse(&headers, &body)?;
    let client = authenticate(&state, &headers, &params).await?;
    if params.grant_type.is_empty() {
        return Err(ApiError::oauth("invalid_request", "grant_type is required"));
    }
    let allowed: Vec<String> = serde_json::from_str(&client.grant_types).unwrap_or_default();
    if !allowed.contains(&params.grant_type) {
        return Err(ApiError::oauth(
            "unsupported_grant_type",
            format!(
                "Client is not allowed to use grant type: {}",
                params.grant_type
            ),
        ));
    }
    match params.grant_type.as_str() {
        "authorization_code" => code_grant(&state, &client, &params).await,
        "refresh_token" => {
            if params.refresh_token.is_empty() {
                return Err(ApiError::oauth(
                    "invalid_request",
                    "refresh_token is required for refresh_token grant",
                ));
            }
            let session =
                super::token::refresh(&state, &params.refresh_token, Some(&client.id)).await?;
            Ok(Json(oauth_response(&session, None)))
        }
        other => Err(ApiError::oauth(
            "unsupported_grant_type",
            format!("Unsupported grant type: {other}"),
        )),
    }
}

/// The body as JSON (with a JSON content type) or as a form, as upstream reads it.
fn parse(headers: &HeaderMap, body: &[u8]) -> ApiResult<TokenParams> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("application/json"));
    if json {
        return serde_json::from_slice(body).map_err(|_| {
            ApiError::bad_request(
                ErrorCode::InvalidCredentials,
                "Invalid client credentials: failed to parse JSON body",
            )
        });
    }
    // The first value of each name, as Go's `FormValue`.
    let mut form = Map::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        form.entry(name.into_owned())
            .or_insert_with(|| Value::String(value.into_owned()));
    }
    serde_json::from_value(Value::Object(form))
        .map_err(|_| ApiError::oauth("invalid_request", "Failed to parse form data"))
}

/// The client that is calling, authenticated by the method it registered; 400
/// `invalid_credentials` otherwise (the same answer for an unknown client and a wrong secret but
/// for the wording upstream uses).
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    params: &TokenParams,
) -> ApiResult<OAuthClient> {
    let refused = |message: String| ApiError::bad_request(ErrorCode::InvalidCredentials, message);
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "));
    let (client_id, secret, method) = match basic {
        Some(encoded) => {
            let decoded = STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| {
                    refused("Invalid client credentials: invalid basic auth encoding".to_owned())
                })?;
            let (id, secret) = decoded.split_once(':').ok_or_else(|| {
                refused("Invalid client credentials: invalid basic auth format".to_owned())
            })?;
            (id.to_owned(), secret.to_owned(), "client_secret_basic")
        }
        None if params.client_id.is_empty() => {
            return Err(refused(
                "Invalid client credentials: client_id is required".to_owned(),
            ));
        }
        None if params.client_secret.is_empty() => {
            (params.client_id.clone(), String::new(), "none")
        }
        None => (
            params.client_id.clone(),
            params.client_secret.clone(),
            "client_secret_post",
        ),
    };
    let id = uuid::Uuid::parse_str(&client_id)
        .map_err(|_| refused("Invalid client_id format".to_owned()))?;
    let client = store::oauth_client(&state.db.read, &id.to_string())
        .await?
        .ok_or_else(|| refused("Invalid client credentials".to_owned()))?;
    if client.token_endpoint_auth_method != method {
        return Err(refused(format!(
            "invalid authentication method: client is registered for '{}' but '{method}' was used",
            client.token_endpoint_auth_method
        )));
    }
    match client.client_secret_hash.as_deref() {
        None if !secret.is_empty() => Err(refused(
            "public clients must not provide client_secret".to_owned(),
        )),
        None => Ok(client),
        Some(_) if secret.is_empty() => Err(refused(
            "confidential clients must provide client_secret".to_owned(),
        )),
        Some(hash) if constant_time_eq(&super::oauth_clients::hash_secret(&secret), hash) => {
            Ok(client)
        }
        Some(_) => Err(refused("invalid client credentials".to_owned())),
    }
}

/// The `authorization_code` grant.
async fn code_grant(
    state: &AppState,
    client: &OAuthClient,
    params: &TokenParams,
) -> ApiResult<Json<Value>> {
    let invalid = |description: &str| ApiError::oauth("invalid_grant", description);
    if params.code.is_empty() {
        return Err(ApiError::oauth(
            "invalid_request",
            "code is required for authorization_code grant",
        ));
    }
    let mut tx = state.db.write.begin().await?;
    let authorization = store::oauth_authorization_by_code(&mut tx, &params.code)
        .await?
        .ok_or_else(|| invalid("Invalid authorization code"))?;
    if authorization.is_expired() {
        return Err(invalid("Authorization code has expired"));
    }
    if authorization.client_id != client.id {
        return Err(invalid("Authorization code was not issued for this client"));
    }
    if !params.resource.is_empty()
        && authorization.resource.as_deref() != Some(params.resource.as_str())
    {
        return Err(invalid(
            "Authorization code resource does not match the resource parameter",
        ));
    }
    if !params.redirect_uri.is_empty() && params.redirect_uri != authorization.redirect_uri {
        return Err(invalid("Invalid redirect_uri"));
    }
    if params.code_verifier.is_empty() {
        return Err(invalid(
            "PKCE verification failed: code_verifier is required when PKCE challenge is present",
        ));
    }
    if !constant_time_eq(
        &pkce_s256(&params.code_verifier),
        &authorization.code_challenge,
    ) {
        return Err(invalid(
            "PKCE verification failed: code challenge does not match previously saved code verifier",
        ));
    }
    let user_id = authorization
        .user_id
        .as_deref()
        .ok_or_else(|| invalid("Authorization code has no associated user"))?;
    let user = store::user_by_id(&mut *tx, user_id)
        .await?
        .ok_or_else(|| invalid("User not found for authorization code"))?;
    if user.is_banned() {
        return Err(ApiError::oauth("access_denied", "User is banned"));
    }
    let granted = scopes(&authorization.scope);
    let openid = granted.contains(&"openid");
    if openid && !state.signer.is_asymmetric() {
        // Upstream signs no ID token with a shared secret either; refused before the code is
        // spent rather than after.
        return Err(ApiError::internal(
            "HS256 is not supported for ID token signing",
        ));
    }
    let session = sessions::start_for(
        state,
        &mut tx,
        &user,
        "oauth_provider/authorization_code",
        Some((&client.id, &authorization.scope)),
    )
    .await?;
    store::delete_oauth_authorization(&mut tx, &authorization.id).await?;
    tx.commit().await?;
    let id_token = if openid {
        Some(id_token(
            state,
            &user,
            &client.id,
            authorization.nonce.as_deref(),
            &granted,
        )?)
    } else {
        None
    };
    Ok(Json(oauth_response(&session, id_token)))
}

/// The token response an OAuth client gets (no user object, as upstream).
fn oauth_response(session: &Value, id_token: Option<String>) -> Value {
    let mut response = json!({
        "access_token": session["access_token"],
        "token_type": session["token_type"],
        "expires_in": session["expires_in"],
        "refresh_token": session["refresh_token"],
    });
    if let Some(id_token) = id_token {
        response["id_token"] = json!(id_token);
    }
    response
}

/// An OpenID Connect ID token's claims, as upstream issues them: the profile claims only for the
/// scopes granted.
#[derive(Debug, Serialize)]
struct IdTokenClaims<'a> {
    iss: String,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    email_verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<&'a str>,
    phone_number_verified: bool,
    #[serde(flatten)]
    profile: Option<Profile>,
    client_id: &'a str,
}

/// The `profile` scope's claims, from the user's metadata as upstream reads them.
#[derive(Debug, Default, Serialize)]
struct Profile {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    picture: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preferred_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<i64>,
}

impl Profile {
    fn of(user: &User) -> Self {
        let metadata = user.user_metadata();
        let text = |names: &[&str]| {
            names.iter().find_map(|name| {
                metadata[*name]
                    .as_str()
                    .filter(|value| !value.is_empty())
                    .map(str::to_owned)
            })
        };
        Self {
            name: text(&["name"]).or_else(|| user.email.clone().filter(|e| !e.is_empty())),
            picture: text(&["picture", "avatar_url"]),
            preferred_username: text(&["preferred_username", "username"]),
            updated_at: parse_rfc3339(Some(&user.updated_at)).map(|at| at.timestamp()),
        }
    }
}

/// The ID token for `user` and client `client_id`, valid for an hour.
fn id_token(
    state: &AppState,
    user: &User,
    client_id: &str,
    nonce: Option<&str>,
    granted: &[&str],
) -> ApiResult<String> {
    let now = Utc::now().timestamp();
    let email = granted.contains(&"email");
    let phone = granted.contains(&"phone");
    let claims = IdTokenClaims {
        iss: state.config.issuer(),
        sub: &user.id,
        aud: client_id,
        exp: now + 3600,
        iat: now,
        auth_time: now,
        nonce: nonce.filter(|nonce| !nonce.is_empty()),
        email: email.then_some(user.email.as_deref().unwrap_or_default()),
        email_verified: email && user.email_confirmed_at.is_some(),
        phone_number: phone.then_some(user.phone.as_deref().unwrap_or_default()),
        phone_number_verified: phone && user.phone_confirmed_at.is_some(),
        profile: granted.contains(&"profile").then(|| Profile::of(user)),
        client_id,
    };
    state.signer.sign(&claims)
}

/// `GET /oauth/userinfo`: the caller's `sub`, and what the session's scopes allow.
pub async fn userinfo(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let user = &caller.user;
    let mut info = json!({ "sub": user.id });
    let session = store::session_claims(&state.db.read, &caller.claims.session_id).await?;
    let granted = session
        .and_then(|session| session.scopes)
        .unwrap_or_default();
    let granted = scopes(&granted);
    if granted.contains(&"email") {
        if let Some(email) = user.email.as_deref().filter(|email| !email.is_empty()) {
            info["email"] = json!(email);
        }
        if user.email_confirmed_at.is_some() {
            info["email_verified"] = json!(true);
        }
    }
    if granted.contains(&"profile") {
        if let Value::Object(profile) = json!(Profile::of(user)) {
            info.as_object_mut().expect("an object").extend(profile);
        }
        info["user_metadata"] = user.user_metadata();
    }
    if granted.contains(&"phone") {
        if let Some(phone) = user.phone.as_deref().filter(|phone| !phone.is_empty()) {
            info["phone"] = json!(phone);
        }
        if user.phone_confirmed_at.is_some() {
            info["phone_verified"] = json!(true);
        }
    }
    Ok(Json(info))
}
