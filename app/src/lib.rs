//! The Leptos application in islands mode, compiled twice: with `ssr` into the server, which
//! renders every page to HTML, and with `hydrate` into the WASM bundle, which carries only the
//! `#[island]` components (the few interactive parts) and hydrates just those. Forms are plain
//! HTML forms posted to server functions, which answer with a redirect (post/redirect/get).

pub mod auth;
pub mod components;
pub mod csp;
#[cfg(feature = "ssr")]
pub mod data;
pub mod failure;
// Private, with what the server and its tests name re-exported: a lazy island's generated hydrate
// function is public and undocumented, so its module must not be reachable.
mod health;
pub mod loader;
pub mod pages;
pub mod routes;
pub mod site;

pub use health::Health;
#[cfg(feature = "ssr")]
pub use health::ssr::StartedAt;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Router};

use crate::{
    auth::{Auth, UserStatus},
    csp::ContentSecurityPolicy,
    loader::IslandScripts,
    pages::AppRoutes,
    routes::path,
};

/// The HTML document the server renders around [`App`]: head, islands script and stylesheet.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <IslandScripts options=options.clone() />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <AutoReload options />
                <MetaTags />
                <ContentSecurityPolicy />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: document metadata and the router.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title text=site::NAME />
        <Router>
            <Layout />
        </Router>
    }
}

/// Header and routes ([`AppRoutes`]). Inside the router, so each form sees the error its post was
/// redirected back with. Every route renders in `SsrMode::Async`: the server sends the finished
/// page, so the session in the header and every form work before (or without) the WASM bundle;
/// out-of-order streaming would need JavaScript to put the pieces in place.
#[component]
fn Layout() -> impl IntoView {
    Auth::provide();

    view! {
        <header class="site-header">
            <A href=path::HOME attr:class="brand">
                {site::NAME}
            </A>
            <nav class="site-nav" aria-label="Main">
                <A href=path::PROTECTED>"Protected page"</A>
                <A href=path::NOTES>"Notes"</A>
                <A href=path::ACCOUNT>"Account"</A>
            </nav>
            <UserStatus />
        </header>
        <main class="site-main">
            <AppRoutes />
        </main>
    }
}
