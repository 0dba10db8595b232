//! The OAuth 2.1 server's authorization flow, as upstream's `internal/api/oauthserver` runs it
//! (`[auth.oauth_server] enabled`): the project as an identity provider for other applications.
//!
//! 1. `GET /oauth/authorize` (the client sends the browser): the client and its exact registered
//!    `redirect_uri` are checked first and refused as JSON (a redirect to an unchecked URI would be
//!    an open redirect); the rest (`response_type=code`, the scopes, `resource`, PKCE) is refused by
//!    redirecting there with `error=invalid_request`. The request is kept for ten minutes and the
//!    browser goes to the site's consent page (`authorization_url_path`) with its
//!    `authorization_id`.
//! 2. `GET /oauth/authorizations/{id}` (the consent page, with the user's session): names the user
//!    on a pending request and answers the client and scopes, or, when the user has already
//!    granted this client every scope asked, approves at once and answers `{redirect_url}`.
//! 3. `POST /oauth/authorizations/{id}/consent` `{action: approve|deny}`: `{redirect_url}`, the
//!    client's URI with a single-use `code` (and `state`), or with `error=access_denied`.
//!
//! Each decision reads and changes the request inside one write transaction (SQLite's one writer
//! is upstream's row lock), so two callers never both settle it. A request that is not the
//! caller's, or has expired, is `oauth_authorization_not_found`. PKCE is required, and `S256`
//! only (upstream also takes `plain`). A browser's call (one with an `Origin`) must come from the
//! site or the redirect allow-list. The code's exchange is [`super::oauth_token`]; what users have
//! granted is listed and revoked at `/user/oauth/grants`.

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use crate::{
    bearer::Caller,
    crypto::{alphanumeric, is_pkce_shaped},
    error::{ApiError, ApiResult, ErrorCode},
    extract::{ApiJson, ApiQuery},
    redirect,
    state::AppState,
    store::{self, NewAuthorization, OAuthAuthorization},
    time::{format_rfc3339, now_rfc3339},
};

/// How long an authorization request waits for the user (upstream's default TTL).
const AUTHORIZATION_TTL: Duration = Duration::minutes(10);
/// The scopes the server knows (upstream's `SupportedOAuthScopes`).
pub const SUPPORTED_SCOPES: [&str; 5] = ["openid", "profile", "email", "phone", "offline_access"];
/// The scope of a request that names none (upstream's default).
const DEFAULT_SCOPE: &str = "email";
/// The longest `state` and `nonce` kept: a client's own values, bounded as anything an anonymous
/// caller stores must be.
const MAX_CLIENT_VALUE: usize = 1024;
/// The longest `resource` (a URI).
const MAX_RESOURCE: usize = 2048;

/// The parameters of `GET /oauth/authorize`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    response_type: String,
    scope: String,
    state: String,
    resource: String,
    code_challenge: String,
    code_challenge_method: String,
    nonce: String,
}

