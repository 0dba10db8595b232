//! OAuth sign-in: `GET /authorize` starts a flow and sends the browser to the provider (here the
//! development identity provider), `GET|POST /callback` finishes it: it exchanges the provider's
//! code for the identity, signs the user in, up or links the identity, and redirects to the app
//! with `?code=` (PKCE) or the session in the fragment (implicit flow).

use std::collections::HashMap;

use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use super::{PkceParams, mails};
use crate::{
    dev_idp::{self, Grant, found},
    error::{ApiError, ApiResult, ErrorCode},
    extract::ApiQuery,
    mail, redirect, sessions,
    state::AppState,
    store::{self, Metadata, OAuthFlow, User},
    time::parse_rfc3339,
};

/// How long a started OAuth flow may take, in seconds (upstream's flow-state lifetime).
const FLOW_LIFETIME: i64 = 300;

/// The query of `/authorize` (and of `/user/identities/authorize`).
#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeQuery {
    /// The provider, as Supabase names it (`github`, `google`, …).
    pub provider: Option<String>,
    /// Where the app wants the browser back.
    pub redirect_to: Option<String>,
    /// Space-separated scopes to ask the provider for.
    pub scopes: Option<String>,
    /// The PKCE challenge, when the app uses the PKCE flow.
    #[serde(flatten)]
    pub pkce: PkceParams,
}

/// Starts an OAuth flow: 302 to the provider's sign-in page.
pub async fn authorize(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<AuthorizeQuery>,
) -> ApiResult<Response> {
    let url = start_flow(&state, &query, None).await?;
    Ok(found(&url))
}

/// Records the flow (its id is the `state` the provider hands back) and returns the provider URL.
/// `linking_target` names the signed-in user an identity is being linked to.
pub(super) async fn start_flow(
    state: &AppState,
    query: &AuthorizeQuery,
    linking_target: Option<&str>,
) -> ApiResult<String> {
    let provider = query.provider.as_deref().unwrap_or_default();
    if !state
        .config
        .external_providers
        .iter()
        .any(|p| p == provider)
    {
        return Err(ApiError::validation(format!(
            "Unsupported provider: provider {provider:?} is not enabled"
        )));
    }
    let pkce = query.pkce.validate()?;
    let referrer = redirect::resolve(&state.config, query.redirect_to.as_deref());
    let (challenge, method) = pkce
        .as_ref()
        .map_or(("", ""), |pkce| (pkce.challenge.as_str(), pkce.method));
    let flow_id = uuid::Uuid::new_v4().to_string();
    store::insert_oauth_flow(
        &state.db.write,
        &flow_id,
        "oauth",
        challenge,
        method,
        provider,
        &referrer,
        linking_target,
    )
    .await?;
    let issuer = state.config.issuer();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", "local-auth")
        .append_pair("redirect_uri", &format!("{issuer}/callback"))
        .append_pair("response_type", "code")
        .append_pair("scope", query.scopes.as_deref().unwrap_or_default())
        .append_pair("state", &flow_id)
        .append_pair("provider", provider)
        .finish();
    Ok(format!("{issuer}{}?{query}", dev_idp::AUTHORIZE_PATH))
}

/// `GET /callback`: the provider's redirect.
pub async fn callback_get(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    callback(&state, &params).await
}

/// `POST /callback`: providers that answer with a form post (Apple).
pub async fn callback_post(
    State(state): State<AppState>,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    callback(&state, &params).await
}

async fn callback(state: &AppState, params: &HashMap<String, String>) -> Response {
    let site = state.config.site_url.to_string();
    let Some(flow_id) = params.get("state").filter(|state| !state.is_empty()) else {
        let error =
            ApiError::bad_request(ErrorCode::BadOauthCallback, "OAuth state parameter missing");
        return redirect_error(&site, "invalid_request", &error);
    };
    let flow = match find_flow(state, flow_id).await {
        Ok(Some(flow)) => flow,
        Ok(None) => {
            let error = ApiError::bad_request(
                ErrorCode::BadOauthState,
                "OAuth callback with invalid state",
            );
            return redirect_error(&site, "invalid_request", &error);
        }
        Err(error) => return redirect_error(&site, "server_error", &error),
    };
    let referrer = flow.referrer.clone().unwrap_or(site);
    if let Some(error) = params.get("error") {
        let description = params.get("error_description").cloned().unwrap_or_default();
        // The provider's own error, passed on as upstream does: no Supabase error code.
        let location = redirect::error_location(
            &referrer,
            &[("error", error), ("error_description", &description)],
        );
        return found(&location);
    }
    match finish(state, &flow, params.get("code").map(String::as_str)).await {
        Ok(location) => found(&location),
        Err(error) => {
            let kind = if error.status == StatusCode::INTERNAL_SERVER_ERROR {
                "server_error"
            } else {
                "invalid_request"
            };
            redirect_error(&referrer, kind, &error)
        }
    }
}

