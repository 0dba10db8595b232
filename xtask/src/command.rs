//! Running external programs with the environment the tasks need.

use std::{
    env,
    ffi::{OsStr, OsString},
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::OnceLock,
};

/// The `.env` variables every program gets (see `dotenv`).
static DOTENV: OnceLock<Vec<(String, String)>> = OnceLock::new();

/// Sets the `.env` variables every program started from now on gets.
pub fn set_dotenv(variables: Vec<(String, String)>) {
    let _ = DOTENV.set(variables);
}

/// Whether `key` is set, in the environment or in `.env` (for the tasks that read it).
pub fn configured(key: &str) -> bool {
    env::var_os(key).is_some_and(|value| !value.is_empty())
        || DOTENV
            .get()
            .is_some_and(|variables| variables.iter().any(|(k, v)| k == key && !v.is_empty()))
}

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// A command about to run, printed before it starts.
pub struct Cmd {
    inner: Command,
}

/// Where the tasks install the tools a machine lacks (git-ignored), so no tool the user installed
/// globally is replaced.
pub fn tools_dir() -> PathBuf {
    workspace_root().join(".tools")
}

/// A program run in the workspace root with the `.env` variables (for the tasks that read it) and
/// the project's own tools, then cargo's install directory, first on `PATH`, so tools installed by `cargo install` are found even when that
/// directory is not on the user's `PATH`.
pub fn program(name: impl AsRef<OsStr>) -> Cmd {
    let mut inner = Command::new(name);
    inner
        .current_dir(workspace_root())
        .envs(DOTENV.get().into_iter().flatten().map(|(k, v)| (k, v)))
        .env("PATH", search_path());
    // In CI every build starts cold: incremental state (gigabytes of it for this workspace) would
    // only be written, never read, and a CI machine's disk can be small.
    if env::var_os("CI").is_some() {
        inner.env("CARGO_INCREMENTAL", "0");
    }
    Cmd { inner }
}

/// The cargo that runs this task (so toolchain overrides apply), or `cargo` from `PATH`.
pub fn cargo() -> Cmd {
    program(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// `PATH` with `dir` in front of cargo's `bin` directory and the rest.
pub fn search_path_with(dir: &Path) -> OsString {
    let rest = search_path();
    let dirs = std::iter::once(dir.to_path_buf()).chain(env::split_paths(&rest));
    env::join_paths(dirs).unwrap_or(rest)
}

/// `PATH` with the project's tools and cargo's `bin` directory in front.
fn search_path() -> OsString {
    let cargo_bin = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .map(|home| home.join("bin"));
    let rest = env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(tools_dir().join("bin"))
        .chain(cargo_bin)
        .chain(env::split_paths(&rest));
    env::join_paths(dirs).unwrap_or(rest)
}

impl Cmd {
    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.inner.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.inner.env(key, value);
        self
    }

    /// Runs in `dir`, relative to the workspace root (or absolute).
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.inner.current_dir(workspace_root().join(dir));
        self
    }

    /// Runs to completion with inherited output; an error names the command and its exit status.
    pub fn run(mut self) -> Result<(), String> {
        eprintln!("$ {}", self.display());
        let status = self
            .inner
            .status()
            .map_err(|error| format!("cannot start `{}`: {error}", self.display()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` failed ({status})", self.display()))
        }
    }

    /// Runs to completion, echoing its standard output and handing each line to `on_line`.
    pub fn run_reading_lines(mut self, mut on_line: impl FnMut(&str)) -> Result<(), String> {
        eprintln!("$ {}", self.display());
        let mut child = self
            .inner
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start `{}`: {error}", self.display()))?;
        let stdout = child.stdout.take().expect("stdout was piped");
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            on_line(&line);
        }
        let status = child
            .wait()
            .map_err(|error| format!("`{}` did not finish: {error}", self.display()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` failed ({status})", self.display()))
        }
    }

    /// Runs quietly and returns its trimmed standard output, or `None` when it cannot start or fails.
    pub fn output(mut self) -> Option<String> {
        let output = self.inner.stderr(Stdio::null()).output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    fn display(&self) -> String {
        let program = Path::new(self.inner.get_program())
            .file_name()
            .unwrap_or(self.inner.get_program())
            .to_string_lossy()
            .into_owned();
        self.inner.get_args().fold(program, |line, arg| {
            format!("{line} {}", arg.to_string_lossy())
        })
    }
}