/// `GET /oauth/authorize`: 302 to the consent page with an `authorization_id`, or to the client
/// with an error once the client and redirect URI are known good; JSON errors before that.
pub async fn authorize(
    State(state): State<AppState>,
    ApiQuery(mut query): ApiQuery<AuthorizeQuery>,
) -> ApiResult<Response> {
    if query.client_id.is_empty() {
        return Err(ApiError::validation("client_id is required"));
    }
    if query.redirect_uri.is_empty() {
        return Err(ApiError::validation("redirect_uri is required"));
    }
    let Ok(client_id) = uuid::Uuid::parse_str(&query.client_id) else {
        return Err(ApiError::bad_request(
            ErrorCode::OauthClientNotFound,
            "invalid client_id format",
        ));
    };
    let client = store::oauth_client(&state.db.read, &client_id.to_string())
        .await?
        .ok_or_else(|| {
            ApiError::bad_request(ErrorCode::OauthClientNotFound, "invalid client_id")
        })?;
    // Exact string matching (OAuth 2.1): no prefix, no normalisation.
    if !client.redirect_uri_list().contains(&query.redirect_uri) {
        return Err(ApiError::validation("invalid redirect_uri"));
    }
    let to_client = |error: &str, description: &str, state: &str| {
        redirect::found(&with_params(
            &query.redirect_uri,
            &[
                ("error", error),
                ("error_description", description),
                ("state", state),
            ],
        ))
    };
    if query.state.len() > MAX_CLIENT_VALUE {
        // The state is not echoed: it is the value refused.
        return Ok(to_client("invalid_request", "state is too long", ""));
    }
    if query.response_type.is_empty() {
        query.response_type = "code".to_owned();
    }
    if query.scope.trim().is_empty() {
        DEFAULT_SCOPE.clone_into(&mut query.scope);
    }
    if let Err(problem) = check_request(&query) {
        return Ok(to_client("invalid_request", &problem, &query.state));
    }
    let scope = scopes(&query.scope).join(" ");
    let id = alphanumeric(32);
    let now = Utc::now();
    let created_at = format_rfc3339(now);
    let expires_at = format_rfc3339(now + AUTHORIZATION_TTL);
    let optional = |value: &str| Some(value.to_owned()).filter(|value| !value.is_empty());
    let (request_state, resource, nonce) = (
        optional(&query.state),
        optional(&query.resource),
        optional(&query.nonce),
    );
    store::insert_oauth_authorization(
        &state.db.write,
        &NewAuthorization {
            id: &id,
            client_id: &client.id,
            redirect_uri: &query.redirect_uri,
            scope: &scope,
            state: request_state.as_deref(),
            resource: resource.as_deref(),
            code_challenge: &query.code_challenge,
            nonce: nonce.as_deref(),
            created_at: &created_at,
            expires_at: &expires_at,
        },
    )
    .await?;
    let consent = format!(
        "{}{}",
        state.config.site_url.as_str().trim_end_matches('/'),
        state.config.oauth_server.authorization_url_path
    );
    Ok(redirect::found(&with_params(
        &consent,
        &[("authorization_id", &id)],
    )))
}

/// Upstream's checks of the parameters after the client and redirect URI, as the description
/// the client is sent back with.
fn check_request(query: &AuthorizeQuery) -> Result<(), String> {
    if query.response_type != "code" {
        return Err("only response_type=code is supported".to_owned());
    }
    if let Some(unknown) = scopes(&query.scope)
        .into_iter()
        .find(|scope| !SUPPORTED_SCOPES.contains(scope))
    {
        return Err(format!("unsupported scope: {unknown}"));
    }
    if !query.resource.is_empty() {
        let resource = Url::parse(&query.resource)
            .ok()
            .filter(|_| query.resource.len() <= MAX_RESOURCE)
            .ok_or("resource must be an absolute URI")?;
        if resource.fragment().is_some() {
            return Err("resource must not include a fragment component".to_owned());
        }
        if resource.query().is_some() {
            return Err("resource must not include a query component".to_owned());
        }
    }
    if query.nonce.len() > MAX_CLIENT_VALUE {
        return Err("nonce is too long".to_owned());
    }
    if query.code_challenge.is_empty() || query.code_challenge_method.is_empty() {
        return Err("PKCE flow requires both code_challenge and code_challenge_method".to_owned());
    }
    if !query.code_challenge_method.eq_ignore_ascii_case("s256") {
        return Err("code_challenge_method must be 'S256'".to_owned());
    }
    if !is_pkce_shaped(&query.code_challenge) {
        return Err("code_challenge must be between 43 and 128 characters".to_owned());
    }
    Ok(())
}

