//! The browser entry point: the WASM bundle that hydrates the server-rendered page.

/// Called by the hydration script the server puts in the page: attaches the app to the existing HTML.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
