//! The REST API under `/auth/v1`, one module per group of endpoints, and the input rules they share.

mod admin;
mod disabled;
mod external;
pub mod factors;
mod identities;
mod logout;
mod mails;
mod meta;
pub mod oauth_clients;
mod oauth_server;
mod oauth_token;
mod otp;
mod passkeys;
mod phone;
mod signup;
pub mod sso;
mod third_party;
mod token;
mod user;
mod verify;
mod web3;

pub use disabled::not_found;

use axum::{
    Router,
    handler::Handler,
    middleware,
    routing::{delete, get, patch, post},
};
use serde::Deserialize;

use crate::{
    captcha,
    error::{ApiError, ApiResult},
    rate_limit::{self, Limiter},
    state::AppState,
};

/// The API routes, relative to `/auth/v1`, each with its policy as upstream routes it: the
/// rate limiter it counts with (`limit`; `/signup` picks its limiter by the body, in the handler)
/// and, for those that can create users or send mail, the CAPTCHA check (`captcha`, when CAPTCHA
/// protection is on). The limit is checked first.
pub fn routes(state: &AppState) -> Router<AppState> {
    let captcha = || middleware::from_fn_with_state(state.clone(), captcha::require_token);
    let limit = |limiter: Limiter| {
        middleware::from_fn_with_state((state.rate_limit.clone(), limiter), rate_limit::limit)
    };
    let passkeys_on = || middleware::from_fn_with_state(state.clone(), passkeys::require_enabled);
    let sso = if state.config.saml_enabled {
        Router::new()
            .route(
                "/sso",
                post(sso::start)
                    .route_layer(captcha())
                    .route_layer(limit(Limiter::Sso)),
            )
            .route("/sso/saml/metadata", get(sso::metadata))
            .route("/sso/saml/acs", post(sso::acs))
            .route(
                sso::DEV_SIGN_IN_PATH,
                get(sso::dev_sign_in_page).post(sso::dev_decide),
            )
            .route("/admin/sso/providers", get(sso::list).post(sso::create))
            .route(
                "/admin/sso/providers/{idp_id}",
                get(sso::get).put(sso::update).delete(sso::delete),
            )
    } else {
        disabled::saml_routes()
    };
    let oauth_server = if state.config.oauth_server.enabled {
        Router::new()
            .route("/oauth/authorize", get(oauth_server::authorize))
            .route(
                "/oauth/authorizations/{authorization_id}",
                get(oauth_server::details),
            )
            .route(
                "/oauth/authorizations/{authorization_id}/consent",
                post(oauth_server::consent),
            )
            .route("/oauth/token", post(oauth_token::token))
            .route("/oauth/userinfo", get(oauth_token::userinfo))
            .route(
                "/user/oauth/grants",
                get(oauth_server::grants).delete(oauth_server::revoke),
            )
            .route(
                "/.well-known/oauth-authorization-server",
                get(oauth_server::discovery),
            )
            .route(
                "/oauth/clients/register",
                post(oauth_clients::register_dynamically)
                    .route_layer(middleware::from_fn_with_state(
                        state.clone(),
                        oauth_clients::require_dynamic_registration,
                    ))
                    .route_layer(limit(Limiter::OAuthClientRegister)),
            )
            .route(
                "/admin/oauth/clients",
                get(oauth_clients::list).post(oauth_clients::create),
            )
            .route(
                "/admin/oauth/clients/{client_id}",
                get(oauth_clients::get)
                    .put(oauth_clients::update)
                    .delete(oauth_clients::delete),
            )
            .route(
                "/admin/oauth/clients/{client_id}/regenerate_secret",
                post(oauth_clients::regenerate_secret),
            )
    } else {
        disabled::oauth_server_routes()
    };
    Router::new()
        .route("/health", get(meta::health))
        .route("/settings", get(meta::settings))
        .route("/.well-known/jwks.json", get(meta::jwks))
        .route(
            "/.well-known/openid-configuration",
            get(oauth_server::discovery),
        )
        .route(
            crate::third_party::DISCOVERY_PATH,
            get(third_party::discovery),
        )
        .route(crate::third_party::JWKS_PATH, get(third_party::jwks))
        .route(
            crate::third_party::SIGN_IN_PATH,
            get(third_party::sign_in_page).post(third_party::sign_in),
        )
        .route("/admin/third-party/tokens", post(third_party::mint))
        .route("/signup", post(signup::signup).route_layer(captcha()))
        .route(
            "/token",
            post(token::token)
                .route_layer(captcha())
                .route_layer(middleware::from_fn_with_state(
                    state.rate_limit.clone(),
                    rate_limit::limit_token,
                )),
        )
        .route(
            "/verify",
            get(verify::verify_link)
                .post(verify::verify_code)
                .route_layer(limit(Limiter::Verify)),
        )
        .route(
            "/otp",
            post(otp::otp)
                .route_layer(captcha())
                .route_layer(limit(Limiter::Otp)),
        )
        .route(
            "/magiclink",
            post(otp::magiclink)
                .route_layer(captcha())
                .route_layer(limit(Limiter::MagicLink)),
        )
        .route(
            "/recover",
            post(otp::recover)
                .route_layer(captcha())
                .route_layer(limit(Limiter::Recover)),
        )
        .route(
            "/resend",
            post(otp::resend)
                .route_layer(captcha())
                .route_layer(limit(Limiter::Resend)),
        )
        .route(
            "/user",
            get(user::get_user).put(user::update_user.layer(limit(Limiter::User))),
        )
        .route("/reauthenticate", get(user::reauthenticate))
        .route("/logout", post(logout::logout))
        .route("/authorize", get(external::authorize))
        .route(
            "/callback",
            get(external::callback_get).post(external::callback_post),
        )
        .route(
            crate::dev_idp::AUTHORIZE_PATH,
            get(crate::dev_idp::sign_in_page).post(crate::dev_idp::decide),
        )
        .route("/user/identities/authorize", get(identities::link))
        .route("/user/identities/{id}", delete(identities::unlink))
        .route(
            "/admin/users",
            get(admin::list_users).post(admin::create_user),
        )
        .route(
            "/admin/users/{id}",
            get(admin::get_user)
                .put(admin::update_user)
                .delete(admin::delete_user),
        )
        .route("/admin/users/{id}/factors", get(admin::list_factors))
        .route(
            "/admin/users/{id}/factors/{factor_id}",
            delete(admin::delete_factor),
        )
        .route("/admin/generate_link", post(admin::generate_link))
        .route("/invite", post(admin::invite))
        .route("/factors", post(factors::enroll))
        .route("/factors/{id}", delete(factors::unenroll))
        .route(
            "/factors/{id}/challenge",
            post(factors::challenge).route_layer(limit(Limiter::FactorChallenge)),
        )
        .route(
            "/factors/{id}/verify",
            post(factors::verify).route_layer(limit(Limiter::FactorVerify)),
        )
        .route(
            "/passkeys/authentication/options",
            post(passkeys::authentication_options)
                .route_layer(captcha())
                .route_layer(limit(Limiter::PasskeyAuthentication))
                .route_layer(passkeys_on()),
        )
        .route(
            "/passkeys/authentication/verify",
            post(passkeys::authentication_verify).route_layer(passkeys_on()),
        )
        .route(
            "/passkeys/registration/options",
            post(passkeys::registration_options).route_layer(passkeys_on()),
        )
        .route(
            "/passkeys/registration/verify",
            post(passkeys::registration_verify).route_layer(passkeys_on()),
        )
        .route("/passkeys", get(passkeys::list).route_layer(passkeys_on()))
        .route(
            "/passkeys/{id}",
            patch(passkeys::update)
                .delete(passkeys::delete)
                .route_layer(passkeys_on()),
        )
        .route("/admin/users/{id}/passkeys", get(passkeys::admin_list))
        .route(
            "/admin/users/{id}/passkeys/{passkey_id}",
            delete(passkeys::admin_delete),
        )
        .merge(sso)
        .merge(oauth_server)
        .merge(disabled::routes())
        .fallback(|| async { not_found() })
        .method_not_allowed_fallback(|| async { disabled::method_not_allowed() })
}

