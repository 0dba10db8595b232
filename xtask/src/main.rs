//! Project automation, run as `cargo xtask <command>` (an alias in `.cargo/config.toml`).
//!
//! - `cargo xtask dev`: installs what is missing, starts the local PostgreSQL (unless `.env` names
//!   a database or a Supabase project), then runs `cargo leptos watch --split`.
//! - `cargo xtask db [stop]`: starts (or stops) the local PostgreSQL alone.
//! - `cargo xtask test`: installs what is missing, then runs every check and test and prints a
//!   summary line.
//! - `cargo xtask bench`: installs what is missing, then measures the release build and writes
//!   BENCHMARKS.md.
//! - `cargo xtask dist`: builds the production folder (release server and site) into `target/dist`.
//! - `cargo xtask soak`: keeps 200 sessions refreshing across three app instances for a minute and
//!   prints how many were lost.
//! - `cargo xtask circles`: checks that no source file imports one that imports it back.
//! - `cargo xtask setup`: only installs what is missing.
//!
//! `dev`, `dist`, `bench` and `setup` hand the variables of `.env` to what they start; `test`
//! does not. It has no dependencies so that it compiles in seconds on a fresh machine.

mod bench;
mod circles;
mod command;
mod dist;
mod dotenv;
mod postgres;
mod readme;
mod report;
mod template;
mod test;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  dev     install what is missing, start the local PostgreSQL, then run the app with live
          reload (cargo leptos watch --split)
  db      start the local PostgreSQL on port 54322 and print its connection strings; `db stop`
  test    install what is missing, then run formatting, lints, Rust tests and Playwright tests
  bench   install what is missing, then measure the release build and write BENCHMARKS.md
  dist    build the production folder: release server (no local-auth unless --with-local-auth)
          and site with hashed, precompressed assets, into target/dist (or --out DIR)
  soak    keep 200 sessions refreshing across three app instances for a minute; print the losses
  circles check that no source file imports one that imports it back (part of `test`)
  setup   install what is missing and stop";

fn main() -> ExitCode {
    let Some(task) = std::env::args().nth(1) else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    // `test` runs on its own settings; the tasks that run the app read `.env` as the server does.
    if matches!(task.as_str(), "dev" | "db" | "dist" | "bench" | "setup")
        && let Err(message) = dotenv::load()
    {
        eprintln!("xtask: {message}");
        return ExitCode::FAILURE;
    }
    let result = match task.as_str() {
        "dev" => dev(),
        "db" => db(std::env::args().nth(2).as_deref()),
        "test" => test::run(),
        "bench" => bench::run(),
        "dist" => dist::run(&std::env::args().skip(2).collect::<Vec<_>>()),
        "soak" => command::cargo()
            .args(["bench", "--package", "server", "--bench", "soak"])
            .run(),
        "circles" => circles::check(),
        "setup" => tools::ensure_all(tools::Purpose::Test),
        "-h" | "--help" | "help" => {
            eprintln!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the app with live reload on the tools `setup` installs, with the local PostgreSQL behind
/// it unless `.env` (or the environment) names a database or a Supabase project. Without one the
/// app still runs; its notes page says how to configure a database.
fn dev() -> Result<(), String> {
    tools::ensure_all(tools::Purpose::Dev)?;
    let mut watch = command::cargo().args(["leptos", "watch", "--split"]);
    // Single sign-on on, with local-auth's development provider for one domain, unless `.env`
    // says otherwise: "Sign in with SSO" works for any address at sso.example.test.
    for (name, value) in [
        ("LOCAL_AUTH_SAML_ENABLED", "true"),
        ("LOCAL_AUTH_SAML_DEV_DOMAINS", "sso.example.test"),
    ] {
        if !command::configured(name) {
            watch = watch.env(name, value);
        }
    }
    if command::configured("DATABASE_URL") || command::configured("SUPABASE_URL") {
        eprintln!("xtask: the database is DATABASE_URL's; no local PostgreSQL started");
    } else {
        match postgres::Cluster::dev().and_then(|db| db.start().map(|()| db)) {
            Ok(db) => {
                eprintln!("xtask: PostgreSQL at {}", db.app_url());
                watch = watch
                    .env("DATABASE_URL", db.app_url())
                    .env("LOCAL_AUTH_DATABASE_URL", db.auth_url());
            }
            Err(error) => eprintln!("xtask: no local PostgreSQL ({error}); the app runs without"),
        }
    }
    watch.run()
}

/// Starts the development database and prints how to reach it, or stops it.
fn db(action: Option<&str>) -> Result<(), String> {
    let db = postgres::Cluster::dev()?;
    match action {
        None | Some("start") => {
            db.start()?;
            println!("DATABASE_URL={}", db.app_url());
            println!("LOCAL_AUTH_DATABASE_URL={}", db.auth_url());
            println!(
                "# the superuser, as a project's SQL editor: {}",
                db.superuser_url()
            );
            Ok(())
        }
        Some("stop") => {
            db.stop();
            Ok(())
        }
        Some(other) => Err(format!("unknown `db` action `{other}`: start or stop")),
    }
}
