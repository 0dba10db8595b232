//! The script that hydrates the page's islands, in place of Leptos's `<HydrationScripts islands>`:
//! it starts loading the WASM bundle while the browser is still reading the `<head>` instead of
//! when the browser is next idle after the page (see `loader.js`), and it reads the bundle's
//! hashed file names once per process rather than on every render. The bundle's JS imports the
//! loader of the lazy islands' chunks (`__wasm_split.*.js`, written by `--split`): both are
//! preloaded, so neither waits for the other.

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
    let Bundle {
        js,
        chunk_loader,
        call,
    } = Bundle::of(&options);
    view! {
        <link rel="modulepreload" href=js.as_str() />
        <link rel="modulepreload" href=chunk_loader.as_str() />
        <script nonce=use_nonce()>{call.as_str()}</script>
    }
}

/// Where the browser finds the bundle, and the script that loads it.
struct Bundle {
    js: String,
    /// The module that fetches the lazy islands' chunks, which the bundle's JS imports.
    chunk_loader: String,
    /// `loader.js` without its comments, called with the bundle's URLs.
    call: String,
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
            let js = url("js", "");
            let wasm = url("wasm", wasm_suffix);
            // `--split` names it with the hash under `split:`, or with a placeholder of the
            // hash's length when names carry none.
            let split_hash = hashes
                .iter()
                .find(|(file, _)| file == "split")
                .map_or("______________________", |(_, hash)| hash.as_str());
            let chunk_loader = format!("/{}/__wasm_split.{split_hash}.js", options.site_pkg_dir);
            let call = format!("({})({js:?}, {wasm:?});", without_comments(LOADER));
            Bundle {
                js,
                chunk_loader,
                call,
            }
        })
    }
}

/// `script` without its comment lines (they explain the file, and would travel in every page).
fn without_comments(script: &str) -> String {
    script
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loader_travels_without_its_comments_and_still_parses_as_a_call() {
        let script = without_comments(LOADER);

        // A comment after code on the same line would stay: the loader has none.
        assert!(!script.contains("//"), "{script}");
        assert!(script.starts_with("(async (jsUrl, wasmUrl) =>"), "{script}");
        assert!(script.contains("bundle.hydrate();"), "{script}");
        assert!(script.ends_with("})"), "{script}");
    }
}
