//! `/account`: profile, guest upgrade, email and password changes, linked identities, passkeys,
//! second factors (authenticator apps and security keys), the applications allowed to use the
//! account, and sign-out scopes. Every form works
//! without JavaScript but adding an authenticator app, a passkey or a security key (islands).

mod apps;
mod credentials;
mod done;
mod factors;
mod identities;
mod passkeys;
mod sign_out;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use serde::{Deserialize, Serialize};

use self::{
    apps::{AppGrantView, ConnectedApps},
    credentials::{EmailChange, PasswordChange},
    done::Done,
    factors::{FactorView, Factors},
    identities::{GuestUpgrade, Identities, IdentityView},
    passkeys::{PasskeyView, Passkeys},
    sign_out::SignOutEverywhere,
};
use crate::{
    auth::{AuthError, Provider},
    components::{DevMailboxLink, FormError, SubmitButton},
};

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    let sections = Suspend::new(async move {
        match account().await {
            Ok(view) => view! { <AccountSections view /> }.into_any(),
            Err(error) => {
                view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()
            }
        }
    });
    let query = use_query_map();
    let done = move || {
        query
            .read()
            .get("done")
            .and_then(|key| Done::from_key(&key))
    };
    let mailed = move || done().is_some_and(Done::mailed);

    view! {
        <section class="card account" aria-labelledby="account-title">
            <h1 id="account-title">"Your account"</h1>
            {move || {
                done().map(|done| view! { <p class="notice" role="status">{done.message()}</p> })
            }}
            <Show when=mailed>
                <DevMailboxLink />
            </Show>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>{sections}</Suspense>
        </section>
    }
}

#[component]
fn AccountSections(view: AccountView) -> impl IntoView {
    if let Some(provider) = view.managed_by.clone() {
        return view! { <ManagedAccount view provider /> }.into_any();
    }
    let update_profile = ServerAction::<UpdateProfile>::new();
    let who = view
        .email
        .clone()
        .or_else(|| view.phone.as_ref().map(|phone| format!("+{phone}")))
        .unwrap_or_else(|| "Guest".to_owned());

    view! {
        <dl class="facts">
            <dt>"Signed in as"</dt>
            <dd data-testid="account-who">{who}</dd>
            <dt>"User id"</dt>
            <dd data-testid="account-id">{view.id.clone()}</dd>
            <dt>"Assurance level"</dt>
            <dd data-testid="account-aal">{view.aal.clone()}</dd>
        </dl>

        <h2>"Profile"</h2>
        <ActionForm action=update_profile attr:class="stack">
            <label for="profile-name">"Display name"</label>
            <input id="profile-name" name="display_name" autocomplete="nickname" value=view.display_name.clone() />
            <FormError action=update_profile />
            <SubmitButton label="Save the profile" pending="Saving…" />
        </ActionForm>

        {if view.is_anonymous {
            view! { <GuestUpgrade linkable=view.linkable.clone() /> }.into_any()
        } else {
            view! {
                <EmailChange current=view.email.clone() pending=view.new_email.clone() />
                <PasswordChange />
                <Identities identities=view.identities.clone() linkable=view.linkable.clone() />
                {view.passkeys.clone().map(|passkeys| view! { <Passkeys passkeys /> })}
                <Factors factors=view.factors.clone() security_keys=view.passkeys.is_some() />
                {view.apps.clone().map(|apps| view! { <ConnectedApps apps /> })}
            }
            .into_any()
        }}
        <SignOutEverywhere />
    }
    .into_any()
}

/// The account of a user a third-party provider signed in: what their token says, and that the
/// rest is the provider's.
#[component]
fn ManagedAccount(view: AccountView, provider: String) -> impl IntoView {
    view! {
        <dl class="facts">
            <dt>"Signed in with"</dt>
            <dd data-testid="account-provider">{provider.clone()}</dd>
            <dt>"Signed in as"</dt>
            <dd data-testid="account-who">{view.email.clone().unwrap_or_else(|| view.id.clone())}</dd>
            <dt>"User id"</dt>
            <dd data-testid="account-id">{view.id.clone()}</dd>
        </dl>
        <p data-testid="account-managed">
            {provider.clone()}
            " manages this account: its email address, password, second factors and sessions are \
             changed with "{provider}"'s own pages and components, not here."
        </p>
    }
}

