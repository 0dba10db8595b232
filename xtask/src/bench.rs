//! `cargo xtask bench`: the release build under load. Runs the session-layer micro-benchmark,
//! builds the site in release mode (wasm-opt, hashed and precompressed assets), starts a fresh
//! local PostgreSQL for `/notes`, then hands the server binary to `bench/run.mjs`, which measures it with wrk and headless Chromium, prints the
//! figures against the budgets and writes them to BENCHMARKS.md.

use std::fs;

use crate::{
    command::{cargo, program, search_path_with, workspace_root},
    postgres::Cluster,
    tools::{self, Purpose},
};

/// Where the release site goes, apart from the debug site the tests use.
const SITE_ROOT: &str = "target/bench-site";

/// Runs the benchmarks and writes BENCHMARKS.md.
pub fn run() -> Result<(), String> {
    tools::ensure_all(Purpose::Bench)?;
    let root = workspace_root();
    let out = root.join("target/bench");
    fs::create_dir_all(&out)
        .map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let session_figures = out.join("session.json");

    cargo()
        .args(["bench", "--package", "server", "--bench", "session"])
        .env("BENCH_OUTPUT", &session_figures)
        .run()?;
    // wasm-opt comes from the `binaryen` npm package in bench/ (no download from GitHub).
    cargo()
        .args(["leptos", "build", "--release", "--precompress"])
        .env(
            "PATH",
            search_path_with(&root.join("bench/node_modules/.bin")),
        )
        .env("LEPTOS_HASH_FILES", "true")
        .env("LEPTOS_SITE_ROOT", SITE_ROOT)
        .run()?;
    // The tests' cluster (port 24322), created afresh: the figures start from an empty table.
    let database = Cluster::test()?;
    database.start_fresh()?;
    let measured = program("node")
        .args(["run.mjs"])
        .dir("bench")
        .env("SERVER_BIN", root.join("target/release/server"))
        .env("SITE_ROOT", root.join(SITE_ROOT))
        .env("SESSION_FIGURES", &session_figures)
        .env("BENCHMARKS_MD", root.join("BENCHMARKS.md"))
        .env("DATABASE_URL", database.app_url())
        .env("LOCAL_AUTH_DATABASE_URL", database.auth_url())
        .run();
    database.stop();
    measured
}
