//! The applications the user has allowed to use their account (the project's auth server as an
//! OAuth 2.1 provider), each with what it may do, and a plain form that takes its access back:
//! the auth server then ends every session it holds for the user.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{auth::AuthError, components::FormError};

/// An application the user has allowed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppGrantView {
    /// Its client id (what revoking names).
    pub client_id: String,
    /// Its name (its client id when it registered none).
    pub name: String,
    /// The scopes it was granted.
    pub scopes: Vec<String>,
    /// When (the date part of the auth server's RFC 3339 time).
    pub granted_on: String,
}

#[cfg(feature = "ssr")]
impl AppGrantView {
    /// The view of a grant as the auth server lists it.
    pub fn of(grant: supabase_ssr::OAuthGrant) -> Self {
        Self {
            name: grant
                .client
                .name
                .filter(|name| !name.trim().is_empty())
                .unwrap_or_else(|| grant.client.id.clone()),
            client_id: grant.client.id,
            scopes: grant.scopes,
            granted_on: grant.granted_at.chars().take(10).collect(),
        }
    }
}

/// The list, or that there is none.
#[component]
pub(super) fn ConnectedApps(apps: Vec<AppGrantView>) -> impl IntoView {
    let revoke = ServerAction::<RevokeApp>::new();
    let empty = apps.is_empty();
    view! {
        <h2>"Applications you allowed"</h2>
        <Show when=move || empty>
            <p class="aside" data-testid="apps-none">"No application uses your account."</p>
        </Show>
        <ul class="identities" data-testid="apps">
            {apps
                .into_iter()
                .map(|app| {
                    let label = format!("Remove {}", app.name);
                    let client_id = app.client_id.clone();
                    view! {
                        <li data-client=app.client_id.clone()>
                            <span>
                                <strong>{app.name.clone()}</strong>
                                " · "{app.scopes.join(", ")}" · since "{app.granted_on.clone()}
                            </span>
                            <ActionForm action=revoke attr:class="inline-form">
                                <input type="hidden" name="client_id" value=client_id />
                                <button type="submit" class="button secondary">{label}</button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <FormError action=revoke />
    }
}

/// Takes an application's access back: its grant is revoked and its sessions for the user end.
#[server(endpoint = "account/revoke-app")]
pub async fn revoke_app(
    #[doc = "The application's client id."] client_id: String,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        if client_id.len() > 64 {
            return Err(AuthError::InvalidInput);
        }
        let user = require_full_session().await?;
        let revoked = session_layer()?
            .client()
            .revoke_oauth_grant(supabase_token(&user)?, &client_id)
            .await;
        match revoked {
            // Revoked already (in another tab, say): what the person asked for is done.
            Err(error) if error.code() == Some(&supabase_ssr::ErrorCode::OauthConsentNotFound) => {}
            other => other?,
        }
        Ok(go_to(&super::done::Done::AppRemoved.location()))
    })
    .await
}

/// The applications the user allowed; `None` when the auth server is no OAuth provider.
#[cfg(feature = "ssr")]
pub(super) async fn app_grants(
    layer: &supabase_ssr::axum::SessionLayer,
    user: &supabase_ssr::axum::User,
) -> Result<Option<Vec<AppGrantView>>, AuthError> {
    use crate::auth::ssr::supabase_token;

    match layer.client().oauth_grants(supabase_token(user)?).await {
        Ok(grants) => Ok(Some(grants.into_iter().map(AppGrantView::of).collect())),
        Err(error) if error.code() == Some(&supabase_ssr::ErrorCode::FeatureDisabled) => Ok(None),
        Err(error) => Err(error.into()),
    }
}
