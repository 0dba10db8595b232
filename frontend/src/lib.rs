//! The browser entry point: the WASM bundle that hydrates the page's islands.

// The islands are `#[wasm_bindgen]` exports of the app crate; this keeps them in the bundle.
use app as _;

/// Called by the islands script the server puts in the page, before it hydrates each
/// `<leptos-island>` of the page with the matching `#[island]` function of this bundle.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
