//! `/`: what the template is, the first steps through it with the session the server sees, and a
//! live check of the server behind it.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    auth::{SessionView, use_auth},
    components::DevMailbox,
    health::HealthCheck,
    routes::path,
};

/// The landing page.
#[component]
pub fn HomePage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let signed_out = move || query.read().get("signed-out").is_some();
    view! {
        <Show when=signed_out>
            <p class="notice" role="status">"You are signed out."</p>
        </Show>
        <section class="hero">
            <h1>{crate::site::NAME}</h1>
            <p class="lede">
                "A full-stack Rust starter: Leptos pages rendered on the server by axum, with islands of interactivity hydrated in the browser."
            </p>
        </section>
        <GettingStarted />
        <HealthCheck />
    }
}

/// The first steps through the template, and the session this page was rendered with.
#[component]
fn GettingStarted() -> impl IntoView {
    let auth = use_auth();
    let mailbox = use_context::<DevMailbox>();
    let mail_step = match mailbox {
        Some(DevMailbox(url)) => view! {
            "Open the " <a href=url target="_blank" rel="noopener">"development mailbox"</a>
            " and follow the confirmation link (nothing is sent while the app runs its own auth server)."
        }
        .into_any(),
        None => view! { "Follow the confirmation link in the mail your Supabase project sent." }
            .into_any(),
    };

    view! {
        <section class="card getting-started" aria-labelledby="getting-started-title">
            <h2 id="getting-started-title">"Getting started"</h2>
            <ol>
                <li><A href=path::SIGN_UP>"Sign up"</A> " your first user."</li>
                <li>{mail_step}</li>
                <li>"Open the " <A href=path::PROTECTED>"protected page"</A> ": it shows the claims the server verified."</li>
                <li>"On your " <A href=path::ACCOUNT>"account"</A> " page, add an authenticator app, link a provider or change the password."</li>
                <li>"Write some " <A href=path::NOTES>"notes"</A> ": the server reads them from PostgreSQL as you, and the database's policies keep them yours."</li>
                <li>
                    "Then make it yours: pages and who may open them in " <code>"app/src/routes.rs"</code>
                    ", pages with their server functions and islands in " <code>"app/src/pages/"</code>
                    ", auth settings in " <code>"supabase/config.toml"</code> "."
                </li>
            </ol>
            <Transition fallback=|| ()>
                {move || auth.session.get().map(|answer| view! { <SessionSeen view=answer.unwrap_or_default() /> })}
            </Transition>
        </section>
    }
}

/// What the server saw of this request's session.
#[component]
fn SessionSeen(view: SessionView) -> impl IntoView {
    let text = match (&view.user, view.needs_mfa) {
        (Some(user), false) => format!("The server sees you signed in as {}.", user.label()),
        (Some(user), true) => format!(
            "The server sees {} signed in, still owing the authenticator code.",
            user.label()
        ),
        (None, _) if view.auth_unavailable => {
            "The server cannot reach the auth server right now.".to_owned()
        }
        (None, _) => "The server sees no session: you are not signed in.".to_owned(),
    };
    view! { <p class="session-seen" data-testid="session-seen">{text}</p> }
}
