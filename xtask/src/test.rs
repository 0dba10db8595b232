//! `cargo xtask test`: formatting, lints for both builds, Rust tests, then the Playwright suite
//! against the site `cargo leptos build` produced. Every step runs even when an earlier one fails,
//! except the browser tests, which need the built site.

use std::env;

use crate::{
    command::{cargo, program, workspace_root},
    report::{Report, Runner},
    tools::{self, Purpose},
};

/// Runs every check and prints the summary; fails when any step failed.
pub fn run() -> Result<(), String> {
    tools::ensure_all(Purpose::Test)?;
    // CI must test exactly the committed lock file; locally, a new dependency may update it.
    let locked: &[&str] = if env::var_os("CI").is_some() {
        &["--locked"]
    } else {
        &[]
    };
    let mut report = Report::default();

    report.check("format", cargo().args(["fmt", "--all", "--check"]));
    // The two Leptos builds enable different features of `app`, so they are linted separately.
    report.check(
        "clippy: server (ssr)",
        cargo()
            .args([
                "clippy",
                "--workspace",
                "--exclude",
                "frontend",
                "--all-targets",
            ])
            .args(locked)
            .args(["--", "-D", "warnings"]),
    );
    report.check(
        "clippy: frontend (wasm32)",
        cargo()
            .args([
                "clippy",
                "--package",
                "frontend",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .args(locked)
            .args(["--", "-D", "warnings"]),
    );
    report.tests(
        "rust tests",
        Runner::CargoTest,
        cargo()
            .args(["test", "--workspace", "--exclude", "frontend"])
            .args(locked),
    );
    if report.check("site build", cargo().args(["leptos", "build"])) {
        let server = workspace_root().join("target/debug/server");
        report.tests(
            "playwright",
            Runner::Playwright,
            program("npx")
                .args(["playwright", "test"])
                .dir("end2end")
                .env("E2E_SERVER_COMMAND", server),
        );
    } else {
        report.skip("playwright", "the site did not build");
    }

    report.print();
    if report.all_passed() {
        Ok(())
    } else {
        Err("some checks failed".into())
    }
}
