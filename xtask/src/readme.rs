//! The README's figures that a test run measures, written by that run so they cannot go stale:
//! the production folder's size and the time to its first answer, between the markers
//! [`START`] and [`END`] (rounded, so that a run on the same machine rarely changes them).

use std::{fs, time::Duration};

use crate::{
    command::workspace_root,
    dist::{Sizes, megabytes},
};

/// Where the figures begin in the README.
const START: &str = "<!-- production figures: written by cargo xtask test -->";
/// Where they end.
const END: &str = "<!-- end of production figures -->";

/// Writes the production folder's figures into the README, when they changed.
pub fn write_production_figures(sizes: Sizes, first_answer: Duration) -> Result<(), String> {
    let path = workspace_root().join("README.md");
    let text = fs::read_to_string(&path).map_err(|error| format!("README.md: {error}"))?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let figures = figures(sizes, first_answer, cores);
    let Some(updated) = replace_between(&text, &figures) else {
        return Err(format!("README.md has no `{START}` … `{END}`"));
    };
    if updated != text {
        fs::write(&path, updated).map_err(|error| format!("README.md: {error}"))?;
        println!("README.md: production figures now {figures}");
    }
    Ok(())
}

/// The figures as the README says them: megabytes to one decimal, milliseconds rounded up to
/// the next ten.
fn figures(sizes: Sizes, first_answer: Duration, cores: usize) -> String {
    let millis = first_answer.as_millis().div_ceil(10).max(1) * 10;
    format!(
        "about {} MB (the server binary {} MB), the first answer under {millis} ms after start \
         on a {cores}-core machine",
        megabytes(sizes.total),
        megabytes(sizes.binary),
    )
}

/// `text` with what stands between the markers replaced by `figures`.
fn replace_between(text: &str, figures: &str) -> Option<String> {
    let start = text.find(START)? + START.len();
    let end = start + text[start..].find(END)?;
    Some(format!("{}{figures}{}", &text[..start], &text[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_replace_what_stands_between_the_markers() {
        let text = format!("runs on its own: {START}old{END}. Or build the image");
        let sizes = Sizes {
            total: 32_800_000,
            binary: 32_100_000,
        };

        let figures = figures(sizes, Duration::from_millis(16), 2);
        let updated = replace_between(&text, &figures).unwrap();

        assert_eq!(
            updated,
            format!(
                "runs on its own: {START}about 32.8 MB (the server binary 32.1 MB), the first \
                 answer under 20 ms after start on a 2-core machine{END}. Or build the image"
            )
        );
        assert_eq!(replace_between("no markers", &figures), None);
    }
}
