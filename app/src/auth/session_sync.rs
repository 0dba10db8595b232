//! Keeping open tabs of the app in step. Every page carries the [`SessionSync`] island with a key
//! of the session the page was rendered with ([`SessionView::sync_key`]); once hydrated, the
//! island says that key on a `BroadcastChannel`, and a tab that hears a different one reloads. So
//! a tab signed out (or in, or raised to `aal2`) in another tab shows the new state, and a page
//! for signed-in users goes to sign-in instead of keeping stale content. The cookies are shared,
//! so a reloaded tab is rendered with the same session as the tab that changed it: the tabs agree
//! after one reload.
//!
//! [`SessionView::sync_key`]: super::SessionView::sync_key

use leptos::prelude::*;

/// The channel's name: one per origin, shared by every tab of the app.
#[cfg(feature = "hydrate")]
const CHANNEL: &str = "supabase-auth-session";

/// Reloads this tab when another tab of the app renders a different session.
#[island]
pub fn SessionSync(
    /// The key of the session this page was rendered with.
    session: String,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    listen(session);
    #[cfg(not(feature = "hydrate"))]
    drop(session);
}

#[cfg(feature = "hydrate")]
fn listen(session: String) {
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};

    let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) else {
        return;
    };
    let announced = JsValue::from_str(&session);
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if event
                .data()
                .as_string()
                .is_some_and(|theirs| theirs != session)
            {
                let _ = window().location().reload();
            }
        });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // A message is not delivered back to the channel object that sent it.
    let _ = channel.post_message(&announced);
    // Listener and channel live as long as the page.
    on_message.forget();
    std::mem::forget(channel);
}
