//! The Leptos application, compiled twice: with `ssr` into the server, which renders it to HTML,
//! and with `hydrate` into the WASM bundle, which makes that HTML interactive in the browser.

pub mod auth;
pub mod components;
pub mod health;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{A, ProtectedRoute, Route, Router, Routes},
};

use crate::{
    auth::{Auth, UserStatus},
    pages::{
        AccountPage, AdminPage, AuthErrorPage, ForgotPasswordPage, HomePage, LoginPage, MfaPage,
        NotFoundPage, OtpPage, PhonePage, ProtectedPage, SignUpPage, SignUpSuccessPage,
        UpdatePasswordPage,
    },
};

/// The HTML document the server renders around [`App`]: head, hydration scripts and stylesheet.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="leptos" />
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

/// The application: document metadata and the router.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Title text="Leptos + Supabase Auth" />
        <Router>
            <Layout />
        </Router>
    }
}

/// Header and routes. Inside the router, so the auth actions see the error a form posted without
/// JavaScript was redirected back with. Every route renders in `SsrMode::Async`: the server sends
/// the finished page, so the session in the header and every form work before (or without) the
/// WASM bundle; out-of-order streaming would need JavaScript to put the pieces in place.
#[component]
fn Layout() -> impl IntoView {
    let auth = Auth::provide();

    view! {
        <header class="site-header">
            <A href="/" attr:class="brand">
                "Leptos + Supabase Auth"
            </A>
            <nav class="site-nav" aria-label="Main">
                <A href="/protected">"Protected page"</A>
                <A href="/account">"Account"</A>
            </nav>
            <UserStatus />
        </header>
        <main class="site-main">
            <Routes fallback=NotFoundPage>
                <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async />
                <Route path=(StaticSegment("auth"), StaticSegment("error")) view=AuthErrorPage ssr=SsrMode::Async />
                <Route path=(StaticSegment("auth"), StaticSegment("login")) view=LoginPage ssr=SsrMode::Async />
                <Route path=(StaticSegment("auth"), StaticSegment("sign-up")) view=SignUpPage ssr=SsrMode::Async />
                <Route
                    path=(StaticSegment("auth"), StaticSegment("sign-up-success"))
                    view=SignUpSuccessPage
                    ssr=SsrMode::Async
                />
                <Route path=(StaticSegment("auth"), StaticSegment("otp")) view=OtpPage ssr=SsrMode::Async />
                <Route
                    path=(StaticSegment("auth"), StaticSegment("forgot-password"))
                    view=ForgotPasswordPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=(StaticSegment("auth"), StaticSegment("update-password"))
                    view=UpdatePasswordPage
                    ssr=SsrMode::Async
                />
                <Route path=(StaticSegment("auth"), StaticSegment("mfa")) view=MfaPage ssr=SsrMode::Async />
                <Route path=(StaticSegment("auth"), StaticSegment("phone")) view=PhonePage ssr=SsrMode::Async />
                <ProtectedRoute
                    path=StaticSegment("protected")
                    condition=move || auth.may_show("/protected")
                    redirect_path=move || auth.gate("/protected")
                    view=ProtectedPage
                    ssr=SsrMode::Async
                />
                <ProtectedRoute
                    path=StaticSegment("account")
                    condition=move || auth.may_show("/account")
                    redirect_path=move || auth.gate("/account")
                    view=AccountPage
                    ssr=SsrMode::Async
                />
                <ProtectedRoute
                    path=StaticSegment("admin")
                    condition=move || auth.may_show("/admin")
                    redirect_path=move || auth.gate("/admin")
                    view=AdminPage
                    ssr=SsrMode::Async
                />
            </Routes>
        </main>
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
