//! The development identity provider: what GitHub, Google and the other OAuth providers do for a
//! hosted project, played locally. `/authorize` sends the browser to its sign-in page, where the
//! developer types the identity to sign in as and approves or denies. Like a real provider it then
//! redirects to `/callback` with `?code=…&state=…` (or `?error=access_denied&…`), and `/callback`
//! exchanges the code, once, for the identity.

use axum::{
    Form,
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use supabase_ssr::provider::display_name;

use crate::{
    crypto,
    html::{escape, page},
    state::AppState,
    store,
    time::parse_rfc3339,
    validate::validate_email,
};

/// The provider's sign-in page, relative to the API base.
pub const AUTHORIZE_PATH: &str = "/dev-idp/authorize";

/// How long an authorisation code may wait for its exchange, in seconds (real providers allow
/// minutes; GitHub ten).
const CODE_LIFETIME: i64 = 600;

/// An identity the developer approved on the provider's page.
#[derive(Clone)]
pub struct Grant {
    /// The provider it was granted for.
    pub provider: String,
    /// The provider's stable id for the identity.
    pub subject: String,
    /// Its email address (verified, as the big providers report it).
    pub email: String,
    /// Its display name.
    pub name: String,
    /// The provider access token handed to the app (`provider_token`).
    pub access_token: String,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("provider", &self.provider)
            .field("subject", &self.subject)
            .field("email", &self.email)
            .field("access_token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl Grant {
    /// The identity data as Supabase stores it for OAuth identities (and copies into
    /// `user_metadata`).
    pub fn identity_data(&self, issuer: &str) -> Value {
        json!({
            "iss": format!("{issuer}/dev-idp"),
            "sub": self.subject,
            "provider_id": self.subject,
            "email": self.email,
            // Anyone can type any address on the development provider's page.
            "email_verified": false,
            "phone_verified": false,
            "name": self.name,
            "full_name": self.name,
            "user_name": self.email.split('@').next().unwrap_or_default(),
            "preferred_username": self.email.split('@').next().unwrap_or_default(),
        })
    }
}

/// The provider's stable id for `email`: the same address always signs in as the same identity.
pub(crate) fn subject(provider: &str, email: &str) -> String {
    let digest = Sha256::digest(format!("{provider}:{email}"));
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // Numeric like GitHub's and Google's ids, and within JavaScript's safe integers.
    (u64::from_be_bytes(first) >> 11).to_string()
}

/// The query of the sign-in page, as `/authorize` builds it.
#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeQuery {
    provider: Option<String>,
    state: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
}

/// The sign-in page: who to sign in as, approve or deny.
pub async fn sign_in_page(
    State(state): State<AppState>,
    Query(query): Query<AuthorizeQuery>,
) -> Response {
    let Some((provider, flow_state, redirect_uri)) = request_parts(&state, &query) else {
        return invalid_request();
    };
    form(
        provider,
        flow_state,
        redirect_uri,
        query.scope.as_deref(),
        "",
        "",
        None,
    )
}

/// The submitted sign-in form.
#[derive(Debug, Default, Deserialize)]
pub struct Decision {
    provider: Option<String>,
    state: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    email: Option<String>,
    name: Option<String>,
    /// `approve` or `deny`.
    decision: Option<String>,
}

/// Approves (a code) or denies (`access_denied`), then redirects to `/callback` with the state.
pub async fn decide(State(state): State<AppState>, Form(decision): Form<Decision>) -> Response {
    let query = AuthorizeQuery {
        provider: decision.provider.clone(),
        state: decision.state.clone(),
        redirect_uri: decision.redirect_uri.clone(),
        scope: decision.scope.clone(),
    };
    let Some((provider, flow_state, redirect_uri)) = request_parts(&state, &query) else {
        return invalid_request();
    };
    let callback = |pairs: &[(&str, &str)]| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        found(&format!("{redirect_uri}?{query}"))
    };
    if decision.decision.as_deref() != Some("approve") {
        return callback(&[
            ("error", "access_denied"),
            ("error_description", "The user denied the request"),
            ("state", flow_state),
        ]);
    }
    let email = decision.email.as_deref().unwrap_or_default();
    let name = decision.name.as_deref().unwrap_or_default().trim();
    let Ok(email) = validate_email(email) else {
        let scope = query.scope.as_deref();
        let problem = Some("Enter a valid email address.");
        return form(
            provider,
            flow_state,
            redirect_uri,
            scope,
            email,
            name,
            problem,
        );
    };
    let code = crypto::hex(&crypto::random_bytes::<20>());
    let shown_name = if name.is_empty() {
        email.as_str()
    } else {
        name
    };
    let stored = store::insert_dev_idp_grant(
        &state.db.write,
        &code,
        provider,
        &subject(provider, &email),
        &email,
        shown_name,
    )
    .await;
    if let Err(error) = stored {
        tracing::error!("storing a development identity provider grant failed: {error}");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    callback(&[("code", &code), ("state", flow_state)])
}

/// Exchanges an authorisation code of `provider` for its identity, once; `None` when the code is
/// unknown, used, expired or was granted for another provider.
pub async fn exchange(
    db: &mut sqlx::SqliteConnection,
    provider: &str,
    code: &str,
) -> sqlx::Result<Option<Grant>> {
    let row = store::take_dev_idp_grant(&mut *db, code).await?;
    let Some((granted_for, subject, email, name, created_at)) = row else {
        return Ok(None);
    };
    let age = parse_rfc3339(Some(&created_at)).map(|created| (Utc::now() - created).num_seconds());
    if granted_for != provider || age.is_none_or(|age| age > CODE_LIFETIME) {
        return Ok(None);
    }
    Ok(Some(Grant {
        provider: granted_for,
        subject,
        email,
        name,
        access_token: format!("dev-idp-{}", crypto::hex(&crypto::random_bytes::<16>())),
    }))
}

/// Provider, state and redirect URI of a request, when the provider is enabled and the redirect
/// goes to this server's `/callback` (the only redirect URI "registered" with this provider).
fn request_parts<'q>(
    state: &AppState,
    query: &'q AuthorizeQuery,
) -> Option<(&'q str, &'q str, &'q str)> {
    let provider = query.provider.as_deref()?;
    let flow_state = query.state.as_deref().filter(|s| !s.is_empty())?;
    let redirect_uri = query.redirect_uri.as_deref()?;
    let registered = format!("{}/callback", state.config.issuer());
    (state
        .config
        .external_providers
        .iter()
        .any(|p| p == provider)
        && redirect_uri == registered)
        .then_some((provider, flow_state, redirect_uri))
}

