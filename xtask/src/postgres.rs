//! The local PostgreSQL that holds the app's data in development and tests, standing in for a
//! Supabase project's database: Debian's `postgresql` package (installed when missing, as
//! Chromium is), a cluster `initdb` creates in a git-ignored folder, Supabase's roles and `auth`
//! functions (`local-auth/postgres/supabase.sql`), then the migrations in `supabase/migrations/`,
//! recorded in `supabase_migrations.schema_migrations` as the Supabase CLI records them.
//!
//! The server connects as `app_server` ([`Cluster::app_url`]); the embedded local-auth keeps
//! `auth.users` and `auth.mfa_factors` in step as `supabase_auth_admin` ([`Cluster::auth_url`]).
//! Local passwords are `postgres`, as in the Supabase CLI's local stack; the cluster listens on
//! 127.0.0.1 only.

use std::{
    fs,
    path::{Path, PathBuf},
    thread,
    time::{Duration, Instant},
};

use crate::{
    command::{Cmd, program, workspace_root},
    tools,
};

/// The port of `cargo xtask dev`'s database: the Supabase CLI's.
pub const DEV_PORT: u16 = 54322;
/// The port of `cargo xtask test`'s database: below Linux's ephemeral range (32768-60999), where
/// a client socket could hold a fixed port, beside the tests' local-auth on 24321.
pub const TEST_PORT: u16 = 24322;
/// The superuser's (and every local role's) password.
const PASSWORD: &str = "postgres";
/// Supabase's roles and `auth` schema, as a project has them before its migrations.
const BOOTSTRAP: &str = "local-auth/postgres/supabase.sql";
/// The migrations `supabase db push` applies to a project.
const MIGRATIONS: &str = "supabase/migrations";

/// A local PostgreSQL cluster: where its files live and the port it listens on.
pub struct Cluster {
    data_dir: PathBuf,
    port: u16,
    bin: PathBuf,
}

impl Cluster {
    /// The development database (`supabase/.postgres`, kept between runs).
    pub fn dev() -> Result<Self, String> {
        Self::at(workspace_root().join("supabase/.postgres"), DEV_PORT)
    }

    /// The tests' database (`target/postgres-test`, created afresh by [`Cluster::start_fresh`]).
    pub fn test() -> Result<Self, String> {
        Self::at(workspace_root().join("target/postgres-test"), TEST_PORT)
    }

    fn at(data_dir: PathBuf, port: u16) -> Result<Self, String> {
        let bin = binaries()?;
        let data_dir = if tools::running_as_root() && !reachable_by_postgres(&data_dir) {
            // PostgreSQL refuses to run as root, and the `postgres` user cannot reach a folder
            // under a private home: such a checkout keeps its cluster in /var/tmp instead.
            let name = data_dir
                .to_string_lossy()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
            Path::new("/var/tmp").join(format!("postgres{name}"))
        } else {
            data_dir
        };
        Ok(Self {
            data_dir,
            port,
            bin,
        })
    }

    /// The connection string of the role the app's server connects as.
    pub fn app_url(&self) -> String {
        self.url("app_server")
    }

    /// The connection string local-auth keeps `auth.users` and `auth.mfa_factors` with.
    pub fn auth_url(&self) -> String {
        self.url("supabase_auth_admin")
    }

    /// The connection string of the superuser, as the SQL editor of a project connects: for what
    /// the README does by hand (granting a role) and the tests that do it too.
    pub fn superuser_url(&self) -> String {
        self.url("postgres")
    }

    /// The running server's `postmaster.pid` (its first line is the postmaster's process id).
    pub fn pid_file(&self) -> PathBuf {
        self.data_dir.join("postmaster.pid")
    }

    fn url(&self, role: &str) -> String {
        format!(
            "postgres://{role}:{PASSWORD}@127.0.0.1:{}/postgres",
            self.port
        )
    }

    /// Creates the cluster when it does not exist, starts it unless it runs, and brings its schema
    /// up to date.
    pub fn start(&self) -> Result<(), String> {
        if !self.data_dir.join("PG_VERSION").exists() {
            self.init()?;
        }
        if !self.is_running() {
            self.pg_ctl()
                .args(["start", "--wait", "--timeout", "60", "--log"])
                .args([self.data_dir.join("server.log")])
                .args([
                    "-o",
                    &format!(
                        "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''",
                        self.port
                    ),
                ])
                .run()
                .map_err(|error| {
                    format!(
                        "{error}: PostgreSQL did not start (is port {} taken? see {})",
                        self.port,
                        self.data_dir.join("server.log").display()
                    )
                })?;
        }
        self.wait_until_ready()?;
        self.apply_schema()
    }

    /// Removes the cluster, then [`Cluster::start`]s a new one: the tests start from nothing.
    pub fn start_fresh(&self) -> Result<(), String> {
        self.stop();
        if self.data_dir.exists() {
            fs::remove_dir_all(&self.data_dir)
                .map_err(|error| format!("cannot remove {}: {error}", self.data_dir.display()))?;
        }
        self.start()
    }

    /// Stops the cluster if it runs.
    pub fn stop(&self) {
        if self.is_running() {
            let _ = self.pg_ctl().args(["stop", "--mode", "fast"]).run();
        }
    }