/// The paging query the admin lists take (upstream's `page` and `per_page`).
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    per_page: Option<String>,
}

impl PageQuery {
    /// The page asked for and its size (`per_page_default` unless given, 1000 at most): 400
    /// `validation_failed` for a number below 1 or not a number.
    pub fn page(&self, per_page_default: u32) -> ApiResult<(u32, u32)> {
        let number = |value: Option<&str>, default: u32, name: &str| -> ApiResult<u32> {
            match value.filter(|value| !value.is_empty()) {
                None => Ok(default),
                Some(value) => value.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    ApiError::validation(format!("Bad Pagination Parameters: {name}"))
                }),
            }
        };
        let page = number(self.page.as_deref(), 1, "page")?;
        let per_page = number(self.per_page.as_deref(), per_page_default, "per_page")?.min(1000);
        Ok((page, per_page))
    }
}

/// The headers of page `page` (of `per_page`) of a list of `total` at `base`: `X-Total-Count`, and
/// `Link` to the next page (when there is one) and the last, as upstream pages its lists.
pub fn page_headers(base: &str, page: u32, per_page: u32, total: i64) -> axum::http::HeaderMap {
    use axum::http::HeaderValue;

    let last = u32::try_from((total + i64::from(per_page) - 1) / i64::from(per_page))
        .unwrap_or(u32::MAX)
        .max(1);
    let link = |n: u32, rel: &str| format!("<{base}?page={n}&per_page={per_page}>; rel=\"{rel}\"");
    let mut links = Vec::new();
    if page < last {
        links.push(link(page + 1, "next"));
    }
    links.push(link(last, "last"));
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("x-total-count", HeaderValue::from(total));
    if let Ok(value) = HeaderValue::from_str(&links.join(", ")) {
        headers.insert("link", value);
    }
    headers
}

