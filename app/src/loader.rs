//! The script that hydrates the page's islands, in place of Leptos's `<HydrationScripts islands>`:
//! it starts loading the WASM bundle while the browser is still reading the `<head>` instead of
//! when the browser is next idle after the page (see `loader.js`), and it reads the bundle's
//! hashed file names once per process rather than on every render.

use std::sync::OnceLock;

use leptos::{nonce::use_nonce, prelude::*};

/// The loader, called with the bundle's JS and WASM URLs.
const LOADER: &str = include_str!("loader.js");

/// Loads the WASM bundle and hydrates the islands of the page. Goes first in the document's
/// `<head>`, before the stylesheet (a classic script after a stylesheet waits for it).
#[component]
pub fn IslandScripts(
    /// The site's options: the bundle's directory and name, and whether names carry a hash.
    options: LeptosOptions,
) -> impl IntoView {
    let Bundle { js, wasm } = Bundle::of(&options);
    let call = format!("({})({js:?}, {wasm:?});", LOADER.trim_end());
    view! {
        <link rel="modulepreload" href=js.clone() />
        <script nonce=use_nonce()>{call}</script>
    }
}

/// Where the browser finds the bundle.
struct Bundle {
    js: String,
    wasm: String,
}

impl Bundle {
    /// `/<pkg>/<name>.js` and `.wasm`, with the content hashes `cargo leptos build` wrote to the
    /// hash file next to the server binary when file hashing is on. Computed on the first render:
    /// the options do not change while the server runs.
    fn of(options: &LeptosOptions) -> &'static Self {
        static BUNDLE: OnceLock<Bundle> = OnceLock::new();
        BUNDLE.get_or_init(|| {
            let hashes = if options.hash_files {
                read_hashes(&options.hash_file)
            } else {
                Vec::new()
            };
            let url = |kind: &str, suffix: &str| {
                let hash = hashes
                    .iter()
                    .find(|(file, _)| file == kind)
                    .map(|(_, hash)| format!(".{hash}"))
                    .unwrap_or_default();
                format!(
                    "/{}/{}{suffix}{hash}.{kind}",
                    options.site_pkg_dir, options.output_name
                )
            };
            // Built without cargo-leptos, the WASM keeps wasm-bindgen's own name (as Leptos reads it).
            let wasm_suffix = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
                ""
            } else {
                "_bg"
            };
            Bundle {
                js: url("js", ""),
                wasm: url("wasm", wasm_suffix),
            }
        })
    }
}

/// The `kind: hash` lines of the hash file (relative to the server binary's directory).
fn read_hashes(hash_file: &str) -> Vec<(String, String)> {
    let path = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(hash_file)));
    let Some(text) = path.and_then(|path| std::fs::read_to_string(path).ok()) else {
        leptos::logging::error!("file hashing is on but {hash_file} cannot be read");
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(kind, hash)| (kind.trim().to_owned(), hash.trim().to_owned()))
        .collect()
}
