//! Server health: the `/api/health` server function and the widget that shows its answer.
//!
//! The widget is rendered on the server with the answer already in the HTML, and in the browser
//! its button calls the same function again over HTTP.

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

/// Shows the server's health, rendered on the server and refreshed by a button in the browser.
#[component]
pub fn HealthCheck() -> impl IntoView {
    let rendered = Resource::new(|| (), |()| server_health());
    let check = ServerAction::<ServerHealth>::new();
    let latest = move || check.value().get().or_else(|| rendered.get());

    view! {
        <section class="card health" aria-labelledby="health-title">
            <h2 id="health-title">"Server"</h2>
            <Transition fallback=|| view! { <p class="health-status">"Checking the server…"</p> }>
                {move || latest().map(|answer| view! { <HealthStatus answer /> })}
            </Transition>
            <ActionForm action=check>
                <button type="submit" disabled=check.pending()>
                    {move || if check.pending().get() { "Checking…" } else { "Check again" }}
                </button>
            </ActionForm>
            <p class="health-checks" data-checks=move || check.version().get()>
                {move || match check.version().get() {
                    0 => "Not checked from this page yet.".to_owned(),
                    1 => "Checked once from this page.".to_owned(),
                    n => format!("Checked {n} times from this page."),
                }}
            </p>
        </section>
    }
}

/// One answer of the health check, good or bad.
#[component]
fn HealthStatus(answer: Result<Health, ServerFnError>) -> impl IntoView {
    match answer {
        Ok(Health {
            version,
            uptime_secs,
        }) => view! {
            <p class="health-status" data-state="up">
                {format!("Up · version {version} · running for {uptime_secs} s")}
            </p>
        }
        .into_any(),
        Err(_) => view! {
            <p class="health-status" data-state="down" role="alert">
                "The server did not answer. Try again in a moment."
            </p>
        }
        .into_any(),
    }
}
