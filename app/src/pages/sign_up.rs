//! `/auth/sign-up` and `/auth/sign-up-success`.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    auth::forms::SignUp,
    components::{FormError, NewPasswordFields, SubmitButton},
};

/// The sign-up form: email, password twice.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let sign_up = ServerAction::<SignUp>::new();

    view! {
        <section class="card auth-card" aria-labelledby="sign-up-title">
            <h1 id="sign-up-title">"Create an account"</h1>
            <ActionForm action=sign_up attr:class="stack">
                <label for="sign-up-email">"Email"</label>
                <input id="sign-up-email" type="email" name="email" autocomplete="email" required />
                <NewPasswordFields id="sign-up" label="Password" repeat_label="Repeat the password" />
                <FormError action=sign_up />
                <SubmitButton label="Sign up" pending="Creating your account…" />
            </ActionForm>
            <p class="aside">"Have an account? " <A href=crate::routes::path::LOGIN>"Sign in"</A></p>
        </section>
    }
}

/// "Check your email" after signing up.
#[component]
pub fn SignUpSuccessPage() -> impl IntoView {
    view! {
        <section class="card auth-card" aria-labelledby="sign-up-success-title">
            <h1 id="sign-up-success-title">"Check your email"</h1>
            <p>"We sent you a link to confirm your address. Follow it to finish signing up."</p>
            <crate::components::DevMailboxLink />
        </section>
    }
}
