//! `cargo xtask dist`: the production folder. Builds the release site (WASM through wasm-opt from
//! the npm `binaryen` package, so nothing is downloaded from GitHub; hashed and precompressed
//! assets) and the server without the embedded local-auth unless `--with-local-auth` asks for it,
//! then puts what runs on its own into one folder (`target/dist`, or `--out DIR`):
//!
//! - `server`: the binary;
//! - `hash.txt`: the hashed bundle names, read next to the binary;
//! - `site/`: the assets (`LEPTOS_SITE_ROOT`).
//!
//! The Dockerfile runs the same command.

use std::{
    fs,
    io::{self, BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::{
    command::{cargo, search_path_with, workspace_root},
    tools::{self, Purpose},
};

/// Where cargo-leptos writes the release site before it is copied.
const SITE_BUILD: &str = "target/dist-site";

/// Where the folder goes unless `--out` says otherwise.
pub const DEFAULT_OUT: &str = "target/dist";

/// The size of a built folder, in bytes.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Everything in it.
    pub total: u64,
    /// The server binary.
    pub binary: u64,
}

/// Builds the folder; `args` are the command's own arguments.
pub fn run(args: &[String]) -> Result<(), String> {
    let with_local_auth = args.iter().any(|arg| arg == "--with-local-auth");
    let out = args.windows(2).find(|pair| pair[0] == "--out").map_or_else(
        || workspace_root().join(DEFAULT_OUT),
        |pair| PathBuf::from(&pair[1]),
    );
    build(&out, with_local_auth).map(drop)
}

/// Builds the folder at `out`, with the embedded local-auth in the server when asked; its sizes.
pub fn build(out: &Path, with_local_auth: bool) -> Result<Sizes, String> {
    let root = workspace_root();
    let out = out.to_path_buf();
    tools::ensure_all(Purpose::Dist)?;

    cargo()
        .args([
            "leptos",
            "build",
            "--release",
            "--precompress",
            "--split",
            "--bin-features",
        ])
        .args([if with_local_auth { "local-auth" } else { "" }])
        .env(
            "PATH",
            search_path_with(&root.join(tools::WASM_OPT_PACKAGE).join("node_modules/.bin")),
        )
        .env("LEPTOS_HASH_FILES", "true")
        .env("LEPTOS_SITE_ROOT", SITE_BUILD)
        .run()?;

    let fail = |what: &'static str| move |error: io::Error| format!("{what}: {error}");
    if out.exists() {
        fs::remove_dir_all(&out).map_err(fail("cannot empty the output folder"))?;
    }
    fs::create_dir_all(&out).map_err(fail("cannot create the output folder"))?;
    let release = root.join("target/release");
    fs::copy(release.join("server"), out.join("server")).map_err(fail("cannot copy the server"))?;
    fs::copy(release.join("hash.txt"), out.join("hash.txt"))
        .map_err(fail("cannot copy hash.txt"))?;
    copy_dir(&root.join(SITE_BUILD), &out.join("site")).map_err(fail("cannot copy the site"))?;

    let binary = file_size(&out.join("server"));
    let total = dir_size(&out);
    println!(
        "dist: {} ({} MB in all; the server binary {} MB{})",
        out.display(),
        megabytes(total),
        megabytes(binary),
        if with_local_auth {
            ", with local-auth"
        } else {
            ", without local-auth"
        }
    );
    println!(
        "run it: LEPTOS_ENV=PROD LEPTOS_HASH_FILES=true LEPTOS_SITE_ROOT={0}/site \
         LEPTOS_SITE_ADDR=0.0.0.0:8080 SUPABASE_URL=… SUPABASE_PUBLISHABLE_KEY=… {0}/server",
        out.display()
    );
    Ok(Sizes { total, binary })
}

fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn file_size(path: &Path) -> u64 {
    fs::metadata(path).map_or(0, |meta| meta.len())
}

fn dir_size(path: &Path) -> u64 {
    fs::read_dir(path).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .map(|entry| match entry.file_type() {
                Ok(kind) if kind.is_dir() => dir_size(&entry.path()),
                _ => file_size(&entry.path()),
            })
            .sum()
    })
}

