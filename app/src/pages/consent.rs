//! `/oauth/consent`: the page the project's auth server sends a browser to when another
//! application asks to use the person's account (Supabase Auth as an OAuth 2.1 provider,
//! `[auth.oauth_server] authorization_url_path`). Signed out, the page guard sends the person to
//! sign in and back here; signed in, it shows the application's name, where it sends them back
//! to and what it asks, with "Allow" and "Deny" as plain forms (no JavaScript needed). The
//! decision goes to the auth server with the person's session, and the browser goes where the
//! auth server says: the application's registered redirect URI, with a code or a refusal. An
//! application they already allowed everything asked is approved at once.
//!
//! A request that does not exist, has expired, was decided already or belongs to someone else is
//! a page that says so, and nothing is granted.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{auth::AuthError, components::FormError};

/// The consent page.
#[component]
pub fn ConsentPage() -> impl IntoView {
    let query = use_query_map();
    let authorization_id = query
        .read_untracked()
        .get("authorization_id")
        .unwrap_or_default();
    let cannot_be_used = |why: String| {
        view! {
            <h1 id="consent-title">"This request cannot be used"</h1>
            <p class="form-error" role="alert" data-testid="consent-error">{why}</p>
            <p>"Go back to the application and start again."</p>
        }
    };
    let request = Suspend::new(async move {
        match consent_request(authorization_id).await {
            Ok(ConsentPrompt::Ask(ask)) => view! { <Ask ask /> }.into_any(),
            Ok(ConsentPrompt::Allowed {
                client,
                redirect_url,
            }) => view! {
                <h1 id="consent-title">"Taking you back to "{client}</h1>
                <p>"You allowed this application before."</p>
                <a class="button" href=redirect_url>"Continue"</a>
            }
            .into_any(),
            Ok(ConsentPrompt::Gone) => cannot_be_used(
                "This request from an application has expired, was already answered, or is not \
                 yours."
                    .to_owned(),
            )
            .into_any(),
            Ok(ConsentPrompt::Off) => cannot_be_used(
                "This site does not let other applications use its accounts.".to_owned(),
            )
            .into_any(),
            Err(error) => cannot_be_used(error.to_string()).into_any(),
        }
    });
    view! {
        <section class="card auth-card consent" aria-labelledby="consent-title">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>{request}</Suspense>
        </section>
    }
}

/// The question, and the two decisions as plain forms.
#[component]
fn Ask(ask: ConsentAsk) -> impl IntoView {
    let decide = ServerAction::<DecideConsent>::new();
    let id = ask.authorization_id.clone();
    let form = move |decision: &'static str, label: &'static str, class: &'static str| {
        let id = id.clone();
        view! {
            <ActionForm action=decide attr:class="inline-form">
                <input type="hidden" name="authorization_id" value=id />
                <input type="hidden" name="decision" value=decision />
                <button type="submit" class=class data-decision=decision>{label}</button>
            </ActionForm>
        }
    };
    let home = ask.client_uri.clone().map(|uri| {
        view! { <p class="aside">"Its site: "<span data-testid="consent-client-uri">{uri}</span></p> }
    });
    view! {
        <h1 id="consent-title">
            "Allow "<span data-testid="consent-client">{ask.client.clone()}</span>
            " to use your account?"
        </h1>
        {home}
        <p>
            "Signed in as "<strong data-testid="consent-who">{ask.who.clone()}</strong>". "
            {ask.client.clone()}" will be able to:"
        </p>
        <ul class="scopes" data-testid="consent-scopes">
            {ask
                .scopes
                .iter()
                .map(|scope| view! { <li data-scope=scope.clone()>{scope_words(scope)}</li> })
                .collect_view()}
        </ul>
        <p>
            "You will go back to "<strong data-testid="consent-redirect-host">{ask.redirect_host.clone()}</strong>
            ". You can take this back at any time on your account page."
        </p>
        <div class="decision">
            {form("approve", "Allow", "button")}
            {form("deny", "Deny", "button secondary")}
        </div>
        <FormError action=decide />
    }
}

/// What a scope lets the application do, in words.
fn scope_words(scope: &str) -> String {
    match scope {
        "openid" => "Confirm who you are".to_owned(),
        "email" => "See your email address".to_owned(),
        "profile" => "See your name, picture and profile".to_owned(),
        "phone" => "See your phone number".to_owned(),
        "offline_access" => "Stay signed in when you are not using it".to_owned(),
        other => format!("Use “{other}”"),
    }
}

/// What the page shows for an authorization request. The refusals are states of the page, not
/// [`AuthError`]s: the browser bundle shares that type with the islands, and this page has none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsentPrompt {
    /// The person decides.
    Ask(ConsentAsk),
    /// Allowed before: the browser is sent on (`redirect_url`, the application's).
    Allowed {
        /// The application's name.
        client: String,
        /// Where the browser goes.
        redirect_url: String,
    },
    /// The request does not exist, has expired, was decided already or is someone else's:
    /// nothing is granted.
    Gone,
    /// The auth server is no OAuth provider.
    Off,
}

