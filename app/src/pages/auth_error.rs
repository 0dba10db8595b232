//! `/auth/error?code=`: what went wrong with a link or sign-in, in words a person understands
//! ([`AuthError::on_arrival`]).

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use crate::auth::AuthError;

/// Explains the Supabase error code in the query.
#[component]
pub fn AuthErrorPage() -> impl IntoView {
    let query = use_query_map();
    let code = move || query.read().get("code").unwrap_or_default();

    view! {
        <section class="card auth-error">
            <h1>"That did not work"</h1>
            <p data-error-code=code>{move || AuthError::on_arrival(&code()).to_string()}</p>
            <A href="/">"Back to the home page"</A>
        </section>
    }
}
