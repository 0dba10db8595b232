//! `/auth/mfa`: the authenticator code a user with an app enters after signing in, before any
//! page for signed-in users opens.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    auth::account::VerifyMfa,
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
