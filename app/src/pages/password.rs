//! `/auth/forgot-password` and `/auth/update-password`.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    auth::forms::{ForgotPassword, UpdatePassword},
    components::{FormError, NewPasswordFields, SubmitButton},
};

/// Asks for the address to send a reset link to; says so once it is sent.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let forgot_password = ServerAction::<ForgotPassword>::new();
    let query = use_query_map();
    let sent = move || query.read().get("sent").is_some();

    view! {
        <section class="card auth-card" aria-labelledby="forgot-title">
            <h1 id="forgot-title">"Reset your password"</h1>
            <Show
                when=sent
                fallback=move || {
                    view! {
                        <ActionForm action=forgot_password attr:class="stack">
                            <label for="forgot-email">"Email"</label>
                            <input id="forgot-email" type="email" name="email" autocomplete="email" required />
                            <FormError action=forgot_password />
                            <SubmitButton label="Send a reset link" pending="Sending…" />
                        </ActionForm>
                    }
                }
            >
                <p role="status">
                    "If an account uses that address, a reset link is on its way. Follow it to choose a new password."
                </p>
                <crate::components::DevMailboxLink />
            </Show>
        </section>
    }
}

/// Sets a new password; reached from the reset link with a recovery session.
#[component]
pub fn UpdatePasswordPage() -> impl IntoView {
    let update_password = ServerAction::<UpdatePassword>::new();

    view! {
        <section class="card auth-card" aria-labelledby="update-title">
            <h1 id="update-title">"Choose a new password"</h1>
            <ActionForm action=update_password attr:class="stack">
                <NewPasswordFields id="update" label="New password" repeat_label="Repeat it" />
                <FormError action=update_password />
                <SubmitButton label="Save the password" pending="Saving…" />
            </ActionForm>
        </section>
    }
}