async fn find_flow(state: &AppState, id: &str) -> ApiResult<Option<OAuthFlow>> {
    Ok(store::oauth_flow(&state.db.read, id, "oauth").await?)
}

/// Exchanges the provider's code and completes the flow; returns where to send the browser.
async fn finish(state: &AppState, flow: &OAuthFlow, code: Option<&str>) -> ApiResult<String> {
    check_flow(flow)?;
    let code = code.filter(|code| !code.is_empty()).ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::BadOauthCallback,
            "OAuth callback with missing authorization code missing",
        )
    })?;
    let mut tx = state.db.write.begin().await?;
    let grant = dev_idp::exchange(&mut tx, &flow.provider_type, code)
        .await?
        .ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::BadOauthCallback,
                "Unable to exchange external code",
            )
        })?;
    let identity_data = grant.identity_data(&state.config.issuer());
    let user = match &flow.linking_target_id {
        Some(target) => link_identity(state, &mut tx, target, &grant, &identity_data).await?,
        None => sign_in_or_up(state, &mut tx, &grant, &identity_data).await?,
    };
    let location = complete(state, &mut tx, flow, &user, Some(&grant.access_token)).await?;
    tx.commit().await?;
    Ok(location)
}

/// Refuses a flow that signed someone in already or is past its lifetime.
fn check_flow(flow: &OAuthFlow) -> ApiResult<()> {
    if flow.user_id.is_some() {
        return Err(ApiError::bad_request(
            ErrorCode::FlowStateAlreadyUsed,
            "Flow state already used",
        ));
    }
    let created = parse_rfc3339(Some(&flow.created_at)).unwrap_or_else(Utc::now);
    if (Utc::now() - created).num_seconds() > FLOW_LIFETIME {
        return Err(ApiError::unprocessable(
            ErrorCode::FlowStateExpired,
            "Flow state has expired",
        ));
    }
    Ok(())
}

/// `flow` signed `user` in: with PKCE its code may now be exchanged and the browser goes to the
/// app with `?code=`; without, the session starts here and rides in the fragment (with the
/// provider's token, when there is one). Returns where to send the browser.
pub(super) async fn complete(
    state: &AppState,
    tx: &mut SqliteConnection,
    flow: &OAuthFlow,
    user: &User,
    provider_token: Option<&str>,
) -> ApiResult<String> {
    if user.is_banned() {
        return Err(ApiError::forbidden(ErrorCode::UserBanned, "User is banned"));
    }
    let referrer = flow
        .referrer
        .clone()
        .unwrap_or_else(|| state.config.site_url.to_string());
    if flow.code_challenge.is_empty() {
        let session = sessions::start(state, &mut *tx, user, &flow.authentication_method).await?;
        store::delete_flow(&mut *tx, &flow.id).await?;
        return Ok(implicit_location(&referrer, &session, provider_token));
    }
    store::issue_flow_code(&mut *tx, &flow.id, &user.id, provider_token).await?;
    let separator = if referrer.contains('?') { '&' } else { '?' };
    Ok(format!("{referrer}{separator}code={}", flow.auth_code))
}

/// Signs in the identity's user, or signs a new user up; an address that belongs to an account
/// already is refused (`email_exists`), never linked.
async fn sign_in_or_up(
    state: &AppState,
    tx: &mut SqliteConnection,
    grant: &Grant,
    identity_data: &Value,
) -> ApiResult<User> {
    if let Some(identity) =
        store::identity_by_provider(&mut *tx, &grant.provider, &grant.subject).await?
    {
        store::record_identity_sign_in(&mut *tx, &identity.id, identity_data, Some(&grant.email))
            .await?;
        store::patch_metadata(&mut *tx, &identity.user_id, Metadata::User, identity_data).await?;
        return user(tx, &identity.user_id).await;
    }
    if store::user_by_email(&mut *tx, &grant.email)
        .await?
        .is_some()
    {
        // The development provider lets anyone type any address, so its addresses are unverified:
        // like upstream with a provider that does not verify emails, the identity is never linked
        // to an existing account by its address. The owner links it from their account instead.
        return Err(ApiError::unprocessable(
            ErrorCode::EmailExists,
            "An account with this email address already exists: sign in to it and link the \
             provider from there",
        ));
    }
    let identity = NewIdentity {
        provider: &grant.provider,
        subject: &grant.subject,
        email: Some(&grant.email),
        sso: false,
        data: identity_data,
    };
    sign_up_with_identity(state, tx, &identity).await
}

