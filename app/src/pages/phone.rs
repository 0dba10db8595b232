//! `/auth/phone`: sign in with a phone number and the code texted to it.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    auth::account::{PhoneSignIn, VerifyPhoneCode},
    components::{CodeField, FormError, SubmitButton},
};

/// The number form, then (with `?phone=`) the code form.
#[component]
pub fn PhonePage() -> impl IntoView {
    let send = ServerAction::<PhoneSignIn>::new();
    let verify = ServerAction::<VerifyPhoneCode>::new();
    let query = use_query_map();
    let phone = move || query.read().get("phone");
    let next = move || {
        query
            .read()
            .get("next")
            .unwrap_or_else(|| crate::routes::path::PROTECTED.to_owned())
    };

    view! {
        <section class="card auth-card" aria-labelledby="phone-title">
            <h1 id="phone-title">"Sign in with your phone"</h1>
            <Show
                when=move || phone().is_some()
                fallback=move || {
                    view! {
                        <ActionForm action=send attr:class="stack">
                            <input type="hidden" name="next" value=next />
                            <label for="phone-number">"Phone number"</label>
                            <input id="phone-number" type="tel" name="phone" autocomplete="tel" placeholder="+1 555 010 2030" required />
                            <FormError action=send />
                            <SubmitButton label="Text me a code" pending="Sending…" />
                        </ActionForm>
                    }
                }
            >
                <p>"We texted a 6-digit code to " <strong>{move || phone().unwrap_or_default()}</strong> "."</p>
                <crate::components::DevMailboxLink />
                <ActionForm action=verify attr:class="stack">
                    <input type="hidden" name="phone" value=move || phone().unwrap_or_default() />
                    <input type="hidden" name="next" value=next />
                    <CodeField id="phone-code" label="Code" />
                    <FormError action=verify />
                    <SubmitButton label="Sign in" pending="Checking…" />
                </ActionForm>
            </Show>
        </section>
    }
}