/// The scopes of a space-separated list, each once, in order.
pub fn scopes(list: &str) -> Vec<&str> {
    let mut scopes: Vec<&str> = Vec::new();
    for scope in list.split_ascii_whitespace() {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes
}

/// `uri` with `pairs` (those not empty) set in its query, replacing any of the same name, as
/// upstream's `url.Values.Set` does.
fn with_params(uri: &str, pairs: &[(&str, &str)]) -> String {
    let Ok(mut url) = Url::parse(uri) else {
        return uri.to_owned();
    };
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !pairs.iter().any(|(set, _)| set == name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    url.set_query(None);
    {
        let mut query = url.query_pairs_mut();
        query.extend_pairs(kept);
        query.extend_pairs(pairs.iter().filter(|(_, value)| !value.is_empty()));
    }
    url.into()
}

/// A browser's call must come from the site or the redirect allow-list (the consent page is
/// there); calls without an `Origin` (a server's) pass, as upstream.
fn check_origin(state: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let allowed = origin
        .to_str()
        .is_ok_and(|origin| redirect::is_allowed(&state.config, origin));
    if allowed {
        Ok(())
    } else {
        Err(ApiError::validation("unauthorized request origin"))
    }
}

fn authorization_not_found() -> ApiError {
    ApiError::not_found(
        ErrorCode::OauthAuthorizationNotFound,
        "authorization not found",
    )
}

/// The pending authorization `id`, read inside the write transaction `tx` that decides on it:
/// 404 when unknown, 400 once settled; `None` when it has just expired (marked so here: the
/// caller commits that, then answers 404).
async fn pending(
    tx: &mut sqlx::SqliteConnection,
    id: &str,
    settled: &str,
) -> ApiResult<Option<OAuthAuthorization>> {
    let authorization = store::oauth_authorization(tx, id)
        .await?
        .ok_or_else(authorization_not_found)?;
    if authorization.status == "pending" && authorization.is_expired() {
        store::settle_oauth_authorization(tx, id, "expired", None, &now_rfc3339()).await?;
        return Ok(None);
    }
    if authorization.status != "pending" {
        return Err(ApiError::validation(settled.to_owned()));
    }
    Ok(Some(authorization))
}

/// Approves a pending authorization: a fresh single-use code; the client's redirect with it.
async fn approve(
    tx: &mut sqlx::SqliteConnection,
    authorization: &OAuthAuthorization,
) -> ApiResult<String> {
    let code = uuid::Uuid::new_v4().to_string();
    store::settle_oauth_authorization(
        tx,
        &authorization.id,
        "approved",
        Some(&code),
        &now_rfc3339(),
    )
    .await?;
    Ok(with_params(
        &authorization.redirect_uri,
        &[
            ("code", &code),
            ("state", authorization.state.as_deref().unwrap_or_default()),
        ],
    ))
}

/// `GET /oauth/authorizations/{authorization_id}`: the request for the consent page, or
/// `{redirect_url}` when an earlier grant covers it.
pub async fn details(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    check_origin(&state, &headers)?;
    let user_id = caller.user.id.as_str();
    let mut tx = state.db.write.begin().await?;
    let Some(mut authorization) =
        pending(&mut tx, &id, "authorization request cannot be processed").await?
    else {
        tx.commit().await?;
        return Err(authorization_not_found());
    };
    let mut auto_approved = None;
    match authorization.user_id.as_deref() {
        None => {
            store::set_oauth_authorization_user(&mut tx, &id, user_id).await?;
            authorization.user_id = Some(user_id.to_owned());
            let granted =
                store::active_oauth_consent(&mut tx, user_id, &authorization.client_id).await?;
            let covered = granted.is_some_and(|granted| {
                let granted = scopes(&granted);
                scopes(&authorization.scope)
                    .iter()
                    .all(|scope| granted.contains(scope))
            });
            if covered {
                auto_approved = Some(approve(&mut tx, &authorization).await?);
            }
        }
        Some(owner) if owner != user_id => {
            tracing::warn!(authorization_id = %id, "authorization belongs to different user");
            return Err(authorization_not_found());
        }
        Some(_) => {}
    }
    let client = store::oauth_client(&mut *tx, &authorization.client_id).await?;
    tx.commit().await?;
    if let Some(redirect_url) = auto_approved {
        return Ok(Json(json!({ "redirect_url": redirect_url })));
    }
    let client = client.ok_or_else(authorization_not_found)?;
    let client_json = client_info(
        &client.id,
        [&client.client_name, &client.client_uri, &client.logo_uri],
    );
    let mut user = json!({ "id": caller.user.id });
    if let Some(email) = caller
        .user
        .email
        .as_deref()
        .filter(|email| !email.is_empty())
    {
        user["email"] = json!(email);
    }
    Ok(Json(json!({
        "authorization_id": authorization.id,
        "redirect_uri": authorization.redirect_uri,
        "client": client_json,
        "user": user,
        "scope": authorization.scope,
    })))
}

/// A client as the consent calls and the grants list name it (upstream's
/// `ClientDetailsResponse`): its id, and its name, URI and logo URI when registered.
fn client_info(id: &str, [name, uri, logo_uri]: [&Option<String>; 3]) -> Value {
    let mut client = json!({ "id": id });
    for (field, value) in [("name", name), ("uri", uri), ("logo_uri", logo_uri)] {
        if let Some(value) = value.as_deref().filter(|value| !value.is_empty()) {
            client[field] = json!(value);
        }
    }
    client
}

/// The body of a consent decision.
#[derive(Debug, Deserialize)]
pub struct ConsentBody {
    #[serde(default)]
    action: String,
}

/// `POST /oauth/authorizations/{authorization_id}/consent`: approve (the grant is kept, and
/// widened to these scopes) or deny; `{redirect_url}` for the browser either way.
pub async fn consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConsentBody>,
) -> ApiResult<Json<Value>> {
    check_origin(&state, &headers)?;
    if body.action != "approve" && body.action != "deny" {
        return Err(ApiError::validation("action must be 'approve' or 'deny'"));
    }
    let user_id = caller.user.id.as_str();
    let mut tx = state.db.write.begin().await?;
    let Some(authorization) =
        pending(&mut tx, &id, "authorization request is no longer pending").await?
    else {
        tx.commit().await?;
        return Err(authorization_not_found());
    };
    if authorization.user_id.as_deref() != Some(user_id) {
        tracing::warn!(authorization_id = %id, "authorization belongs to different user");
        return Err(authorization_not_found());
    }
    let redirect_url = if body.action == "approve" {
        let redirect_url = approve(&mut tx, &authorization).await?;
        store::upsert_oauth_consent(
            &mut tx,
            user_id,
            &authorization.client_id,
            &authorization.scope,
            &now_rfc3339(),
        )
        .await?;
        redirect_url
    } else {
        store::settle_oauth_authorization(&mut tx, &id, "denied", None, &now_rfc3339()).await?;
        with_params(
            &authorization.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "User denied the request"),
                ("state", authorization.state.as_deref().unwrap_or_default()),
            ],
        )
    };
    tx.commit().await?;
    Ok(Json(json!({ "redirect_url": redirect_url })))
}

