//! Keeping open tabs of the app in step: a tab whose auth form changed the session (signed in,
//! out, upgraded…) says so on a `BroadcastChannel`, and the other tabs read their session again.
//! A tab signed out elsewhere then shows the signed-out state, and a page for signed-in users
//! sends it to sign in, instead of leaving stale content up. The cookies are shared, so the
//! server already answers every tab with the same session; this only tells the pages to ask.

#[cfg(feature = "hydrate")]
use std::cell::RefCell;

#[cfg(feature = "hydrate")]
const CHANNEL: &str = "supabase-auth-session";

#[cfg(feature = "hydrate")]
thread_local! {
    /// One channel per page: a message is not delivered back to the object that sent it.
    static CHANNEL_HANDLE: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
}

/// Tells the other tabs that the session changed. Does nothing on the server.
pub fn announce() {
    #[cfg(feature = "hydrate")]
    CHANNEL_HANDLE.with(|handle| {
        if let Some(channel) = handle.borrow().as_ref() {
            let _ = channel.post_message(&wasm_bindgen::JsValue::from_str("changed"));
        }
    });
}

/// Calls `on_change` whenever another tab announces a change. Does nothing on the server.
pub fn listen(on_change: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, closure::Closure};

        let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) else {
            return;
        };
        let callback = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_| on_change());
        channel.set_onmessage(Some(callback.as_ref().unchecked_ref()));
        // The listener lives as long as the page.
        callback.forget();
        CHANNEL_HANDLE.with(|handle| *handle.borrow_mut() = Some(channel));
    }
    #[cfg(not(feature = "hydrate"))]
    drop(on_change);
}