    fn init(&self) -> Result<(), String> {
        fs::create_dir_all(&self.data_dir)
            .map_err(|error| format!("cannot create {}: {error}", self.data_dir.display()))?;
        let password_file = self.data_dir.with_extension("password");
        fs::write(&password_file, PASSWORD)
            .map_err(|error| format!("cannot write {}: {error}", password_file.display()))?;
        if tools::running_as_root() {
            for path in [&self.data_dir, &password_file] {
                program("chown")
                    .args(["postgres:postgres"])
                    .args([path])
                    .run()?;
            }
        }
        let created = self
            .as_postgres(self.bin.join("initdb"))
            .args(["--pgdata"])
            .args([&self.data_dir])
            .args([
                "--username=postgres",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
            ])
            .args([format!("--pwfile={}", password_file.display())])
            .run();
        let _ = fs::remove_file(&password_file);
        created
    }

    fn is_running(&self) -> bool {
        self.data_dir.join("PG_VERSION").exists()
            && self.pg_ctl().args(["status"]).output().is_some()
    }

    fn wait_until_ready(&self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            let ready = program(self.bin.join("pg_isready"))
                .args(["--host=127.0.0.1", "--quiet"])
                .args([format!("--port={}", self.port)])
                .output()
                .is_some();
            if ready {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err(format!(
                    "PostgreSQL on port {} did not accept connections within a minute",
                    self.port
                ));
            }
            thread::sleep(Duration::from_millis(200));
        }
    }

    /// Supabase's roles and `auth` schema, then every migration not applied yet (each in one
    /// transaction with its record), then the local password of the server's role.
    fn apply_schema(&self) -> Result<(), String> {
        self.psql()
            .args(["--file"])
            .args([workspace_root().join(BOOTSTRAP)])
            .run()?;
        self.psql()
            .args([
                "--command",
                "create schema if not exists supabase_migrations; \
                 create table if not exists supabase_migrations.schema_migrations \
                 (version text primary key, statements text[], name text)",
            ])
            .run()?;
        let applied = self
            .psql()
            .args([
                "--tuples-only",
                "--no-align",
                "--command",
                "select version from supabase_migrations.schema_migrations",
            ])
            .output()
            .ok_or("cannot read the applied migrations")?;
        let applied: Vec<&str> = applied.lines().collect();
        for (version, name, path) in migrations()? {
            if applied.contains(&version.as_str()) {
                continue;
            }
            self.psql()
                .args(["--single-transaction", "--file"])
                .args([&path])
                .args([
                    "--command",
                    &format!(
                        "insert into supabase_migrations.schema_migrations (version, name) \
                         values ('{version}', '{name}')"
                    ),
                ])
                .run()?;
        }
        self.psql()
            .args([
                "--command",
                &format!(
                    "do $$ begin if exists (select from pg_roles where rolname = 'app_server') \
                     then alter role app_server with password '{PASSWORD}'; end if; end $$"
                ),
            ])
            .run()
    }

    fn psql(&self) -> Cmd {
        program(self.bin.join("psql"))
            .args([
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--no-psqlrc",
                &self.url("postgres"),
            ])
            .env("PGCONNECT_TIMEOUT", "10")
            // The schema is re-applied on every start: "already exists, skipping" is no news.
            .env("PGOPTIONS", "-c client_min_messages=warning")
    }

    fn pg_ctl(&self) -> Cmd {
        self.as_postgres(self.bin.join("pg_ctl"))
            .args(["--pgdata"])
            .args([&self.data_dir])
    }

    /// `program`, run as the `postgres` user when this task runs as root (PostgreSQL refuses
    /// root).
    fn as_postgres(&self, program_path: PathBuf) -> Cmd {
        if tools::running_as_root() {
            program("runuser")
                .args(["-u", "postgres", "--"])
                .args([program_path])
        } else {
            program(program_path)
        }
    }
}

/// The migrations in `supabase/migrations/`, oldest first: `<version>_<name>.sql`, as the
/// Supabase CLI names them.
fn migrations() -> Result<Vec<(String, String, PathBuf)>, String> {
    let dir = workspace_root().join(MIGRATIONS);
    let entries =
        fs::read_dir(&dir).map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(stem) = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".sql"))
        else {
            continue;
        };
        let Some((version, name)) = stem.split_once('_') else {
            return Err(format!(
                "{}: migrations are named <timestamp>_<name>.sql",
                path.display()
            ));
        };
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{}: migrations are named <timestamp>_<name>.sql",
                path.display()
            ));
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(format!(
                "{}: a migration's name holds letters, digits, `_` and `-`",
                path.display()
            ));
        }
        found.push((version.to_owned(), name.to_owned(), path));
    }
    found.sort();
    Ok(found)
}

/// The directory of PostgreSQL's programs: Debian's newest `/usr/lib/postgresql/<version>/bin`,
/// else wherever `initdb` is on `PATH`; installs the `postgresql` package when neither exists.
fn binaries() -> Result<PathBuf, String> {
    if let Some(found) = find_binaries() {
        return Ok(found);
    }
    tools::apt_install("postgresql", "PostgreSQL")?;
    find_binaries().ok_or_else(|| "PostgreSQL was installed but initdb is not found".to_owned())
}

fn find_binaries() -> Option<PathBuf> {
    let debian = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .max()
        .map(|(_, bin)| bin);
    debian.or_else(|| {
        tools::on_path("initdb")
            .filter(|dir| dir.join("pg_ctl").is_file() && dir.join("psql").is_file())
    })
}

/// Whether the `postgres` user can reach (traverse to) the folder `path` will be created in.
fn reachable_by_postgres(path: &Path) -> bool {
    let mut existing = path;
    while !existing.exists() {
        match existing.parent() {
            Some(parent) => existing = parent,
            None => return false,
        }
    }
    program("runuser")
        .args(["-u", "postgres", "--", "test", "-x"])
        .args([existing])
        .output()
        .is_some()
}