/// `GET /user/oauth/grants`: the clients the caller has granted access, newest first.
pub async fn grants(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let grants = store::oauth_grants(&state.db.read, &caller.user.id).await?;
    let grants: Vec<Value> = grants
        .into_iter()
        .map(|grant| {
            json!({
                "client": client_info(
                    &grant.client_id,
                    [&grant.client_name, &grant.client_uri, &grant.logo_uri],
                ),
                "scopes": scopes(&grant.scopes),
                "granted_at": grant.granted_at,
            })
        })
        .collect();
    Ok(Json(json!(grants)))
}

/// The query of a revocation.
#[derive(Debug, Deserialize)]
pub struct RevokeQuery {
    #[serde(default)]
    client_id: String,
}

/// `DELETE /user/oauth/grants?client_id=`: revokes the grant and ends the client's sessions for
/// the caller; 204, or 404 `oauth_consent_not_found` without an active grant.
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<RevokeQuery>,
) -> ApiResult<StatusCode> {
    if query.client_id.is_empty() {
        return Err(ApiError::validation(
            "client_id query parameter is required",
        ));
    }
    let client_id = uuid::Uuid::parse_str(&query.client_id)
        .map_err(|_| ApiError::validation("invalid client_id format"))?;
    let mut tx = state.db.write.begin().await?;
    let revoked = store::revoke_oauth_grant(
        &mut tx,
        &caller.user.id,
        &client_id.to_string(),
        &now_rfc3339(),
    )
    .await?;
    tx.commit().await?;
    if revoked {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            ErrorCode::OauthConsentNotFound,
            "No active grant found for this client",
        ))
    }
}

