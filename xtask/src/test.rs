//! `cargo xtask test`: formatting, lints for both builds, Rust tests, the official auth-js client
//! against local-auth, then the official @supabase/ssr package and the Playwright suite against
//! the site `cargo leptos build` produced.
//! Every step runs even when an earlier one fails, except those that need an earlier build.

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
    let local_auth_built = report.check(
        "local-auth build",
        cargo()
            .args(["build", "--package", "local-auth", "--bin", "local-auth"])
            .args(locked),
    );
    if local_auth_built {
        report.tests(
            "auth-js conformance",
            Runner::NodeTest,
            program("node")
                .args(["--test", "--test-reporter=tap"])
                .dir("local-auth/conformance")
                .env(
                    "LOCAL_AUTH_BIN",
                    workspace_root().join("target/debug/local-auth"),
                ),
        );
    } else {
        report.skip("auth-js conformance", "local-auth did not build");
    }
    if report.check("site build", cargo().args(["leptos", "build"])) {
        let server = workspace_root().join("target/debug/server");
        report.tests(
            "@supabase/ssr interop",
            Runner::NodeTest,
            program("node")
                .args(["--test", "--test-reporter=tap"])
                .dir("server/interop")
                .env("SERVER_BIN", &server),
        );
        report.tests(
            "playwright",
            Runner::Playwright,
            program("npx")
                .args(["playwright", "test"])
                .dir("end2end")
                .env("E2E_SERVER_COMMAND", server),
        );
    } else {
        report.skip("@supabase/ssr interop", "the site did not build");
        report.skip("playwright", "the site did not build");
    }

    report.print();
    if report.all_passed() {
        Ok(())
    } else {
        Err("some checks failed".into())
    }
}
