//! The development SAML identity provider: what a company's Okta, Entra ID or Google Workspace
//! does for a hosted project's single sign-on, played locally for every SSO provider. `POST /sso`
//! sends the browser here with the started sign-in (its RelayState); the developer types the
//! identity to sign in as and approves or denies. Approving is the provider's assertion: the user
//! is signed in (see [`crate::api::sso`]) and the browser goes back to the app, as from upstream's
//! assertion consumer; denying sends the app `error=access_denied`.

use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    api::sso::{self, Assertion, see_other},
    dev_idp::subject,
    error::ApiError,
    html::{escape, page},
    state::AppState,
    store,
    validate::validate_email,
};

/// The identity provider's sign-in page, relative to the API base.
pub const SIGN_IN_PATH: &str = "/dev-idp/saml";

/// Where `POST /sso` sends the browser for the sign-in `relay_state`.
pub fn sign_in_url(issuer: &str, relay_state: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("RelayState", relay_state)
        .finish();
    format!("{issuer}{SIGN_IN_PATH}?{query}")
}

/// The query of the sign-in page.
#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

/// The sign-in page: who to sign in as, approve or deny.
pub async fn sign_in_page(
    State(state): State<AppState>,
    Query(query): Query<SignInQuery>,
) -> Response {
    let relay_state = query.relay_state.unwrap_or_default();
    let mut db = match state.db.read.acquire().await {
        Ok(db) => db,
        Err(error) => return ApiError::from(error).into_response(),
    };
    match sso::relay_state(&mut db, &relay_state).await {
        Ok((_, provider)) => {
            let domains = store::sso_domains(&mut *db, &provider.id)
                .await
                .unwrap_or_default();
            form(&relay_state, &provider.entity_id, &domains, "", "", None)
        }
        Err(error) => problem_page(&error),
    }
}

/// The submitted sign-in form.
#[derive(Debug, Default, Deserialize)]
pub struct Decision {
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
    email: Option<String>,
    name: Option<String>,
    /// `approve` or `deny`.
    decision: Option<String>,
}

/// Approves (signs the typed identity in and returns to the app) or denies.
pub async fn decide(State(state): State<AppState>, Form(decision): Form<Decision>) -> Response {
    let relay_state = decision.relay_state.unwrap_or_default();
    let mut db = match state.db.read.acquire().await {
        Ok(db) => db,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let (flow, provider) = match sso::relay_state(&mut db, &relay_state).await {
        Ok(found) => found,
        Err(error) => return problem_page(&error),
    };
    drop(db);
    let referrer = flow
        .referrer
        .clone()
        .unwrap_or_else(|| state.config.site_url.to_string());
    if decision.decision.as_deref() != Some("approve") {
        let pairs = [
            ("error", "access_denied"),
            ("error_description", "The user denied the request"),
        ];
        if let Err(error) = store::delete_flow(&state.db.write, &flow.id).await {
            return ApiError::from(error).into_response();
        }
        return see_other(&crate::api::error_location(&referrer, &pairs));
    }
    let email = decision.email.as_deref().unwrap_or_default();
    let name = decision.name.as_deref().unwrap_or_default().trim();
    let Ok(email) = validate_email(email) else {
        let domains = store::sso_domains(&state.db.read, &provider.id)
            .await
            .unwrap_or_default();
        let problem = Some("Enter a valid email address.");
        return form(
            &relay_state,
            &provider.entity_id,
            &domains,
            email,
            name,
            problem,
        );
    };
    let assertion = Assertion {
        subject: subject(&format!("sso:{}", provider.id), &email),
        email,
        name: Some(name.to_owned()).filter(|name| !name.is_empty()),
    };
    match sso::sign_in(&state, &relay_state, &assertion).await {
        Ok(location) => see_other(&location),
        // As upstream's assertion consumer: errors go to the site URL, in the query.
        Err(error) => {
            let pairs = [
                ("error", error_kind(&error)),
                ("error_code", error.code.as_str()),
                ("error_description", error.message.as_str()),
            ];
            let site = state.config.site_url.to_string();
            see_other(&crate::api::error_location(&site, &pairs))
        }
    }
}

fn error_kind(error: &ApiError) -> &'static str {
    if error.status == StatusCode::INTERNAL_SERVER_ERROR {
        "server_error"
    } else {
        "invalid_request"
    }
}

/// A sign-in that cannot go on (unknown, used or expired RelayState, provider gone or disabled).
fn problem_page(error: &ApiError) -> Response {
    let body = format!(
        "<h1>This sign-in cannot go on</h1><p role=\"alert\">{}</p><p>Start again from the \
         app's sign-in page.</p><p><code>{}</code></p>",
        escape(&error.message),
        escape(error.code.as_str()),
    );
    (error.status, page("Single sign-on (development)", &body)).into_response()
}

fn form(
    relay_state: &str,
    entity_id: &str,
    domains: &[String],
    email: &str,
    name: &str,
    problem: Option<&str>,
) -> Response {
    let title = "Single sign-on (development)";
    let problem = problem
        .map(|problem| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(problem)))
        .unwrap_or_default();
    let domains = if domains.is_empty() {
        String::new()
    } else {
        format!(" for {}", escape(&domains.join(", ")))
    };
    let body = format!(
        "<h1>{title}</h1>\
         <p>local-auth stands in for the SAML identity provider <code>{entity}</code>{domains} on \
         this machine: type the identity to sign in as. The same email address always signs in as \
         the same identity of this provider.</p>\
         {problem}<form method=\"post\" action=\"\">\
         <input type=\"hidden\" name=\"RelayState\" value=\"{relay}\">\
         <label>Email <input name=\"email\" type=\"email\" autocomplete=\"off\" required value=\"{email}\"></label>\
         <label>Name <input name=\"name\" autocomplete=\"off\" value=\"{name}\"></label>\
         <button name=\"decision\" value=\"approve\">Approve</button>\
         <button name=\"decision\" value=\"deny\" formnovalidate>Deny</button></form>",
        entity = escape(entity_id),
        relay = escape(relay_state),
        email = escape(email),
        name = escape(name),
    );
    page(title, &body).into_response()
}