/// Megabytes with one decimal.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}

/// Ports of the production proof: below Linux's ephemeral range, apart from the other suites'.
const PROOF_APP: &str = "127.0.0.1:28080";
const PROOF_AUTH: &str = "127.0.0.1:24421";
const PROOF_MAILBOX: &str = "127.0.0.1:24424";

/// The production folder running as it would in production (`LEPTOS_ENV=PROD`, hashed assets,
/// started from a directory of its own) against local-auth started separately, standing in for a
/// Supabase project. Both stop when this is dropped.
pub struct Running {
    processes: Vec<Child>,
    _scratch: Scratch,
    /// The app's URL.
    pub app_url: String,
    /// The auth server's mailbox.
    pub mailbox_url: String,
    /// The auth server's API.
    pub auth_url: String,
}

impl Running {
    /// Starts local-auth (the workspace's debug build, with `auth_database` as a project's
    /// database: the roles hook of `supabase/config.toml` runs there) and the folder's server;
    /// returns once the server answers, with how long that took from its start.
    pub fn start(folder: &Path, auth_database: Option<&str>) -> Result<(Self, Duration), String> {
        let root = workspace_root();
        let scratch = Scratch::new("prod-proof")?;
        let mut running = Self {
            processes: Vec::new(),
            app_url: format!("http://{PROOF_APP}"),
            mailbox_url: format!("http://{PROOF_MAILBOX}"),
            auth_url: format!("http://{PROOF_AUTH}/auth/v1"),
            _scratch: scratch,
        };
        let mut auth = Command::new(root.join("target/debug/local-auth"));
        if let Some(url) = auth_database {
            auth.env("LOCAL_AUTH_DATABASE_URL", url);
        }
        let mut auth = auth
            .current_dir(&root)
            .env("LOCAL_AUTH_API_ADDR", PROOF_AUTH)
            .env("LOCAL_AUTH_MAILBOX_ADDR", PROOF_MAILBOX)
            .env("LOCAL_AUTH_DATA_DIR", running._scratch.0.join("auth-data"))
            .env("LOCAL_AUTH_SITE_URL", &running.app_url)
            .env("LOCAL_AUTH_EMAIL_MAX_FREQUENCY", "0")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|error| format!("cannot start local-auth: {error}"))?;
        let key = publishable_key(&mut auth)?;
        running.processes.push(auth);

        let started = Instant::now();
        let server = Command::new(folder.join("server"))
            .current_dir(&running._scratch.0)
            .env("LEPTOS_ENV", "PROD")
            .env("LEPTOS_HASH_FILES", "true")
            .env("LEPTOS_SITE_ROOT", folder.join("site"))
            .env("LEPTOS_SITE_ADDR", PROOF_APP)
            .env("SUPABASE_URL", format!("http://{PROOF_AUTH}"))
            .env("SUPABASE_PUBLISHABLE_KEY", key)
            .env("SITE_URL", &running.app_url)
            .env("NO_DOTENV", "1")
            .env("RUST_LOG", "warn")
            .spawn()
            .map_err(|error| format!("cannot start the production server: {error}"))?;
        running.processes.push(server);
        while !answers(PROOF_APP) {
            if started.elapsed() > Duration::from_secs(30) {
                return Err("the production server did not answer within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok((running, started.elapsed()))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for process in &mut self.processes {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

/// Reads local-auth's log until it names its publishable key, then keeps draining it.
fn publishable_key(auth: &mut Child) -> Result<String, String> {
    let stdout = auth.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let key = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split("publishable key:")
                .nth(1)
                .map(|key| key.trim().to_owned())
        })
        .ok_or("local-auth stopped before naming its publishable key")?;
    std::thread::spawn(move || lines.for_each(drop));
    Ok(key)
}

/// Whether an HTTP server at `address` answers `GET /` with 200.
fn answers(address: &str) -> bool {
    use std::io::{Read, Write};

    let Ok(mut stream) = std::net::TcpStream::connect(address) else {
        return false;
    };
    let request = format!("GET / HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    let mut head = [0u8; 12];
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_exact(&mut head).is_ok()
        && head.ends_with(b"200")
}

/// A temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir)
            .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
