//! Server health: the `/api/health` server function and the widget that shows its answer.
//!
//! The widget is rendered on the server with the answer already in the HTML, and in the browser
//! (an island) its button calls the same function again over HTTP.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the server reports about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// The app's crate version.
    pub version: String,
    /// Whole seconds since the server process started serving.
    pub uptime_secs: u64,
}

/// Server-only parts of the health check.
#[cfg(feature = "ssr")]
pub mod ssr {
    use std::time::Instant;

    /// When the server started serving. The server provides it to every request's context.
    #[derive(Clone, Copy, Debug)]
    pub struct StartedAt(pub Instant);

    impl StartedAt {
        /// The current instant.
        pub fn now() -> Self {
            Self(Instant::now())
        }
    }
}

/// Reports the server's version and uptime.
#[server(endpoint = "health")]
pub async fn server_health() -> Result<Health, ServerFnError> {
    use self::ssr::StartedAt;

    let StartedAt(started) = use_context::<StartedAt>()
        .ok_or_else(|| ServerFnError::new("the server did not provide its start time"))?;
    Ok(Health {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_secs: started.elapsed().as_secs(),
    })
}

/// Shows the server's health: the first answer is rendered on the server, and the
/// `HealthPanel` island asks again from the browser.
#[component]
pub fn HealthCheck() -> impl IntoView {
    let first = AsyncDerived::new(server_health);
    view! {
        <section class="card health" aria-labelledby="health-title">
            <h2 id="health-title">"Server"</h2>
            <Suspense fallback=|| view! { <p class="health-status">"Checking the server…"</p> }>
                {move || first.get().map(|answer| view! { <HealthPanel first=answer.ok() /> })}
            </Suspense>
        </section>
    }
}

/// The latest answer and "Check again", which calls the server function over HTTP (an island;
/// the first answer travels in the page, so hydrating it asks nothing). Without JavaScript the
/// button posts the form and the server sends the browser back to this page, checked again.
#[island(lazy)]
fn HealthPanel(
    /// The answer the page was rendered with; `None` when the server did not answer.
    first: Option<Health>,
) -> impl IntoView {
    let latest = RwSignal::new(first);
    let checks = RwSignal::new(0_usize);
    let busy = RwSignal::new(false);
    let check_again = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            latest.set(server_health().await.ok());
            checks.update(|count| *count += 1);
            busy.set(false);
        });
    };
    let path = <ServerHealth as leptos::server_fn::ServerFn>::PATH;
    view! {
        {move || view! { <HealthStatus answer=latest.get() /> }}
        <form method="post" action=path on:submit=check_again>
            <button type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Checking…" } else { "Check again" }}
            </button>
        </form>
        <p class="health-checks" data-checks=move || checks.get()>
            {move || match checks.get() {
                0 => "Not checked from this page yet.".to_owned(),
                1 => "Checked once from this page.".to_owned(),
                n => format!("Checked {n} times from this page."),
            }}
        </p>
    }
}

/// One answer of the health check; `None` when the server did not answer.
#[component]
fn HealthStatus(answer: Option<Health>) -> impl IntoView {
    match answer {
        Some(Health {
            version,
            uptime_secs,
        }) => view! {
            <p class="health-status" data-state="up">
                {format!("Up · version {version} · running for {uptime_secs} s")}
            </p>
        }
        .into_any(),
        None => view! {
            <p class="health-status" data-state="down" role="alert">
                "The server did not answer. Try again in a moment."
            </p>
        }
        .into_any(),
    }
}
