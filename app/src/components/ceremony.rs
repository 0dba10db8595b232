//! A button that runs a WebAuthn ceremony (a passkey or security key), for the islands that add or
//! use one.

use std::future::Future;

use leptos::prelude::*;

use crate::auth::webauthn;

/// A button that runs `ceremony` when pressed: disabled and saying `pending` while it runs; then
/// the page goes to the path the ceremony answers with, or the button is back with the error
/// below it. Renders nothing where the browser cannot run WebAuthn ceremonies, nor on the server:
/// without JavaScript there is no button.
#[component]
pub fn CeremonyButton<F, Fut>(
    /// What the button says.
    label: &'static str,
    /// What it says while the ceremony runs.
    pending: &'static str,
    /// A secondary (outlined) button.
    #[prop(optional)]
    secondary: bool,
    /// The ceremony: asks the server, runs the browser's part, answers the server; the path to go
    /// to, or the error to show.
    ceremony: F,
) -> impl IntoView
where
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<String, String>> + 'static,
{
    let supported = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| supported.set(webauthn::supported()));
    let run = move |_| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match ceremony().await {
                Ok(target) => {
                    let _ = window().location().assign(&target);
                }
                Err(failed) => {
                    error.set(Some(failed));
                    busy.set(false);
                }
            }
        });
    };
    move || {
        supported.get().then(|| {
            view! {
                <div class="stack">
                    <button
                        type="button"
                        class=if secondary { "button secondary" } else { "button" }
                        on:click=run
                        disabled=move || busy.get()
                        aria-busy=move || busy.get().to_string()
                    >
                        {move || if busy.get() { pending } else { label }}
                    </button>
                    {move || error.get().map(|error| view! { <p class="form-error" role="alert">{error}</p> })}
                </div>
            }
        })
    }
}
