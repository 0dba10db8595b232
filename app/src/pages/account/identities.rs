//! The ways to sign in on `/account`: a guest turns permanent (email and password, or a linked
//! provider), and linked identities are listed, linked and unlinked (never the last).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    auth::{AuthError, Provider},
    components::{FormError, NewPasswordFields, SubmitButton},
};

/// A guest turns permanent with an email address and password, or by linking a provider.
#[component]
pub(super) fn GuestUpgrade(linkable: Vec<Provider>) -> impl IntoView {
    let upgrade = ServerAction::<UpgradeGuest>::new();
    view! {
        <h2>"Keep your account"</h2>
        <p>"You are signed in as a guest. Add a way to sign in to keep what you did here."</p>
        <ActionForm action=upgrade attr:class="stack">
            <label for="upgrade-email">"Email"</label>
            <input id="upgrade-email" type="email" name="email" autocomplete="email" required />
            <NewPasswordFields id="upgrade" label="Password" repeat_label="Repeat the password" />
            <FormError action=upgrade />
            <SubmitButton label="Keep my account" pending="Saving…" />
        </ActionForm>
        <LinkButtons linkable />
    }
}

#[component]
pub(super) fn Identities(identities: Vec<IdentityView>, linkable: Vec<Provider>) -> impl IntoView {
    let unlink = ServerAction::<UnlinkIdentity>::new();
    // The last way to sign in cannot go (the auth server refuses too), so it offers no button.
    let only_one = identities.len() <= 1;
    view! {
        <h2>"Ways to sign in"</h2>
        <ul class="identities">
            {identities
                .into_iter()
                .map(|identity| {
                    let label = match &identity.email {
                        Some(email) => format!("{} ({email})", identity.provider.name),
                        None => identity.provider.name.clone(),
                    };
                    let unlink_label = format!("Unlink {}", identity.provider.name);
                    let action = if only_one {
                        view! { <span class="aside">"Your only way to sign in"</span> }.into_any()
                    } else {
                        view! {
                            <ActionForm action=unlink attr:class="inline-form">
                                <input type="hidden" name="identity_id" value=identity.id />
                                <button type="submit" class="button secondary">{unlink_label}</button>
                            </ActionForm>
                        }
                            .into_any()
                    };
                    view! {
                        <li data-provider=identity.provider.id.clone()>
                            <span>{label}</span>
                            {action}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <FormError action=unlink />
        <LinkButtons linkable />
    }
}

/// "Link GitHub" and the like: plain forms, since the browser leaves for the provider.
#[component]
pub(super) fn LinkButtons(linkable: Vec<Provider>) -> impl IntoView {
    let action = <LinkIdentity as leptos::server_fn::ServerFn>::PATH;
    view! {
        <div class="other-ways">
            {linkable
                .into_iter()
                .map(|provider| {
                    let label = format!("Link {}", provider.name);
                    view! {
                        <form method="post" action=action class="inline-form">
                            <input type="hidden" name="provider" value=provider.id />
                            <button type="submit" class="button secondary">{label}</button>
                        </form>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// A linked identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityView {
    /// The identity id (what unlinking names).
    pub id: String,
    /// `email`, `phone`, `github`, …
    pub provider: Provider,
    /// The address the provider knows, if any.
    pub email: Option<String>,
}

/// Turns the guest into a permanent user with an email address and password; the same user id,
/// once the address is confirmed from the mail.
#[server(endpoint = "account/upgrade")]
pub async fn upgrade_guest(
    #[doc = "The email address the form names."] email: String,
    #[doc = "The password typed into the form."] password: String,
    #[doc = "The password typed again; it must equal `password`."] password_repeat: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        passwords_match(&password, &password_repeat)?;
        let user = require_full_session().await?;
        let changes = supabase_ssr::UserChanges {
            email: Some(email.trim()),
            password: Some(&password),
            ..Default::default()
        };
        update_user(&user, changes).await?;
        Ok(go_to(&super::done::Done::Upgrade.location()))
    })
    .await
}

/// Starts linking an identity of `provider`: like an OAuth sign-in, back through
/// `/auth/callback` to `/account`. Posted as a plain form: the browser leaves for the provider.
#[server(endpoint = "account/link")]
pub async fn link_identity(
    #[doc = "The sign-in provider's name at the auth server (`github`, `google`, …)."]
    provider: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let layer = session_layer()?;
        let user = require_full_session().await?;
        let flow = begin_flow(&layer, crate::routes::path::ACCOUNT);
        let url = layer
            .client()
            .link_identity_url(
                supabase_token(&user)?,
                &provider,
                Some(&flow.redirect_to),
                &flow.challenge,
            )
            .await?;
        send_cookies(&flow.cookies);
        leptos_axum::redirect(url.as_str());
        Ok(url.to_string())
    })
    .await
}

/// Unlinks an identity; the last one cannot go.
#[server(endpoint = "account/unlink")]
pub async fn unlink_identity(
    #[doc = "The linked identity's id."] identity_id: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        session_layer()?
            .client()
            .unlink_identity(supabase_token(&user)?, &identity_id)
            .await?;
        Ok(go_to(&super::done::Done::Unlinked.location()))
    })
    .await
}
