//! The page for any path no route matches. The server answers it with status 404.

use leptos::prelude::*;
use leptos_router::components::A;

/// "Page not found", with a way back home.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <A href="/">"Back to the home page"</A>
        </section>
    }
}
