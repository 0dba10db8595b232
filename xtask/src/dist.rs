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
    fs, io,
    path::{Path, PathBuf},
};

use crate::{
    command::{cargo, search_path_with, workspace_root},
    tools::{self, Purpose},
};

/// Where cargo-leptos writes the release site before it is copied.
const SITE_BUILD: &str = "target/dist-site";

/// Builds the folder; `args` are the command's own arguments.
pub fn run(args: &[String]) -> Result<(), String> {
    let with_local_auth = args.iter().any(|arg| arg == "--with-local-auth");
    let root = workspace_root();
    let out = args
        .windows(2)
        .find(|pair| pair[0] == "--out")
        .map_or_else(|| root.join("target/dist"), |pair| PathBuf::from(&pair[1]));
    tools::ensure_all(Purpose::Dist)?;

    cargo()
        .args([
            "leptos",
            "build",
            "--release",
            "--precompress",
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
    Ok(())
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

fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}
