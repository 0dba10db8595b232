//! `/`: what the template is, and a live check of the server behind it.

use leptos::prelude::*;

use crate::health::HealthCheck;

/// The landing page.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Leptos + Supabase Auth"</h1>
            <p class="lede">
                "A full-stack Rust starter: Leptos pages rendered on the server by axum, with islands of interactivity hydrated in the browser."
            </p>
        </section>
        <HealthCheck />
    }
}