fn invalid_request() -> Response {
    (
        StatusCode::BAD_REQUEST,
        page(
            "Invalid request",
            "<h1>Invalid request</h1><p>This sign-in page is reached from the app's sign-in \
             buttons; the request named an unknown provider or redirect.</p>",
        ),
    )
        .into_response()
}

fn form(
    provider: &str,
    flow_state: &str,
    redirect_uri: &str,
    scope: Option<&str>,
    email: &str,
    name: &str,
    problem: Option<&str>,
) -> Response {
    let title = format!("Sign in with {} (development)", display_name(provider));
    let problem = problem
        .map(|problem| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(problem)))
        .unwrap_or_default();
    let hidden = |name: &str, value: &str| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        )
    };
    let body = format!(
        "<h1>{title}</h1>\
         <p>local-auth stands in for {provider_name} on this machine: type the identity to sign in \
         as. The same email address always signs in as the same {provider_name} identity.</p>\
         {problem}<form method=\"post\" action=\"\">{}{}{}{}\
         <label>Email <input name=\"email\" type=\"email\" autocomplete=\"off\" required value=\"{}\"></label>\
         <label>Name <input name=\"name\" autocomplete=\"off\" value=\"{}\"></label>\
         <button name=\"decision\" value=\"approve\">Approve</button>\
         <button name=\"decision\" value=\"deny\" formnovalidate>Deny</button></form>",
        hidden("provider", provider),
        hidden("state", flow_state),
        hidden("redirect_uri", redirect_uri),
        hidden("scope", scope.unwrap_or_default()),
        escape(email),
        escape(name),
        title = escape(&title),
        provider_name = escape(&display_name(provider)),
    );
    page(&escape(&title), &body).into_response()
}

/// 302 to `location`, as providers redirect.
pub fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_is_one_identity_per_provider() {
        assert_eq!(
            subject("github", "a@example.com"),
            subject("github", "a@example.com")
        );
        assert_ne!(
            subject("github", "a@example.com"),
            subject("google", "a@example.com")
        );
        assert!(subject("github", "a@example.com").parse::<u64>().unwrap() < 1 << 53);
    }

    #[test]
    fn the_provider_token_is_never_printed() {
        let grant = Grant {
            provider: "github".into(),
            subject: "1".into(),
            email: "a@example.com".into(),
            name: "A".into(),
            access_token: "dev-idp-secret".into(),
        };
        assert!(!format!("{grant:?}").contains("dev-idp-secret"));
    }
}
