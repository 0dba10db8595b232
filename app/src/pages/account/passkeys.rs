//! Passkeys on `/account`: the list, renaming and removing one (plain forms, without JavaScript
//! too) and adding one (an island: the browser's WebAuthn ceremony needs it).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    auth::{AuthError, Ceremony, webauthn},
    components::{CeremonyButton, FormError},
};

/// A passkey as the account page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyView {
    /// Its id.
    pub id: String,
    /// Its name, or a stand-in.
    pub name: String,
    /// When it was added (date).
    pub created: String,
    /// When it last signed in (date), if ever.
    pub last_used: Option<String>,
}

#[component]
pub(super) fn Passkeys(passkeys: Vec<PasskeyView>) -> impl IntoView {
    let rename = ServerAction::<RenamePasskey>::new();
    let remove = ServerAction::<RemovePasskey>::new();
    view! {
        <h2>"Passkeys"</h2>
        <p class="aside">"Sign in with your fingerprint, face or device PIN instead of a password."</p>
        <ul class="passkeys">
            {passkeys
                .into_iter()
                .map(|passkey| {
                    let used = passkey
                        .last_used
                        .map_or_else(|| "never used".to_owned(), |at| format!("last used {at}"));
                    let input_id = format!("passkey-name-{}", passkey.id);
                    let summary = format!("{} (added {}, {used})", passkey.name, passkey.created);
                    let id = passkey.id.clone();
                    view! {
                        <li data-testid="passkey">
                            <span>{summary}</span>
                            <ActionForm action=rename attr:class="inline-form">
                                <input type="hidden" name="passkey_id" value=id />
                                <label for=input_id.clone() class="visually-hidden">"New name"</label>
                                <input id=input_id name="friendly_name" value=passkey.name maxlength="120" required />
                                <button type="submit" class="button secondary">"Rename"</button>
                            </ActionForm>
                            <ActionForm action=remove attr:class="inline-form">
                                <input type="hidden" name="passkey_id" value=passkey.id />
                                <button type="submit" class="button secondary">"Remove"</button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <FormError action=rename />
        <FormError action=remove />
        <AddPasskey />
    }
}

/// "Add a passkey": asks the server for a registration ceremony, lets the browser create the
/// credential, sends it back. Renders nothing where the browser cannot (or without JavaScript).
#[island(lazy)]
fn AddPasskey() -> impl IntoView {
    let ceremony = || async {
        let ceremony = passkey_registration().await.map_err(|e| e.to_string())?;
        let credential = webauthn::create(&ceremony.options)
            .await
            .map_err(|e| e.to_string())?;
        add_passkey(ceremony.id, credential)
            .await
            .map_err(|e| e.to_string())
    };
    view! { <CeremonyButton label="Add a passkey" pending="Waiting for your device…" ceremony /> }
}

/// Starts adding a passkey: the ceremony the browser runs.
#[server(endpoint = "account/passkeys/options")]
pub async fn passkey_registration() -> Result<Ceremony, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        let layer = session_layer()?;
        Ok(layer
            .client()
            .passkey_registration_options(supabase_token(&user)?)
            .await?
            .into())
    })
    .await
}

/// Stores the passkey the browser created (`credential`, its `toJSON()`).
#[server(endpoint = "account/passkeys/add")]
pub async fn add_passkey(
    #[doc = "The id of the challenge the ceremony answers."] challenge_id: String,
    #[doc = "The authenticator's answer, as JSON text."] credential: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        let credential = ceremony_answer(&credential)?;
        session_layer()?
            .client()
            .passkey_registration_verify(supabase_token(&user)?, &challenge_id, &credential)
            .await?;
        Ok(go_to(&super::done::Done::Passkey.location()))
    })
    .await
}

/// Renames a passkey.
#[server(endpoint = "account/passkeys/rename")]
pub async fn rename_passkey(
    #[doc = "The passkey's id."] passkey_id: String,
    #[doc = "The name the account page shows for it."] friendly_name: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        let name = friendly_name.trim();
        // The auth server's limit: 120 bytes.
        if name.is_empty() || name.len() > 120 {
            return Err(AuthError::InvalidInput);
        }
        session_layer()?
            .client()
            .rename_passkey(supabase_token(&user)?, &passkey_id, name)
            .await?;
        Ok(go_to(&super::done::Done::PasskeyRenamed.location()))
    })
    .await
}

/// Removes a passkey.
#[server(endpoint = "account/passkeys/remove")]
pub async fn remove_passkey(
    #[doc = "The passkey's id."] passkey_id: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = require_full_session().await?;
        session_layer()?
            .client()
            .delete_passkey(supabase_token(&user)?, &passkey_id)
            .await?;
        Ok(go_to(&super::done::Done::PasskeyRemoved.location()))
    })
    .await
}

/// The passkeys of `user` as the page lists them.
#[cfg(feature = "ssr")]
pub(super) fn passkey_views(passkeys: Vec<supabase_ssr::Passkey>) -> Vec<PasskeyView> {
    let day = |at: &str| at.get(..10).unwrap_or(at).to_owned();
    passkeys
        .into_iter()
        .map(|passkey| PasskeyView {
            name: passkey
                .friendly_name
                .filter(|name| !name.trim().is_empty())
                .unwrap_or_else(|| "Passkey".to_owned()),
            created: day(&passkey.created_at),
            last_used: passkey.last_used_at.as_deref().map(day),
            id: passkey.id,
        })
        .collect()
}
