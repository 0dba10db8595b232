//! `cargo xtask bench`: the production folder under load. Runs the session-layer
//! micro-benchmark, builds the folder `cargo xtask dist` builds (with the embedded local-auth, so
//! the load needs no other server), starts a fresh local PostgreSQL for `/notes`, then hands the
//! folder to `bench/run.mjs`, which times its start, measures it with wrk and headless Chromium,
//! prints the figures against the budgets and writes them to BENCHMARKS.md.

use std::fs;

use crate::{
    command::{cargo, program, workspace_root},
    dist,
    postgres::Cluster,
    tools::{self, Purpose},
};

/// Where the measured folder goes, apart from the one `cargo xtask dist` and the tests build.
const FOLDER: &str = "target/bench-dist";

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
    let folder = root.join(FOLDER);
    let sizes = dist::build(&folder, true)?;
    // The tests' cluster (port 24322), created afresh: the figures start from an empty table.
    let database = Cluster::test()?;
    database.start_fresh()?;
    let measured = program("node")
        .args(["run.mjs"])
        .dir("bench")
        .env("SERVER_BIN", folder.join("server"))
        .env("SITE_ROOT", folder.join("site"))
        .env("FOLDER_BYTES", sizes.total.to_string())
        .env("BINARY_BYTES", sizes.binary.to_string())
        .env("SESSION_FIGURES", &session_figures)
        .env("BENCHMARKS_MD", root.join("BENCHMARKS.md"))
        .env("DATABASE_URL", database.app_url())
        .env("LOCAL_AUTH_DATABASE_URL", database.auth_url())
        .env("POSTGRES_PID_FILE", database.pid_file())
        .run();
    database.stop();
    measured
}
