//! Installs the tools the tasks need, each only when it is missing, so a second run spends
//! well under a second here. A compatible cargo-leptos or wasm-bindgen already on `PATH` is used;
//! otherwise the pinned version is installed into the project's `.tools/` (never over a tool the
//! user installed globally).

use std::{
    env, fs,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use crate::command::{cargo, program, tools_dir, workspace_root};

/// cargo-leptos 0.3.11 needs a newer rustc than many machines have; 0.3.10 builds on 1.88.
const CARGO_LEPTOS_VERSION: &str = "0.3.10";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Where Debian and Ubuntu put their Chromium.
const SYSTEM_CHROMIUM: [&str; 2] = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/// What the tools are for: running the app needs fewer than testing it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `cargo leptos watch`.
    Dev,
    /// Everything `cargo xtask test` runs, including Playwright and its browser.
    Test,
    /// `cargo xtask bench`: the release build (wasm-opt), wrk and the browser.
    Bench,
    /// `cargo xtask dist`: the release build (wasm-opt).
    Dist,
}

/// Installs every missing tool `purpose` needs.
pub fn ensure_all(purpose: Purpose) -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_cargo_leptos()?;
    ensure_wasm_bindgen()?;
    match purpose {
        Purpose::Dev => {}
        Purpose::Test => {
            ensure_npm_packages(&TEST_NODE_PACKAGES)?;
            ensure_chromium()?;
        }
        Purpose::Dist => ensure_npm_packages(&[WASM_OPT_PACKAGE])?,
        Purpose::Bench => {
            ensure_npm_packages(&[BENCH_NODE_PACKAGE])?;
            ensure_chromium()?;
            ensure_apt_program("wrk", "wrk")?;
        }
    }
    Ok(())
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = program("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .ok_or("rustup is needed to add the WASM target: see https://rustup.rs")?;
    if installed.lines().any(|target| target == WASM_TARGET) {
        return Ok(());
    }
    program("rustup").args(["target", "add", WASM_TARGET]).run()
}

fn ensure_cargo_leptos() -> Result<(), String> {
    let found = cargo().args(["leptos", "--version"]).output();
    if found.as_deref().is_some_and(is_compatible_cargo_leptos) {
        return Ok(());
    }
    eprintln!(
        "installing cargo-leptos {CARGO_LEPTOS_VERSION} into .tools/ (a one-time build of a few minutes)"
    );
    cargo()
        .args([
            "install",
            "cargo-leptos",
            "--locked",
            "--version",
            CARGO_LEPTOS_VERSION,
            "--root",
        ])
        .args([tools_dir()])
        .run()
}

/// Whether `version` (`cargo-leptos 0.3.10`) names a release of the same minor version that is at
/// least the pinned one: what this workspace's metadata and build need.
fn is_compatible_cargo_leptos(version: &str) -> bool {
    let numbers = |text: &str| -> Option<(u32, u32, u32)> {
        let mut parts = text.split('.').map(|part| part.parse().ok());
        Some((parts.next()??, parts.next()??, parts.next()??))
    };
    let Some(found) = version
        .strip_prefix("cargo-leptos ")
        .and_then(|found| numbers(found.trim()))
    else {
        return false;
    };
    let pinned = numbers(CARGO_LEPTOS_VERSION).expect("the pinned version is x.y.z");
    found.0 == pinned.0 && found.1 == pinned.1 && found.2 >= pinned.2
}

/// The CLI must match the `wasm-bindgen` library exactly, so its version is read from Cargo.lock.
fn ensure_wasm_bindgen() -> Result<(), String> {
    let version = locked_version("wasm-bindgen")?;
    let wanted = format!("wasm-bindgen {version}");
    if program("wasm-bindgen")
        .args(["--version"])
        .output()
        .as_deref()
        == Some(wanted.as_str())
    {
        return Ok(());
    }
    eprintln!("installing wasm-bindgen-cli {version} into .tools/");
    // Not `--locked`: the CLI's own lock file can require a newer rustc than this crate's bounds do.
    cargo()
        .args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--root",
        ])
        .args([tools_dir()])
        .run()
}

