//! The development SAML identity provider: what a company's Okta, Entra ID or Google Workspace
//! does for a hosted project's single sign-on, played locally for every SSO provider. `POST /sso`
//! sends the browser to its page with the started sign-in (its RelayState); the developer types
//! the identity to sign in as and approves or denies. Approving makes the provider's
//! [`Assertion`], which the service provider side ([`crate::api::sso`], which serves these pages)
//! turns into a signed-in user, as upstream's assertion consumer does.

use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::{
    dev_idp::subject,
    error::ApiError,
    html::{escape, page},
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

/// What the identity provider asserts about the user who signed in.
#[derive(Debug)]
pub struct Assertion {
    /// The persistent name id: the provider's stable id for the user.
    pub subject: String,
    /// Their email address (lowercased).
    pub email: String,
    /// Their display name, when the provider sent one.
    pub name: Option<String>,
}

/// The query of the sign-in page.
#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    /// The started sign-in.
    #[serde(rename = "RelayState")]
    pub relay_state: Option<String>,
}

/// The submitted sign-in form.
#[derive(Debug, Default, Deserialize)]
pub struct Decision {
    /// The started sign-in.
    #[serde(rename = "RelayState")]
    pub relay_state: Option<String>,
    email: Option<String>,
    name: Option<String>,
    /// `approve` or `deny`.
    decision: Option<String>,
}

/// The identity provider of an SSO provider, as its page shows it.
#[derive(Debug)]
pub struct Provider<'a> {
    /// The SSO provider's id (the subject of an identity is stable per provider).
    pub id: &'a str,
    /// Its SAML entity id.
    pub entity_id: &'a str,
    /// Its email domains.
    pub domains: &'a [String],
}

/// What the developer decided on the page.
#[derive(Debug)]
pub enum Outcome {
    /// Sign in as this identity.
    Approved(Assertion),
    /// The sign-in is refused.
    Denied,
    /// The form again, saying what to mend.
    Again(Response),
}

/// Reads the developer's `decision` on `provider`'s page.
pub fn decide(decision: &Decision, provider: &Provider<'_>) -> Outcome {
    if decision.decision.as_deref() != Some("approve") {
        return Outcome::Denied;
    }
    let relay_state = decision.relay_state.as_deref().unwrap_or_default();
    let email = decision.email.as_deref().unwrap_or_default();
    let name = decision.name.as_deref().unwrap_or_default().trim();
    match validate_email(email) {
        Ok(email) => Outcome::Approved(Assertion {
            subject: subject(&format!("sso:{}", provider.id), &email),
            email,
            name: Some(name.to_owned()).filter(|name| !name.is_empty()),
        }),
        Err(_) => Outcome::Again(form(
            relay_state,
            provider,
            email,
            name,
            Some("Enter a valid email address."),
        )),
    }
}

/// The sign-in page for `relay_state` at `provider`: who to sign in as, approve or deny.
pub fn sign_in_page(relay_state: &str, provider: &Provider<'_>) -> Response {
    form(relay_state, provider, "", "", None)
}

/// A sign-in that cannot go on (unknown, used or expired RelayState, provider gone or disabled).
pub fn problem_page(error: &ApiError) -> Response {
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
    provider: &Provider<'_>,
    email: &str,
    name: &str,
    problem: Option<&str>,
) -> Response {
    let title = "Single sign-on (development)";
    let problem = problem
        .map(|problem| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(problem)))
        .unwrap_or_default();
    let domains = if provider.domains.is_empty() {
        String::new()
    } else {
        format!(" for {}", escape(&provider.domains.join(", ")))
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
        entity = escape(provider.entity_id),
        relay = escape(relay_state),
        email = escape(email),
        name = escape(name),
    );
    page(title, &body).into_response()
}