/// A request waiting for the person's decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentAsk {
    /// The request's id, posted back with the decision.
    pub authorization_id: String,
    /// The application's name (its client id when it registered none).
    pub client: String,
    /// Its home page, as registered.
    pub client_uri: Option<String>,
    /// The host the browser goes back to (from the registered redirect URI).
    pub redirect_host: String,
    /// The scopes asked.
    pub scopes: Vec<String>,
    /// Who is signed in (email address, or user id).
    pub who: String,
}

/// The authorization request `authorization_id`, read with the signed-in user's session. One the
/// user allowed before is approved by the auth server at once: the page is then a redirect to
/// the application.
#[server(endpoint = "oauth/consent-request")]
pub async fn consent_request(
    #[doc = "The id the auth server sent the browser here with."] authorization_id: String,
) -> Result<ConsentPrompt, AuthError> {
    use crate::auth::ssr::*;
    use supabase_ssr::AuthorizationRequest;

    answer(async move {
        let Some(id) = authorization_id_of(&authorization_id) else {
            return Ok(ConsentPrompt::Gone);
        };
        let user = require_full_session().await?;
        let answer = session_layer()?
            .client()
            .oauth_authorization(supabase_token(&user)?, id)
            .await;
        Ok(match answer {
            Ok(AuthorizationRequest::Approved(url)) => {
                leave_for(&url);
                ConsentPrompt::Allowed {
                    client: url.host_str().unwrap_or("the application").to_owned(),
                    redirect_url: url.into(),
                }
            }
            Ok(AuthorizationRequest::Pending(details)) => ConsentPrompt::Ask(ConsentAsk {
                client: details
                    .client
                    .name
                    .clone()
                    .filter(|name| !name.trim().is_empty())
                    .unwrap_or_else(|| details.client.id.clone()),
                client_uri: details.client.uri.clone(),
                redirect_host: url::Url::parse(&details.redirect_uri)
                    .ok()
                    .and_then(|uri| uri.host_str().map(str::to_owned))
                    .unwrap_or_else(|| details.redirect_uri.clone()),
                scopes: details.scopes().map(str::to_owned).collect(),
                who: user.email().unwrap_or(user.id()).to_owned(),
                authorization_id: details.authorization_id,
            }),
            Err(error) => return refusal(&error).ok_or_else(|| error.into()),
        })
    })
    .await
}

/// The person's decision on `authorization_id`, sent to the auth server with their session; the
/// browser then goes where it says (the application's redirect URI).
#[server(endpoint = "oauth/consent")]
pub async fn decide_consent(
    #[doc = "The request decided on."] authorization_id: String,
    #[doc = "`approve` or `deny`."] decision: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;
    use supabase_ssr::ConsentDecision;

    answer(async move {
        // A request that cannot be decided: the form goes back to the page, which says why.
        let gone = || AuthError::LinkExpired;
        let id = authorization_id_of(&authorization_id).ok_or_else(gone)?;
        let decision = match decision.as_str() {
            "approve" => ConsentDecision::Approve,
            "deny" => ConsentDecision::Deny,
            _ => return Err(AuthError::InvalidInput),
        };
        let user = require_full_session().await?;
        let url = session_layer()?
            .client()
            .oauth_consent(supabase_token(&user)?, id, decision)
            .await
            .map_err(|error| match refusal(&error) {
                Some(_) => gone(),
                None => error.into(),
            })?;
        Ok(leave_for(&url))
    })
    .await
}

/// An authorization id as the auth server makes them (letters and digits; at most 128 checked
/// here, so nothing larger is sent on).
#[cfg(feature = "ssr")]
fn authorization_id_of(typed: &str) -> Option<&str> {
    let fits = (1..=128).contains(&typed.len())
        && typed
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    fits.then_some(typed)
}

/// The auth server's refusals of a consent call that the page states: a request it does not
/// know for this user, or one no longer pending (`validation_failed`), is gone; a server that is
/// no OAuth provider is off. Anything else is an error as anywhere.
#[cfg(feature = "ssr")]
fn refusal(error: &supabase_ssr::Error) -> Option<ConsentPrompt> {
    use supabase_ssr::ErrorCode;

    match error.code()? {
        ErrorCode::OauthAuthorizationNotFound | ErrorCode::ValidationFailed => {
            Some(ConsentPrompt::Gone)
        }
        ErrorCode::FeatureDisabled => Some(ConsentPrompt::Off),
        _ => None,
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn only_ids_shaped_as_the_auth_servers_are_sent_on() {
        assert_eq!(
            authorization_id_of("AbC123xyz0AbC123xyz0AbC123xyz012"),
            Some("AbC123xyz0AbC123xyz0AbC123xyz012")
        );
        for bad in ["", "../admin", "a b", "a%2Fb", &"a".repeat(129), "id?x=1"] {
            assert_eq!(authorization_id_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn scopes_read_as_sentences() {
        assert_eq!(scope_words("email"), "See your email address");
        assert_eq!(scope_words("custom"), "Use “custom”");
    }
}
