//! `.env` for the tasks that run the app (`dev`, `dist`, `bench`, `setup`): its variables go to
//! every program they start, unless the environment already sets them. `test` leaves it alone, so
//! a `.env` that points the app at a Supabase project cannot leak into the suites.
//!
//! The format is the one the server reads (dotenvy's): `KEY=value` lines, optionally `export `d,
//! `#` comments, values optionally in single or double quotes. No variable expansion.

use std::{env, fs};

use crate::command::{self, workspace_root};

/// Hands the variables of the workspace's `.env`, if there is one, that the environment does not
/// set to every program the task starts ([`command::program`]).
pub fn load() -> Result<(), String> {
    let path = workspace_root().join(".env");
    let Ok(text) = fs::read_to_string(&path) else {
        return Ok(());
    };
    let mut variables = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let parsed = parse_line(line)
            .map_err(|problem| format!("{}:{}: {problem}", path.display(), number + 1))?;
        if let Some((key, value)) = parsed
            && env::var_os(key).is_none()
        {
            variables.push((key.to_owned(), value));
        }
    }
    eprintln!("xtask: read {} variables from .env", variables.len());
    command::set_dotenv(variables);
    Ok(())
}

/// One line: `Some((key, value))`, `None` for blank lines and comments, or what is wrong.
fn parse_line(line: &str) -> Result<Option<(&str, String)>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (key, value) = line
        .split_once('=')
        .ok_or("expected KEY=value".to_owned())?;
    let key = key.trim();
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(format!("`{key}` is not a variable name"));
    }
    let value = value.trim();
    let value = match value.chars().next() {
        Some(quote @ ('"' | '\'')) => value[1..]
            .strip_suffix(quote)
            .ok_or(format!("the value of {key} has no closing {quote}"))?
            .to_owned(),
        _ => {
            // An unquoted value ends at a ` #` comment and may not hold spaces (as dotenvy).
            let value = value.split(" #").next().unwrap_or_default().trim_end();
            if value.contains(char::is_whitespace) {
                return Err(format!("the value of {key} has spaces: quote it"));
            }
            value.to_owned()
        }
    };
    Ok(Some((key, value)))
}

#[cfg(test)]
mod tests {
    use super::parse_line;

    #[test]
    fn reads_the_forms_dotenv_files_use() {
        assert_eq!(parse_line("# a comment").unwrap(), None);
        assert_eq!(parse_line("   ").unwrap(), None);
        assert_eq!(
            parse_line("SUPABASE_URL=https://x.supabase.co").unwrap(),
            Some(("SUPABASE_URL", "https://x.supabase.co".to_owned()))
        );
        assert_eq!(
            parse_line("export RUST_LOG=debug # noisy").unwrap(),
            Some(("RUST_LOG", "debug".to_owned()))
        );
        assert_eq!(
            parse_line(r#"NAME="two words""#).unwrap(),
            Some(("NAME", "two words".to_owned()))
        );
        assert_eq!(
            parse_line("KEY='a=b'").unwrap(),
            Some(("KEY", "a=b".to_owned()))
        );
        assert_eq!(
            parse_line("EMPTY=").unwrap(),
            Some(("EMPTY", String::new()))
        );
    }

    #[test]
    fn refuses_what_dotenvy_refuses() {
        assert!(parse_line("no equals sign").is_err());
        assert!(parse_line("BAD KEY=1").is_err());
        assert!(parse_line("NAME=two words").is_err());
        assert!(parse_line(r#"NAME="unclosed"#).is_err());
    }
}
