//! The Leptos application in islands mode, compiled twice: with `ssr` into the server, which
//! renders every page to HTML, and with `hydrate` into the WASM bundle, which carries only the
//! `#[island]` components (the few interactive parts) and hydrates just those. Forms are plain
//! HTML forms posted to server functions, which answer with a redirect (post/redirect/get).

pub mod auth;
pub mod components;
pub mod csp;
pub mod health;
pub mod islands;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{A, ProtectedRoute, Route, Router, Routes},
};

use crate::{
    auth::{Auth, UserStatus},
    csp::ContentSecurityPolicy,
    islands::IslandScripts,
    pages::{
        AccountPage, AdminPage, AuthErrorPage, ForgotPasswordPage, HomePage, LoginPage, MfaPage,
        NotFoundPage, OtpPage, PhonePage, ProtectedPage, SignUpPage, SignUpSuccessPage,
        UpdatePasswordPage,
    },
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
        <Title text="Leptos + Supabase Auth" />
        <Router>
            <Layout />
        </Router>
    }
}

/// Header and routes. Inside the router, so each form sees the error its post was redirected back
/// with. Every route renders in `SsrMode::Async`: the server sends the finished page, so the
/// session in the header and every form work before (or without) the WASM bundle; out-of-order
/// streaming would need JavaScript to put the pieces in place. The server's session guard already
/// sends visitors who may not see a page elsewhere before rendering; the protected routes say the
/// same for pages added without updating the guard.
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
                    condition=move || auth.may_show()
                    redirect_path=move || auth.gate("/protected")
                    view=ProtectedPage
                    ssr=SsrMode::Async
                />
                <ProtectedRoute
                    path=StaticSegment("account")
                    condition=move || auth.may_show()
                    redirect_path=move || auth.gate("/account")
                    view=AccountPage
                    ssr=SsrMode::Async
                />
                <ProtectedRoute
                    path=StaticSegment("admin")
                    condition=move || auth.may_show()
                    redirect_path=move || auth.gate("/admin")
                    view=AdminPage
                    ssr=SsrMode::Async
                />
            </Routes>
        </main>
    }
}
