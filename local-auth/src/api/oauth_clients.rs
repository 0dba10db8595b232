//! The OAuth 2.1 server's client registry, as upstream's `internal/api/oauthserver` keeps it
//! (`[auth.oauth_server] enabled`): the admin API `/admin/oauth/clients` (register, list with
//! `X-Total-Count` and `Link`, get, update, delete, regenerate a secret) and, with
//! `allow_dynamic_registration`, `POST /oauth/clients/register` for anyone, rate limited. The same
//! checks and answers as upstream: redirect URIs absolute, without fragments, never `javascript:`
//! and the like, `http` only for loopback hosts, at most 10; `authorization_code` and
//! `refresh_token` grants only; a client type that agrees with its token endpoint authentication
//! method; a confidential client's secret shown once and kept as its SHA-256. The authorization
//! flow is `super::oauth_server` and `super::oauth_token`.

use axum::{
    Json,
    extract::{Path, Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

use crate::{
    api::{PageQuery, page_headers},
    bearer::ServiceRole,
    crypto::random_bytes,
    error::{ApiError, ApiResult, ErrorCode},
    extract::{ApiJson, ApiQuery},
    state::AppState,
    store::{self, OAuthClient},
    time::now_rfc3339,
};

/// Clients per page unless the request says otherwise.
const DEFAULT_PER_PAGE: u32 = 50;
/// The most redirect URIs a client may have (upstream's).
const MAX_REDIRECT_URIS: usize = 10;

const PUBLIC: &str = "public";
const CONFIDENTIAL: &str = "confidential";
const AUTH_NONE: &str = "none";
const AUTH_BASIC: &str = "client_secret_basic";
const AUTH_POST: &str = "client_secret_post";

/// The body of a registration (admin or dynamic).
#[derive(Debug, Default, Deserialize)]
pub struct RegisterParams {
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    client_type: String,
    #[serde(default)]
    token_endpoint_auth_method: String,
    #[serde(default)]
    grant_types: Vec<String>,
    #[serde(default)]
    client_name: String,
    #[serde(default)]
    client_uri: String,
    #[serde(default)]
    logo_uri: String,
}

/// The body of `PUT /admin/oauth/clients/{client_id}`: only the fields given change.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateParams {
    redirect_uris: Option<Vec<String>>,
    grant_types: Option<Vec<String>>,
    client_name: Option<String>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    token_endpoint_auth_method: Option<String>,
}

/// `POST /admin/oauth/clients`: 201 with the client (and its secret, once).
pub async fn create(
    State(state): State<AppState>,
    _: ServiceRole,
    ApiJson(params): ApiJson<RegisterParams>,
) -> ApiResult<Response> {
    register(&state, params, "manual").await
}

/// `POST /oauth/clients/register` (OAuth 2.0 Dynamic Client Registration): as the admin's, behind
/// [`require_dynamic_registration`].
pub async fn register_dynamically(
    State(state): State<AppState>,
    ApiJson(params): ApiJson<RegisterParams>,
) -> ApiResult<Response> {
    register(&state, params, "dynamic").await
}

/// 403 `oauth_dynamic_client_registration_disabled` unless `allow_dynamic_registration` is on,
/// before the body is read (after the rate limit, as upstream).
pub async fn require_dynamic_registration(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !state.config.oauth_server.allow_dynamic_registration {
        return ApiError::forbidden(
            ErrorCode::OauthDynamicClientRegistrationDisabled,
            "Dynamic client registration is not enabled",
        )
        .into_response();
    }
    next.run(request).await
}

async fn register(
    state: &AppState,
    params: RegisterParams,
    registration_type: &str,
) -> ApiResult<Response> {
    validate_redirect_uris(&params.redirect_uris)?;
    if !params.grant_types.is_empty() {
        validate_grant_types(&params.grant_types)?;
    }
    validate_name(&params.client_name)?;
    validate_uri("client_uri", &params.client_uri)?;
    validate_uri("logo_uri", &params.logo_uri)?;
    let method = params.token_endpoint_auth_method.as_str();
    if !params.client_type.is_empty()
        && ![PUBLIC, CONFIDENTIAL].contains(&params.client_type.as_str())
    {
        return Err(ApiError::validation(format!(
            "client_type must be '{PUBLIC}' or '{CONFIDENTIAL}'"
        )));
    }
    if !method.is_empty() && ![AUTH_NONE, AUTH_BASIC, AUTH_POST].contains(&method) {
        return Err(ApiError::validation(format!(
            "token_endpoint_auth_method must be one of: [{AUTH_NONE} {AUTH_BASIC} {AUTH_POST}]"
        )));
    }
    let inferred = if method == AUTH_NONE {
        PUBLIC
    } else {
        CONFIDENTIAL
    };
    if !params.client_type.is_empty() && !method.is_empty() && params.client_type != inferred {
        return Err(ApiError::validation(format!(
            "client_type '{}' is inconsistent with token_endpoint_auth_method '{method}' \
             (expected client_type '{inferred}')",
            params.client_type
        )));
    }
    // An explicit type first, then the one the method implies, else confidential (upstream's
    // order); the method defaults to the type's (RFC 7591: `client_secret_basic`).
    let client_type = match (params.client_type.as_str(), method) {
        ("", "") => CONFIDENTIAL,
        ("", _) => inferred,
        (explicit, _) => explicit,
    };
    let method = match (method, client_type) {
        ("", PUBLIC) => AUTH_NONE,
        ("", _) => AUTH_BASIC,
        (method, _) => method,
    };
    let grant_types = if params.grant_types.is_empty() {
        vec!["authorization_code".to_owned(), "refresh_token".to_owned()]
    } else {
        params.grant_types
    };
    let secret = (client_type == CONFIDENTIAL).then(new_secret);
    let now = now_rfc3339();
    let client = OAuthClient {
        id: uuid::Uuid::new_v4().to_string(),
        client_secret_hash: secret.as_deref().map(hash_secret),
        registration_type: registration_type.to_owned(),
        client_type: client_type.to_owned(),
        token_endpoint_auth_method: method.to_owned(),
        redirect_uris: json!(params.redirect_uris).to_string(),
        grant_types: json!(grant_types).to_string(),
        client_name: Some(params.client_name).filter(|name| !name.is_empty()),
        client_uri: Some(params.client_uri).filter(|uri| !uri.is_empty()),
        logo_uri: Some(params.logo_uri).filter(|uri| !uri.is_empty()),
        created_at: now.clone(),
        updated_at: now,
    };
    store::insert_oauth_client(&state.db.write, &client).await?;
    Ok((StatusCode::CREATED, Json(client.to_json(secret.as_deref()))).into_response())
}

/// `GET /admin/oauth/clients`: `{clients}`, newest first, with the total and page links in
/// headers, as the users list.
pub async fn list(
    State(state): State<AppState>,
    _: ServiceRole,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Response> {
    let (page, per_page) = query.page(DEFAULT_PER_PAGE)?;
    let total = store::count_oauth_clients(&state.db.read).await?;
    let offset = i64::from(page - 1) * i64::from(per_page);
    let clients = store::oauth_clients_page(&state.db.read, i64::from(per_page), offset).await?;
    let base = format!("{}/admin/oauth/clients", state.config.issuer());
    let headers = page_headers(&base, page, per_page, total);
    let clients: Vec<Value> = clients.iter().map(|client| client.to_json(None)).collect();
    Ok((headers, Json(json!({ "clients": clients }))).into_response())
}

/// `GET /admin/oauth/clients/{client_id}`: the client, without its secret.
pub async fn get(
    State(state): State<AppState>,
    _: ServiceRole,
    Path(client_id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(load(&state, &client_id).await?.to_json(None)))
}

/// `PUT /admin/oauth/clients/{client_id}`: the fields given change.
pub async fn update(
    State(state): State<AppState>,
    _: ServiceRole,
    Path(client_id): Path<String>,
    ApiJson(params): ApiJson<UpdateParams>,
) -> ApiResult<Json<Value>> {
    let mut client = load(&state, &client_id).await?;
    let nothing = params.redirect_uris.is_none()
        && params.grant_types.is_none()
        && params.client_name.is_none()
        && params.client_uri.is_none()
        && params.logo_uri.is_none()
        && params.token_endpoint_auth_method.is_none();
    if nothing {
        return Err(ApiError::validation("No fields provided for update"));
    }
    if let Some(uris) = params.redirect_uris {
        validate_redirect_uris(&uris)?;
        client.redirect_uris = json!(uris).to_string();
    }
    if let Some(grants) = params.grant_types {
        validate_grant_types(&grants)?;
        client.grant_types = json!(grants).to_string();
    }
    if let Some(name) = params.client_name {
        validate_name(&name)?;
        client.client_name = Some(name);
    }
    if let Some(uri) = params.client_uri {
        validate_uri("client_uri", &uri)?;
        client.client_uri = Some(uri);
    }
    if let Some(uri) = params.logo_uri {
        validate_uri("logo_uri", &uri)?;
        client.logo_uri = Some(uri);
    }
    if let Some(method) = params.token_endpoint_auth_method {
        let fits = match client.client_type.as_str() {
            PUBLIC => method == AUTH_NONE,
            _ => method == AUTH_BASIC || method == AUTH_POST,
        };
        if !fits {
            return Err(ApiError::validation(format!(
                "token_endpoint_auth_method '{method}' is not valid for client_type '{}'",
                client.client_type
            )));
        }
        client.token_endpoint_auth_method = method;
    }
    client.updated_at = now_rfc3339();
    store::update_oauth_client(&state.db.write, &client).await?;
    Ok(Json(client.to_json(None)))
}

/// `DELETE /admin/oauth/clients/{client_id}`: 204.
pub async fn delete(
    State(state): State<AppState>,
    _: ServiceRole,
    Path(client_id): Path<String>,
) -> ApiResult<StatusCode> {
    let client = load(&state, &client_id).await?;
    store::delete_oauth_client(&state.db.write, &client.id, &now_rfc3339()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /admin/oauth/clients/{client_id}/regenerate_secret`: a new secret for a confidential
/// client, shown once; the old one stops working.
pub async fn regenerate_secret(
    State(state): State<AppState>,
    _: ServiceRole,
    Path(client_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut client = load(&state, &client_id).await?;
    if client.client_type != CONFIDENTIAL {
        return Err(ApiError::validation(
            "Cannot regenerate secret for public client",
        ));
    }
    let secret = new_secret();
    client.client_secret_hash = Some(hash_secret(&secret));
    client.updated_at = now_rfc3339();
    store::update_oauth_client(&state.db.write, &client).await?;
    Ok(Json(client.to_json(Some(&secret))))
}

/// The client `client_id` names: 400 for an id that is not a UUID, 404
/// `oauth_client_not_found` for one that is not registered (or was deleted).
async fn load(state: &AppState, client_id: &str) -> ApiResult<OAuthClient> {
    let id = uuid::Uuid::parse_str(client_id)
        .map_err(|_| ApiError::validation("invalid client_id format"))?;
    store::oauth_client(&state.db.read, &id.to_string())
        .await?
        .ok_or_else(|| {
            ApiError::not_found(ErrorCode::OauthClientNotFound, "OAuth client not found")
        })
}

/// 32 random bytes, base64url.
fn new_secret() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A secret as it is kept: its SHA-256, base64url (upstream's).
pub(super) fn hash_secret(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

fn validate_redirect_uris(uris: &[String]) -> ApiResult<()> {
    if uris.is_empty() {
        return Err(ApiError::validation("redirect_uris is required"));
    }
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(ApiError::validation("redirect_uris cannot exceed 10 items"));
    }
    for uri in uris {
        if let Err(problem) = redirect_uri_problem(uri) {
            return Err(ApiError::validation(format!(
                "invalid redirect_uri '{uri}': {problem}"
            )));
        }
    }
    Ok(())
}

/// Upstream's rules for a redirect URI (RFC 6749 3.1.2 and RFC 6819 5.1.1): absolute with a
/// host, no fragment, no scheme that runs or reads content, `http` only for loopback hosts.
fn redirect_uri_problem(uri: &str) -> Result<(), &'static str> {
    if uri.is_empty() {
        return Err("redirect URI cannot be empty");
    }
    if uri.len() > 2048 {
        return Err("too long");
    }
    let url = Url::parse(uri).map_err(|_| "invalid URL format")?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must have scheme and host");
    }
    if ["javascript", "data", "file", "vbscript", "about", "blob"]
        .iter()
        .any(|dangerous| url.scheme().eq_ignore_ascii_case(dangerous))
    {
        return Err("scheme is not allowed for security reasons");
    }
    if url.scheme() == "http"
        && !matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
    {
        return Err("HTTP scheme only allowed for localhost");
    }
    if url.fragment().is_some() {
        return Err("fragment not allowed in redirect URI");
    }
    Ok(())
}

fn validate_grant_types(grants: &[String]) -> ApiResult<()> {
    if grants.is_empty() {
        return Err(ApiError::validation("grant_types cannot be empty"));
    }
    if grants
        .iter()
        .any(|grant| grant != "authorization_code" && grant != "refresh_token")
    {
        return Err(ApiError::validation(
            "grant_types must only contain 'authorization_code' and/or 'refresh_token'",
        ));
    }
    Ok(())
}

fn validate_name(name: &str) -> ApiResult<()> {
    if name.chars().count() > 1024 {
        return Err(ApiError::validation(
            "client_name cannot exceed 1024 characters",
        ));
    }
    Ok(())
}

fn validate_uri(field: &str, uri: &str) -> ApiResult<()> {
    if uri.is_empty() {
        return Ok(());
    }
    if uri.chars().count() > 2048 {
        return Err(ApiError::validation(format!(
            "{field} cannot exceed 2048 characters"
        )));
    }
    Url::parse(uri)
        .map(drop)
        .map_err(|_| ApiError::validation(format!("{field} must be a valid URL")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_follow_upstreams_rules() {
        for allowed in [
            "https://example.com/callback",
            "http://localhost:3000/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:8080/cb",
            "myapp://callback",
            "https://example.com/cb?x=1",
        ] {
            assert_eq!(redirect_uri_problem(allowed), Ok(()), "{allowed}");
        }
        for refused in [
            "",
            "/relative",
            "https://example.com/cb#fragment",
            "http://example.com/cb",
            "http://localhost.evil.com/cb",
            "javascript://alert(1)",
            "JavaScript://x/alert(1)",
            "data://text/html,x",
            "file:///etc/passwd",
            "myapp:/no-host",
        ] {
            assert!(redirect_uri_problem(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn secrets_are_kept_as_their_sha256() {
        let secret = new_secret();
        assert_eq!(URL_SAFE_NO_PAD.decode(&secret).unwrap().len(), 32);
        assert_eq!(hash_secret(&secret), hash_secret(&secret));
        assert_ne!(hash_secret(&secret), hash_secret(&new_secret()));
    }
}