/// `GET /.well-known/openid-configuration` and `/.well-known/oauth-authorization-server`: one
/// document for both (OpenID Connect Discovery extends RFC 8414), as upstream serves it.
pub async fn discovery(State(state): State<AppState>) -> Response {
    let issuer = state.config.issuer();
    let base = issuer.trim_end_matches('/');
    let mut document = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "userinfo_endpoint": format!("{base}/oauth/userinfo"),
        "scopes_supported": SUPPORTED_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [state.signer.algorithm_name()],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "claims_supported": [
            "sub", "aud", "iss", "exp", "iat", "auth_time", "nonce", "email", "email_verified",
            "phone_number", "phone_number_verified", "name", "picture", "preferred_username",
            "updated_at",
        ],
        "code_challenge_methods_supported": ["S256"],
    });
    if state.config.oauth_server.enabled && state.config.oauth_server.allow_dynamic_registration {
        document["registration_endpoint"] = json!(format!("{base}/oauth/clients/register"));
    }
    (
        [(header::CACHE_CONTROL, "public, max-age=600")],
        Json(document),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_set_in_the_query_replacing_any_of_the_same_name() {
        assert_eq!(
            with_params(
                "https://client.example/cb?code=forged&keep=1",
                &[("code", "c1"), ("state", "s p"), ("error", "")]
            ),
            "https://client.example/cb?keep=1&code=c1&state=s+p"
        );
        assert_eq!(
            with_params("myapp://callback", &[("code", "c")]),
            "myapp://callback?code=c"
        );
    }

    #[test]
    fn scopes_are_split_on_spaces_once_each() {
        assert_eq!(
            scopes(" openid  email openid\tprofile "),
            ["openid", "email", "profile"]
        );
        assert!(scopes("  ").is_empty());
    }

    #[test]
    fn requests_are_checked_as_upstream_with_s256_only() {
        let good = AuthorizeQuery {
            response_type: "code".to_owned(),
            scope: "openid email".to_owned(),
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned(),
            code_challenge_method: "S256".to_owned(),
            ..AuthorizeQuery::default()
        };
        assert_eq!(check_request(&good), Ok(()));
        let refused = |change: fn(&mut AuthorizeQuery)| {
            let mut query = AuthorizeQuery { ..good.clone() };
            change(&mut query);
            check_request(&query).unwrap_err()
        };
        assert!(refused(|q| q.response_type = "token".to_owned()).contains("response_type"));
        assert!(refused(|q| q.scope = "openid admin".to_owned()).contains("unsupported scope"));
        assert!(refused(|q| q.code_challenge_method = "plain".to_owned()).contains("S256"));
        assert!(refused(|q| q.code_challenge = String::new()).contains("PKCE"));
        assert!(refused(|q| q.code_challenge = "short".to_owned()).contains("43 and 128"));
        assert!(refused(|q| q.code_challenge = "a".repeat(42) + "!").contains("43 and 128"));
        assert!(refused(|q| q.resource = "relative/path".to_owned()).contains("absolute"));
        assert!(refused(|q| q.resource = "https://api.example/#x".to_owned()).contains("fragment"));
        assert!(refused(|q| q.resource = "https://api.example/?x".to_owned()).contains("query"));
        assert!(refused(|q| q.nonce = "n".repeat(1025)).contains("nonce"));
    }
}
