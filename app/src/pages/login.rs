//! `/auth/login`: password sign-in, or a link and code by mail.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    auth::{
        PROTECTED_PATH,
        forms::{EmailSignIn, SignIn},
        use_auth,
    },
    components::{FormError, SubmitButton},
};

/// The sign-in page. `?next=` says where to go afterwards.
#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let sign_in = ServerAction::<SignIn>::new();
    let email_sign_in = ServerAction::<EmailSignIn>::new();
    auth.follow(sign_in);
    auth.follow(email_sign_in);
    let query = use_query_map();
    let next = move || {
        query
            .read()
            .get("next")
            .unwrap_or_else(|| PROTECTED_PATH.to_owned())
    };

    view! {
        <section class="card auth-card" aria-labelledby="login-title">
            <h1 id="login-title">"Sign in"</h1>
            <ActionForm action=sign_in attr:class="stack">
                <input type="hidden" name="next" value=next />
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" name="email" autocomplete="email" required />
                <label for="login-password">"Password"</label>
                <input
                    id="login-password"
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                />
                <FormError action=sign_in />
                <SubmitButton action=sign_in label="Sign in" pending="Signing in…" />
            </ActionForm>
            <p class="aside">
                <A href="/auth/forgot-password">"Forgot your password?"</A>
            </p>
            <h2>"Or sign in by email"</h2>
            <p class="aside">"We mail you a sign-in link and a 6-digit code."</p>
            <ActionForm action=email_sign_in attr:class="stack">
                <input type="hidden" name="next" value=next />
                <label for="login-link-email">"Email"</label>
                <input id="login-link-email" type="email" name="email" autocomplete="email" required />
                <FormError action=email_sign_in />
                <SubmitButton
                    action=email_sign_in
                    label="Email me a link and code"
                    pending="Sending…"
                    secondary=true
                />
            </ActionForm>
            <p class="aside">"No account yet? " <A href="/auth/sign-up">"Sign up"</A></p>
        </section>
    }
}
