//! The Leptos application, compiled twice: with `ssr` into the server, which renders it to HTML,
//! and with `hydrate` into the WASM bundle, which makes that HTML interactive in the browser.

pub mod auth;
pub mod health;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{A, Route, Router, Routes},
};

use crate::{
    auth::UserStatus,
    pages::{AuthErrorPage, HomePage, NotFoundPage},
};

/// The HTML document the server renders around [`App`]: head, hydration scripts and stylesheet.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=stylesheet />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: layout and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Title text="Leptos + Supabase Auth" />
        <Router>
            <header class="site-header">
                <A href="/" attr:class="brand">
                    "Leptos + Supabase Auth"
                </A>
                <UserStatus />
            </header>
            <main class="site-main">
                <Routes fallback=NotFoundPage>
                    <Route path=StaticSegment("") view=HomePage />
                    <Route path=(StaticSegment("auth"), StaticSegment("error")) view=AuthErrorPage />
                </Routes>
            </main>
        </Router>
    }
}

/// Sets `data-hydrated` on `<html>` once the WASM bundle has taken over the page.
///
/// Effects never run on the server, so the attribute tells tests (and curious developers in the
/// inspector) that hydration finished without errors.
fn mark_hydrated() {
    Effect::new(|| {
        if let Some(root) = document().document_element() {
            // Setting an attribute on <html> cannot fail for a valid, constant name.
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
