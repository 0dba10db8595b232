//! The template check of `cargo xtask test`: generates a project from the working tree with
//! `cargo leptos new` (cargo-generate inside, reading `cargo-generate.toml`), as a user starting
//! from this repository would, then checks that the project carries its name and that it builds.

use std::{
    env, fs,
    path::{Path, PathBuf},
};

use crate::command::{cargo, program, workspace_root};

/// The name the generated project gets.
const PROJECT_NAME: &str = "my-generated-app";

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Result<Self, String> {
        let path = env::temp_dir().join(format!("xtask-{label}-{}", std::process::id()));
        // A leftover of an interrupted run would make cargo-generate refuse the name.
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).map_err(|error| format!("{}: {error}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Generates a project from the working tree and checks it: named as asked, no template
/// leftovers, and `cargo check` passes for the server build and the WASM frontend. The check
/// shares this workspace's target directory, so only the project's own crates are compiled.
pub fn check(locked: &[&str]) -> Result<(), String> {
    let source = TempDir::new("template-source")?;
    copy_working_tree(&source.0)?;
    let parent = TempDir::new("template-out")?;
    program("cargo")
        .args(["leptos", "new", "--name", PROJECT_NAME, "--path"])
        .args([&source.0])
        .dir(&parent.0)
        .run()?;
    let project = parent.0.join(PROJECT_NAME);
    check_generated(&project)?;

    let target_dir = workspace_root().join("target");
    cargo()
        .args([
            "check",
            "--workspace",
            "--exclude",
            "frontend",
            "--all-targets",
        ])
        .args(locked)
        .args(["--target-dir"])
        .args([&target_dir])
        .dir(&project)
        .run()?;
    cargo()
        .args([
            "check",
            "--package",
            "frontend",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .args(locked)
        .args(["--target-dir"])
        .args([&target_dir])
        .dir(&project)
        .run()
}

/// Copies the files git tracks or would track (not the ignored ones: builds, `node_modules`,
/// data) into `to`, so the generated project is what a clone of this tree would give.
fn copy_working_tree(to: &Path) -> Result<(), String> {
    let root = workspace_root();
    let listing = program("git")
        .args([
            "ls-files",
            "--cached",
            "--others",
            "--exclude-standard",
            "-z",
        ])
        .output()
        .ok_or("`git ls-files` failed: the template check needs the git working tree")?;
    for file in listing.split('\0').filter(|file| !file.is_empty()) {
        let from = root.join(file);
        // Files deleted in the working tree but still in the index are not part of it.
        if !from.is_file() {
            continue;
        }
        let destination = to.join(file);
        if let Some(parent) = destination.parent() {
            fs::create_dir_all(parent).map_err(|error| format!("{}: {error}", parent.display()))?;
        }
        fs::copy(&from, &destination).map_err(|error| format!("{file}: {error}"))?;
    }
    Ok(())
}

/// The generated project names itself and holds no template machinery.
fn check_generated(project: &Path) -> Result<(), String> {
    let read = |file: &str| {
        fs::read_to_string(project.join(file)).map_err(|error| format!("generated {file}: {error}"))
    };
    let site = read("app/src/site.rs")?;
    if !site.contains(&format!("pub const NAME: &str = \"{PROJECT_NAME}\";")) {
        return Err(format!(
            "app/src/site.rs does not carry the project's name:\n{site}"
        ));
    }
    let readme = read("README.md")?;
    let title = readme.lines().find(|line| line.starts_with("# "));
    if title != Some(&format!("# {PROJECT_NAME}")) {
        return Err(format!("the README's title is {title:?}"));
    }
    if !readme.contains("{{ .ConfirmationURL }}") || readme.contains("{% raw %}") {
        return Err("the README's template variables did not come through as written".into());
    }
    // The email templates are Go templates: copied as they are, never rendered by Liquid.
    let template = "supabase/templates/confirmation.html";
    let original = fs::read_to_string(workspace_root().join(template))
        .map_err(|error| format!("{template}: {error}"))?;
    if read(template)? != original {
        return Err(format!("{template} did not come through as written"));
    }
    for leftover in ["cargo-generate.toml", "app/src/site.rs.liquid"] {
        if project.join(leftover).exists() {
            return Err(format!("the generated project still has {leftover}"));
        }
    }
    Ok(())
}
