//! The development third-party issuer's endpoints (see [`crate::third_party`]): its discovery
//! document and keys (open, as a provider's are), its sign-in page, and an admin call that mints
//! a token with chosen claims for tests. All answer 404 unless a `[auth.third_party.<provider>]`
//! is enabled. Not part of Supabase Auth's API: a hosted project has the provider itself.

use axum::{
    Form, Json,
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::{
    api::not_found,
    bearer::ServiceRole,
    error::{ApiError, ApiResult},
    html::{escape, page},
    redirect,
    state::AppState,
    third_party::{COOKIE, DevIssuer, TOKEN_LIFETIME, Who},
    validate::validate_email,
};

/// The longest a minted token may live, in seconds (a day).
const MAX_LIFETIME: u64 = 24 * 60 * 60;

fn issuer(state: &AppState) -> ApiResult<&DevIssuer> {
    state.third_party.as_ref().ok_or_else(not_found)
}

/// `GET /third-party/.well-known/openid-configuration`.
pub async fn discovery(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    Ok(Json(issuer(&state)?.discovery(&state.config.issuer())))
}

/// `GET /third-party/jwks.json`.
pub async fn jwks(State(state): State<AppState>) -> ApiResult<Response> {
    let keys = issuer(&state)?.jwks().clone();
    Ok(([(header::CACHE_CONTROL, "public, max-age=600")], Json(keys)).into_response())
}

/// The sign-in page's query and form.
#[derive(Debug, Default, Deserialize)]
pub struct SignIn {
    /// Where to go once signed in (an allowed redirect URL; the site URL otherwise).
    redirect_to: Option<String>,
    /// Who to sign in as.
    email: Option<String>,
}

/// `GET /third-party/sign-in`: who to sign in as at the provider.
pub async fn sign_in_page(
    State(state): State<AppState>,
    Query(query): Query<SignIn>,
) -> ApiResult<Response> {
    let issuer = issuer(&state)?;
    Ok(form(issuer, query.redirect_to.as_deref(), "", None))
}

/// `POST /third-party/sign-in`: the provider's token in the `__session` cookie, then back to the
/// app.
pub async fn sign_in(State(state): State<AppState>, Form(form_data): Form<SignIn>) -> Response {
    let issuer = match issuer(&state) {
        Ok(issuer) => issuer,
        Err(error) => return error.into_response(),
    };
    let typed = form_data.email.as_deref().unwrap_or_default();
    let email = match validate_email(typed) {
        Ok(email) => email,
        Err(_) => {
            return form(
                issuer,
                form_data.redirect_to.as_deref(),
                typed,
                Some("Enter a valid email address."),
            );
        }
    };
    let who = Who::for_email(issuer.provider(), &email);
    let token = match issuer.mint(&who, &Map::new(), TOKEN_LIFETIME) {
        Ok(token) => token,
        Err(error) => return error.into_response(),
    };
    let target = redirect::resolve(&state.config, form_data.redirect_to.as_deref());
    let mut response = redirect::see_other(&target);
    let cookie = format!("{COOKIE}={token}; Path=/; Max-Age={TOKEN_LIFETIME}; SameSite=Lax");
    if let Ok(cookie) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn form(
    issuer: &DevIssuer,
    redirect_to: Option<&str>,
    email: &str,
    problem: Option<&str>,
) -> Response {
    let provider = issuer.provider().name();
    let title = format!("{provider} (development)");
    let problem = problem
        .map(|problem| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(problem)))
        .unwrap_or_default();
    let body = format!(
        "<h1>{title}</h1>\
         <p>local-auth stands in for {provider} on this machine, signing tokens as {provider} \
         does for a project that trusts it. Your app shows {provider}'s own sign-in here; type \
         who to sign in as. The same email address is always the same {provider} user.</p>\
         {problem}<form method=\"post\" action=\"\">\
         <input type=\"hidden\" name=\"redirect_to\" value=\"{redirect_to}\">\
         <label>Email <input name=\"email\" type=\"email\" autocomplete=\"off\" required value=\"{email}\"></label>\
         <button>Sign in</button></form>",
        title = escape(&title),
        provider = escape(provider),
        redirect_to = escape(redirect_to.unwrap_or_default()),
        email = escape(email),
    );
    page(&title, &body).into_response()
}

/// The body of `POST /admin/third-party/tokens`.
#[derive(Debug, Deserialize)]
pub struct MintRequest {
    /// Who the token is for, by email (the provider's id for that address).
    email: Option<String>,
    /// Claims to set on top of the provider's (`null` removes one).
    #[serde(default)]
    claims: Map<String, Value>,
    /// Seconds the token lives (default an hour, at most a day); an `exp` in `claims` wins.
    expires_in: Option<u64>,
}

/// `POST /admin/third-party/tokens` (secret key): a development token, for tests.
pub async fn mint(
    _: ServiceRole,
    State(state): State<AppState>,
    Json(request): Json<MintRequest>,
) -> ApiResult<Json<Value>> {
    let issuer = issuer(&state)?;
    let email = validate_email(request.email.as_deref().unwrap_or("someone@example.com"))?;
    let lifetime = request.expires_in.unwrap_or(TOKEN_LIFETIME);
    if lifetime > MAX_LIFETIME {
        return Err(ApiError::validation("expires_in is at most a day"));
    }
    let who = Who::for_email(issuer.provider(), &email);
    let token = issuer.mint(&who, &request.claims, lifetime)?;
    Ok(Json(json!({ "access_token": token, "sub": who.subject })))
}