/// The `redirect_to` query parameter most endpoints accept.
#[derive(Debug, Default, Deserialize)]
pub struct RedirectQuery {
    /// Where email links lead after verification.
    pub redirect_to: Option<String>,
}

/// A PKCE challenge as sent with a request: both parts or neither.
#[derive(Debug, Default, Deserialize)]
pub struct PkceParams {
    /// base64url(SHA-256(verifier)) for `s256`, or the verifier itself for `plain`.
    pub code_challenge: Option<String>,
    /// `s256` or `plain`, case-insensitive.
    pub code_challenge_method: Option<String>,
}

/// A validated PKCE challenge.
pub struct Pkce {
    /// The challenge.
    pub challenge: String,
    /// `s256` or `plain`.
    pub method: &'static str,
}

impl PkceParams {
    /// The challenge when the request starts a PKCE flow; `validation_failed` when malformed.
    pub fn validate(&self) -> ApiResult<Option<Pkce>> {
        let challenge = self.code_challenge.as_deref().filter(|c| !c.is_empty());
        let method = self
            .code_challenge_method
            .as_deref()
            .filter(|m| !m.is_empty());
        match (challenge, method) {
            (None, None) => Ok(None),
            (Some(challenge), Some(method)) => {
                let method = match method.to_ascii_lowercase().as_str() {
                    "s256" => "s256",
                    "plain" => "plain",
                    _ => return Err(ApiError::validation("Code challenge method not supported")),
                };
                if !crate::crypto::is_pkce_shaped(challenge) {
                    return Err(ApiError::validation(
                        "code challenge has to be between 43 and 128 characters, using only [A-Za-z0-9-._~]",
                    ));
                }
                Ok(Some(Pkce {
                    challenge: challenge.to_owned(),
                    method,
                }))
            }
            _ => Err(ApiError::validation(
                "PKCE flow requires code_challenge_method and code_challenge",
            )),
        }
    }
}

/// The `data` of a sign-up as user metadata: an object, or `{}` for anything else.
pub fn user_metadata(data: Option<serde_json::Value>) -> serde_json::Value {
    match data {
        Some(serde_json::Value::Object(data)) => serde_json::Value::Object(data),
        _ => serde_json::json!({}),
    }
}

/// Checks a new password against the configured rules (see [`crate::password`]).
pub fn validate_password(state: &AppState, password: &str) -> ApiResult<()> {
    state.config.password.check(password)
}

/// Hashes a password with bcrypt off the async threads.
pub async fn hash_password(state: &AppState, password: String) -> ApiResult<String> {
    let cost = state.config.bcrypt_cost;
    tokio::task::spawn_blocking(move || bcrypt::hash(password, cost))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// Checks a password against a stored hash off the async threads. With no hash (unknown user or a
/// user without a password) it checks the decoy hash made at start with the configured cost, so
/// timing reveals nothing.
pub async fn password_matches(
    state: &AppState,
    password: String,
    hash: Option<String>,
) -> ApiResult<bool> {
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| state.decoy_hash.clone());
    let matches =
        tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
            .await
            .map_err(ApiError::internal)?;
    Ok(known && matches)
}

/// 429 when the last mail of this kind went out less than `email_max_frequency` seconds ago.
pub fn check_email_frequency(state: &AppState, last_sent: Option<&str>) -> ApiResult<()> {
    let frequency = i64::try_from(state.config.email_max_frequency).unwrap_or(i64::MAX);
    match crate::time::seconds_since(last_sent) {
        Some(elapsed) if elapsed < frequency => Err(ApiError::email_rate_limited(
            u64::try_from(frequency - elapsed).unwrap_or(1),
        )),
        _ => Ok(()),
    }
}
