//! `/auth/mfa`: the authenticator code a user with an app enters after signing in, before any
//! page for signed-in users opens, and its server function.

#![allow(
    missing_docs,
    reason = "#[server] turns the parameters into fields of a public struct, and parameters cannot carry doc comments"
)]

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    auth::AuthError,
    components::{CodeField, FormError, SubmitButton},
};

/// The code form; `?next=` says where to go once the session is complete.
#[component]
pub fn MfaPage() -> impl IntoView {
    let verify = ServerAction::<VerifyMfa>::new();
    let query = use_query_map();
    let next = move || {
        query
            .read()
            .get("next")
            .unwrap_or_else(|| crate::routes::path::PROTECTED.to_owned())
    };

    view! {
        <section class="card auth-card" aria-labelledby="mfa-title">
            <h1 id="mfa-title">"Enter your authenticator code"</h1>
            <p>"Your account is protected by an authenticator app. Enter the 6-digit code it shows."</p>
            <ActionForm action=verify attr:class="stack">
                <input type="hidden" name="next" value=next />
                <CodeField id="mfa-code" label="Code" />
                <FormError action=verify />
                <SubmitButton label="Continue" pending="Checking…" />
            </ActionForm>
        </section>
    }
}

/// The code asked for at sign-in when the user has an authenticator app: checks it against
/// their verified factor and raises the session to `aal2`, then goes to `next`.
#[server(endpoint = "auth/mfa")]
pub async fn verify_mfa(code: String, next: Option<String>) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let user = current_user().ok_or(AuthError::NotSignedIn)?;
        check_attempt(Attempt::Mfa, Some(user.id()))?;
        let found = session_layer()?
            .client()
            .get_user(user.access_token())
            .await?;
        let factor = found
            .factors
            .iter()
            .flatten()
            .find(|factor| {
                factor.factor_type == supabase_ssr::FactorType::Totp
                    && factor.status == supabase_ssr::FactorStatus::Verified
            })
            .map(|factor| factor.id.clone())
            .ok_or(AuthError::Unexpected)?;
        verify_totp(&user, &factor, &code).await?;
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}
