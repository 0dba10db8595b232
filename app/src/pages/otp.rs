//! `/auth/otp?email=`: the 6-digit code from the sign-in mail.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    auth::forms::VerifyCode,
    components::{CodeField, FormError, SubmitButton},
};

/// Code entry for the address in `?email=`.
#[component]
pub fn OtpPage() -> impl IntoView {
    let verify_code = ServerAction::<VerifyCode>::new();
    let query = use_query_map();
    let email = move || query.read().get("email").unwrap_or_default();
    let next = move || {
        query
            .read()
            .get("next")
            .unwrap_or_else(|| crate::routes::path::PROTECTED.to_owned())
    };

    view! {
        <section class="card auth-card" aria-labelledby="otp-title">
            <h1 id="otp-title">"Enter your code"</h1>
            <p>"We mailed a sign-in link and a 6-digit code to " <strong>{email}</strong> "."</p>
            <crate::components::DevMailboxLink />
            <ActionForm action=verify_code attr:class="stack">
                <input type="hidden" name="email" value=email />
                <input type="hidden" name="next" value=next />
                <CodeField id="otp-code" label="Code" />
                <FormError action=verify_code />
                <SubmitButton label="Sign in" pending="Checking…" />
            </ActionForm>
        </section>
    }
}