/// The version of `package` that Cargo.lock pins.
fn locked_version(package: &str) -> Result<String, String> {
    let lock = fs::read_to_string(workspace_root().join("Cargo.lock"))
        .map_err(|error| format!("cannot read Cargo.lock: {error}"))?;
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    lines
        .by_ref()
        .find(|line| *line == name_line)
        .and_then(|_| lines.next())
        .and_then(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .map(str::to_owned)
        .ok_or_else(|| format!("Cargo.lock has no `{package}` package"))
}

/// The Node packages with tests: Playwright, auth-js conformance and @supabase/ssr interop.
const TEST_NODE_PACKAGES: [&str; 3] = ["end2end", "local-auth/conformance", "server/interop"];
/// The benchmark driver, with Playwright and the `binaryen` build of wasm-opt.
const BENCH_NODE_PACKAGE: &str = "bench";
/// The Node package whose `binaryen` dependency provides `wasm-opt` for release builds.
pub const WASM_OPT_PACKAGE: &str = BENCH_NODE_PACKAGE;

/// `npm ci` in each of `packages` whose `node_modules` is missing or older than its lock file.
fn ensure_npm_packages(packages: &[&str]) -> Result<(), String> {
    if program("npm").args(["--version"]).output().is_none() {
        return Err(
            "Node.js and npm are needed for the browser and client tests \
                    (Debian/Ubuntu: sudo apt-get install -y nodejs npm)"
                .into(),
        );
    }
    for &package in packages {
        let dir = workspace_root().join(package);
        let installed = modified(&dir.join("node_modules/.package-lock.json"));
        let locked = modified(&dir.join("package-lock.json"));
        match (installed, locked) {
            (Some(installed), Some(locked)) if installed >= locked => {}
            _ => program("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .dir(package)
                .run()?,
        }
    }
    Ok(())
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|meta| meta.modified()).ok()
}

/// The distribution's Chromium where apt can install it; Playwright's own browser elsewhere.
fn ensure_chromium() -> Result<(), String> {
    if env::var_os("CHROMIUM_PATH").is_some()
        || SYSTEM_CHROMIUM.iter().any(|path| Path::new(path).exists())
    {
        return Ok(());
    }
    if program("apt-get").args(["--version"]).output().is_none() {
        return program("npx")
            .args(["playwright", "install", "chromium"])
            .dir("end2end")
            .run();
    }
    apt_install("chromium", "Chromium")
}

/// `program` from the Debian/Ubuntu package `package` unless it is already on `PATH`.
fn ensure_apt_program(program_name: &str, package: &str) -> Result<(), String> {
    if on_path(program_name).is_some() {
        return Ok(());
    }
    if program("apt-get").args(["--version"]).output().is_none() {
        return Err(format!(
            "`{program_name}` is missing: install it with your package manager, then run this command again"
        ));
    }
    apt_install(package, program_name)
}

/// The directory on `PATH` that holds `program_name`.
pub fn on_path(program_name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path).find(|dir| dir.join(program_name).is_file())
}

/// Whether the tasks run as root (asked once): apt installs then need no `sudo`, and PostgreSQL,
/// which refuses root, runs as the `postgres` user.
pub fn running_as_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    *ROOT.get_or_init(|| program("id").args(["-u"]).output().as_deref() == Some("0"))
}

/// Installs `package` with apt as root; otherwise says which command to run.
pub fn apt_install(package: &str, what: &str) -> Result<(), String> {
    if !running_as_root() {
        return Err(format!(
            "{what} is missing. Install it, then run this command again:\n    \
             sudo apt-get update && sudo apt-get install -y {package}"
        ));
    }
    program("apt-get").args(["update"]).run()?;
    program("apt-get")
        .args(["install", "-y", package])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_leptos_is_compatible_from_the_pinned_patch_on() {
        assert!(is_compatible_cargo_leptos("cargo-leptos 0.3.10"));
        assert!(is_compatible_cargo_leptos("cargo-leptos 0.3.12"));
        assert!(!is_compatible_cargo_leptos("cargo-leptos 0.3.9"));
        assert!(!is_compatible_cargo_leptos("cargo-leptos 0.2.40"));
        assert!(!is_compatible_cargo_leptos("cargo-leptos 0.4.0"));
        assert!(!is_compatible_cargo_leptos("something else"));
    }
}