/// What `/account` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// The user id.
    pub id: String,
    /// The email address, if any.
    pub email: Option<String>,
    /// An address waiting for confirmation.
    pub new_email: Option<String>,
    /// The phone number, if any (E.164 digits).
    pub phone: Option<String>,
    /// `user_metadata.display_name`.
    pub display_name: String,
    /// A guest (anonymous) user.
    pub is_anonymous: bool,
    /// The ways to sign in.
    pub identities: Vec<IdentityView>,
    /// OAuth providers offered that are not linked yet.
    pub linkable: Vec<Provider>,
    /// The second factors: authenticator apps and security keys.
    pub factors: Vec<FactorView>,
    /// The passkeys; `None` when the auth server offers none (nor security keys).
    pub passkeys: Option<Vec<PasskeyView>>,
    /// The applications allowed to use the account; `None` when the auth server is no OAuth
    /// provider.
    pub apps: Option<Vec<AppGrantView>>,
    /// The session's assurance level (`aal1`, `aal2`).
    pub aal: String,
    /// The third-party provider that manages the account (Clerk, Firebase Auth, …), when not
    /// Supabase Auth: the page then has nothing to change.
    pub managed_by: Option<String>,
}

/// The signed-in user's account, as the auth server has it now.
#[server(endpoint = "account")]
pub async fn account() -> Result<AccountView, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let layer = session_layer()?;
        let user = require_full_session().await?;
        if let Some(provider) = user.third_party() {
            return Ok(AccountView {
                id: user.id().to_owned(),
                email: user.email().map(str::to_owned),
                aal: aal_name(user.claims()),
                managed_by: Some(provider.name().to_owned()),
                ..AccountView::default()
            });
        }
        let found = match layer.client().get_user(supabase_token(&user)?).await {
            Ok(found) => found,
            Err(error) => {
                let error = AuthError::from(error);
                if error == AuthError::NotSignedIn {
                    // The session was ended elsewhere (signed out of all devices, say): the token
                    // still verifies until it expires, but the auth server has forgotten it.
                    clear_session(&layer);
                }
                return Err(error);
            }
        };
        let identities: Vec<IdentityView> = found
            .identities
            .unwrap_or_default()
            .into_iter()
            .map(|identity| IdentityView {
                email: identity.identity_data["email"].as_str().map(str::to_owned),
                id: identity.identity_id,
                provider: Provider::new(identity.provider),
            })
            .collect();
        let linkable = oauth_providers(&layer)
            .await
            .into_iter()
            .filter(|provider| !identities.iter().any(|i| i.provider.id == provider.id))
            .collect();
        let factors = found
            .factors
            .unwrap_or_default()
            .into_iter()
            .filter_map(FactorView::of)
            .collect();
        let passkeys = if sign_in_options(&layer).await.passkeys {
            let listed = layer.client().list_passkeys(supabase_token(&user)?).await?;
            Some(passkeys::passkey_views(listed))
        } else {
            None
        };
        let apps = apps::app_grants(&layer, &user).await?;
        Ok(AccountView {
            id: found.id,
            email: found.email.filter(|email| !email.is_empty()),
            new_email: found
                .extra
                .get("new_email")
                .and_then(|email| email.as_str())
                .filter(|email| !email.is_empty())
                .map(str::to_owned),
            phone: found.phone.filter(|phone| !phone.is_empty()),
            display_name: found.user_metadata["display_name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            is_anonymous: user.claims().is_anonymous,
            identities,
            linkable,
            factors,
            passkeys,
            apps,
            aal: aal_name(user.claims()),
            managed_by: None,
        })
    })
    .await
}

/// Sets the display name (`user_metadata.display_name`).
#[server(endpoint = "account/profile")]
pub async fn update_profile(
    #[doc = "The name to show for the user."] display_name: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        let name = display_name.trim();
        let name = (!name.is_empty()).then_some(name);
        let data = serde_json::json!({ "display_name": name });
        let changes = supabase_ssr::UserChanges {
            data: Some(&data),
            ..Default::default()
        };
        update_user(&user, changes).await?;
        Ok(go_to(&Done::Profile.location()))
    })
    .await
}

/// `aal1` or `aal2`, as the token says.
#[cfg(feature = "ssr")]
pub fn aal_name(claims: &supabase_ssr::Claims) -> String {
    match claims.aal {
        Some(supabase_ssr::Aal::Aal2) => "aal2",
        _ => "aal1",
    }
    .to_owned()
}