/// An identity a new user signs up with.
pub(super) struct NewIdentity<'a> {
    /// Its provider (`github`, `sso:<id>`, `web3`).
    pub provider: &'a str,
    /// The provider's id for it.
    pub subject: &'a str,
    /// Its verified address, when it has one (a wallet has none).
    pub email: Option<&'a str>,
    /// Whether it is an SSO provider's (the user is then an SSO user, an account of its own).
    pub sso: bool,
    /// The identity data (copied into `user_metadata`).
    pub data: &'a Value,
}

/// Signs a new user up with `identity`: refused while sign-ups are closed, and the
/// before-user-created hook has the last word.
pub(super) async fn sign_up_with_identity(
    state: &AppState,
    tx: &mut SqliteConnection,
    identity: &NewIdentity<'_>,
) -> ApiResult<User> {
    if !state.config.enable_signup {
        return Err(ApiError::unprocessable(
            ErrorCode::SignupDisabled,
            "Signups not allowed for this instance",
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let app_metadata = json!({ "provider": identity.provider, "providers": [identity.provider] });
    store::insert_provider_user(
        &mut *tx,
        &id,
        identity.email,
        identity.sso,
        &app_metadata,
        identity.data,
    )
    .await?;
    store::insert_identity(
        tx,
        &id,
        identity.provider,
        identity.subject,
        identity.data,
        identity.email,
    )
    .await?;
    let user = user(tx, &id).await?;
    crate::hooks::attempts::before_user_created(state, tx, &user).await?;
    Ok(user)
}

/// Links the identity to the signed-in user who started the flow. An anonymous user becomes
/// permanent, taking the identity's address when it is free.
async fn link_identity(
    state: &AppState,
    tx: &mut SqliteConnection,
    target: &str,
    grant: &Grant,
    identity_data: &Value,
) -> ApiResult<User> {
    if !state.config.enable_manual_linking {
        return Err(manual_linking_disabled());
    }
    let target = store::user_by_id(&mut *tx, target)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::UserNotFound, "User not found"))?;
    if let Some(identity) =
        store::identity_by_provider(&mut *tx, &grant.provider, &grant.subject).await?
    {
        let message = if identity.user_id == target.id {
            "Identity is already linked"
        } else {
            "Identity is already linked to another user"
        };
        return Err(ApiError::unprocessable(
            ErrorCode::IdentityAlreadyExists,
            message,
        ));
    }
    let email = Some(grant.email.as_str());
    store::insert_identity(
        tx,
        &target.id,
        &grant.provider,
        &grant.subject,
        identity_data,
        email,
    )
    .await?;
    if target.is_anonymous {
        let address_free = store::user_by_email(&mut *tx, &grant.email)
            .await?
            .is_none();
        store::make_permanent_with_provider(&mut *tx, &target.id, &grant.email, address_free)
            .await?;
        store::refresh_providers(tx, &target.id, Some(&grant.provider)).await?;
    } else {
        store::refresh_providers(tx, &target.id, None).await?;
    }
    let linked = user(tx, &target.id).await?;
    let details = mail::Details {
        provider: Some(grant.provider.clone()),
        ..mail::Details::default()
    };
    mails::notify(
        tx,
        state,
        &linked,
        mail::Notification::IdentityLinked,
        None,
        details,
    )
    .await?;
    Ok(linked)
}

/// 404 `manual_linking_disabled`.
pub(super) fn manual_linking_disabled() -> ApiError {
    ApiError::not_found(
        ErrorCode::ManualLinkingDisabled,
        "Manual linking is disabled",
    )
}

async fn user(tx: &mut SqliteConnection, id: &str) -> ApiResult<User> {
    store::user_by_id(tx, id)
        .await?
        .ok_or_else(|| ApiError::internal("a user vanished inside its transaction"))
}

/// The implicit flow's redirect: the session and the provider token in the fragment.
fn implicit_location(referrer: &str, session: &Value, provider_token: Option<&str>) -> String {
    let field = |name: &str| match &session[name] {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let mut fragment = url::form_urlencoded::Serializer::new(String::new());
    fragment
        .append_pair("access_token", &field("access_token"))
        .append_pair("expires_at", &field("expires_at"))
        .append_pair("expires_in", &field("expires_in"));
    if let Some(provider_token) = provider_token {
        fragment.append_pair("provider_token", provider_token);
    }
    let fragment = fragment
        .append_pair("refresh_token", &field("refresh_token"))
        .append_pair("token_type", "bearer")
        .finish();
    format!("{referrer}#{fragment}")
}

/// An error redirect: `error`, `error_code` and `error_description` in the query and the fragment.
pub(super) fn redirect_error(target: &str, kind: &str, error: &ApiError) -> Response {
    let pairs = [
        ("error", kind),
        ("error_code", error.code.as_str()),
        ("error_description", error.message.as_str()),
    ];
    found(&redirect::error_location(target, &pairs))
}
