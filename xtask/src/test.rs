//! `cargo xtask test`: formatting, lints for both builds, rustdoc (broken links fail), Rust tests, the official auth-js client
//! against local-auth, then the official @supabase/ssr package and the Playwright suite against
//! the site `cargo leptos build` produced, and last the production folder (`cargo xtask dist`) run
//! as production runs it, walked through by Playwright's smoke path, and a project generated from
//! the working tree (`cargo leptos new`) checked to build.
//! Every step runs even when an earlier one fails, except those that need an earlier build.

use std::env;

use crate::{
    circles,
    command::{Cmd, cargo, program, workspace_root},
    dist, postgres, readme,
    report::{Report, Runner},
    template,
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
    // The data suites run against a fresh local PostgreSQL; without it they fail and say why.
    let database = postgres::Cluster::test()?;
    let database_ready = report.step("postgres (fresh, port 24322)", || database.start_fresh());
    // Each suite gets the app's URL, local-auth's, and the superuser's (for what the README does
    // in the SQL editor: granting a role).
    let with_database = |command: Cmd, [app, auth, superuser]: [&str; 3]| {
        if database_ready {
            command
                .env(app, database.app_url())
                .env(auth, database.auth_url())
                .env(superuser, database.superuser_url())
        } else {
            command
        }
    };

    report.check("format", cargo().args(["fmt", "--all", "--check"]));
    report.step("import circles", circles::check);
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
    report.check(
        "rustdoc",
        cargo()
            .args(["doc", "--no-deps", "--workspace", "--exclude", "frontend"])
            .args(locked)
            .env("RUSTDOCFLAGS", "-D warnings"),
    );
    report.tests(
        "rust tests",
        Runner::CargoTest,
        with_database(
            cargo()
                .args(["test", "--workspace", "--exclude", "frontend"])
                .args(locked),
            [
                "TEST_DATABASE_URL",
                "TEST_AUTH_DATABASE_URL",
                "TEST_SUPERUSER_DATABASE_URL",
            ],
        ),
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
    if report.check("site build", cargo().args(["leptos", "build", "--split"])) {
        report.step("no secret key in the site (WASM, JS, CSS)", || {
            holds_no_secret_key(&workspace_root().join("target/site"))
        });
        let server = workspace_root().join("target/debug/server");
        // The app as configured (supabase/config.toml: the roles hook needs the database).
        report.tests(
            "@supabase/ssr interop",
            Runner::NodeTest,
            with_database(
                program("node")
                    .args(["--test", "--test-reporter=tap"])
                    .dir("server/interop")
                    .env("SERVER_BIN", &server),
                [
                    "DATABASE_URL",
                    "LOCAL_AUTH_DATABASE_URL",
                    "E2E_SUPERUSER_DATABASE_URL",
                ],
            ),
        );
        report.tests(
            "playwright",
            Runner::Playwright,
            with_database(
                program("npx")
                    .args(["playwright", "test"])
                    .dir("end2end")
                    .env("E2E_SERVER_COMMAND", server),
                [
                    "DATABASE_URL",
                    "LOCAL_AUTH_DATABASE_URL",
                    "E2E_SUPERUSER_DATABASE_URL",
                ],
            ),
        );
    } else {
        report.skip("@supabase/ssr interop", "the site did not build");
        report.skip("playwright", "the site did not build");
    }
    let auth_database = database_ready.then(|| database.auth_url());
    prove_production_folder(&mut report, local_auth_built, auth_database.as_deref());
    report.step("generated project (cargo leptos new)", || {
        template::check(locked)
    });

    database.stop();

    report.print();
    if report.all_passed() {
        Ok(())
    } else {
        Err("some checks failed".into())
    }
}

/// What a secret API key or its variable looks like; neither belongs in anything the browser
/// downloads.
const SECRET_MARKERS: [&[u8]; 2] = [b"sb_secret_", b"SUPABASE_SECRET_KEY"];

/// Fails when a file under `dir` holds [`SECRET_MARKERS`]: the server-only key, or code that reads
/// it, compiled into the bundle.
fn holds_no_secret_key(dir: &std::path::Path) -> Result<(), String> {
    let mut pending = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(path) = pending.pop() {
        let entries = std::fs::read_dir(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            files += 1;
            for marker in SECRET_MARKERS {
                if bytes.windows(marker.len()).any(|window| window == marker) {
                    return Err(format!(
                        "{} holds `{}`",
                        path.display(),
                        String::from_utf8_lossy(marker)
                    ));
                }
            }
        }
    }
    if files == 0 {
        return Err(format!("{} holds no files", dir.display()));
    }
    Ok(())
}

/// Builds the production folder (`cargo xtask dist`), runs it as production does against a
/// separately started local-auth standing in for a Supabase project (its database
/// `auth_database`), and walks the Playwright smoke path through it: sign up, confirm by mail,
/// the protected page, sign out.
fn prove_production_folder(
    report: &mut Report,
    local_auth_built: bool,
    auth_database: Option<&str>,
) {
    let folder = workspace_root().join(dist::DEFAULT_OUT);
    let mut sizes = None;
    if !report.step("production build (cargo xtask dist)", || {
        sizes = Some(dist::build(&folder, false)?);
        Ok(())
    }) {
        report.skip("production smoke", "the production folder did not build");
        return;
    }
    if !local_auth_built {
        report.skip("production smoke", "local-auth did not build");
        return;
    }
    let mut running = None;
    if !report.step("production start", || {
        let (started, took) = dist::Running::start(&folder, auth_database)?;
        println!("production server: first 200 after {} ms", took.as_millis());
        running = Some(started);
        let sizes = sizes.expect("the build step succeeded");
        readme::write_production_figures(sizes, took)
    }) {
        report.skip("production smoke", "the production server did not start");
        return;
    }
    let running = running.expect("the start step succeeded");
    report.tests(
        "production smoke",
        Runner::Playwright,
        program("npx")
            .args([
                "playwright",
                "test",
                "tests/auth.spec.ts",
                "--project",
                "chromium",
                "--grep",
                "sign up, confirm by mail|sign-out clears every auth cookie",
            ])
            .dir("end2end")
            .env("E2E_REUSE_SERVER", "1")
            .env("E2E_BASE_URL", &running.app_url)
            .env("E2E_MAILBOX_URL", &running.mailbox_url)
            .env("E2E_AUTH_URL", &running.auth_url)
            .env(
                "E2E_SERVER_COMMAND",
                workspace_root().join("target/debug/server"),
            ),
    );
}
