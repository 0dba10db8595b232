//! The import-circle check of `cargo xtask test` (and `cargo xtask circles`): within each crate,
//! no source file imports a file that imports it back, however long the way round, as the
//! README's Architecture section says.
//!
//! A file imports another when it names an item of that file's module by path: in a `use` (a
//! re-export too) or inline (`crate::routes::path::NOTES`), from `crate::`, `super::`, `self::`
//! or a child module's name. A `mod child;` declaration is not an import, and neither are
//! comments, strings, or code in `#[cfg(test)]` modules (a test may reach across the crate).

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

use crate::command::workspace_root;

/// The crates whose sources are checked.
const CRATES: [&str; 5] = ["app", "server", "local-auth", "supabase-ssr", "xtask"];

/// A module path inside a crate (`["pages", "notes"]`; empty for the crate root).
type ModulePath = Vec<String>;

/// Checks every crate and fails naming each circle and the paths that tie it.
pub fn check() -> Result<(), String> {
    let mut report = Vec::new();
    let mut files = 0;
    for name in CRATES {
        let src = workspace_root().join(name).join("src");
        let sources = read_sources(&src)?;
        files += sources.len();
        for circle in circles(&sources) {
            report.push(format!("{name}: {circle}"));
        }
    }
    if report.is_empty() {
        println!("import circles: none in {files} files");
        Ok(())
    } else {
        Err(format!(
            "{} import circle(s):\n{}",
            report.len(),
            report.join("\n")
        ))
    }
}

/// Every `.rs` file under `src`, by its module path, with its text.
fn read_sources(src: &Path) -> Result<BTreeMap<ModulePath, (PathBuf, String)>, String> {
    let mut sources = BTreeMap::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|extension| extension != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).map_err(|e| e.to_string())?;
            let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            sources.insert(module_path(relative), (relative.to_path_buf(), text));
        }
    }
    Ok(sources)
}

/// The module path of a file relative to `src/` (`lib.rs`, `main.rs`: the root; `a/mod.rs`: `a`).
fn module_path(relative: &Path) -> ModulePath {
    let mut segments: ModulePath = relative
        .with_extension("")
        .iter()
        .map(|segment| segment.to_string_lossy().into_owned())
        .collect();
    if matches!(
        segments.as_slice(),
        [only] if only == "lib" || only == "main"
    ) || segments.last().is_some_and(|last| last == "mod")
    {
        segments.pop();
    }
    segments
}

/// The circles among `sources`, each as its files and the paths that tie them.
fn circles(sources: &BTreeMap<ModulePath, (PathBuf, String)>) -> Vec<String> {
    let modules: BTreeSet<&ModulePath> = sources.keys().collect();
    let references: BTreeMap<&ModulePath, Vec<Reference>> = sources
        .iter()
        .map(|(module, (_, text))| (module, references(text)))
        .collect();
    // What each file re-exports (`pub use`): the name, and the absolute path it stands for
    // (`*` for a glob, whose names are looked up in the files it names).
    let exports: BTreeMap<&ModulePath, Vec<(&str, ModulePath)>> = references
        .iter()
        .map(|(module, found)| {
            let named = found.iter().filter_map(|reference| {
                let name = reference.export.as_deref()?;
                Some((name, absolute(module, reference, &modules)?))
            });
            (*module, named.collect())
        })
        .collect();
    let defines = |file: &ModulePath, name: &str| defines(&sources[file].1, name);
    // file -> file it imports -> the paths it names there.
    let mut edges: BTreeMap<&ModulePath, BTreeMap<&ModulePath, BTreeSet<String>>> = BTreeMap::new();
    for (module, found) in &references {
        for reference in found {
            let Some(path) = absolute(module, reference, &modules) else {
                continue;
            };
            // A re-export names the file it takes the item from; a path through a re-export, the
            // file that defines the item.
            let target = if reference.export.is_some() {
                locate(&path, &modules).map(|(file, _)| file)
            } else {
                defining_file(path, &modules, &exports, &defines)
            };
            if let Some(target) = target.filter(|target| target != module) {
                edges
                    .entry(module)
                    .or_default()
                    .entry(target)
                    .or_default()
                    .insert(reference.spelled.clone());
            }
        }
    }
    strongly_connected(&modules, &edges)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let file = |module: &ModulePath| sources[module].0.display().to_string();
            let ties: Vec<String> = component
                .iter()
                .flat_map(|from| {
                    edges[from]
                        .iter()
                        .filter(|(to, _)| component.contains(*to))
                        .map(|(to, names)| {
                            let names: Vec<&str> = names.iter().map(String::as_str).collect();
                            format!("  {} -> {}: {}", file(from), file(to), names.join(", "))
                        })
                })
                .collect();
            let files: Vec<String> = component.iter().map(|module| file(module)).collect();
            format!("{}\n{}", files.join(" <-> "), ties.join("\n"))
        })
        .collect()
}

/// A path named in a file, with the inline module it was named in.
#[derive(Debug, PartialEq, Eq)]
struct Reference {
    /// The inline modules (`mod ssr { … }`) around it, outermost first.
    inside: Vec<String>,
    /// Its segments (`["super", "NoteError"]`).
    segments: Vec<String>,
    /// As written, for the report.
    spelled: String,
    /// The name it is re-exported as, when it is a `pub use`.
    export: Option<String>,
}

/// The absolute module path `reference` names (`crate::` spelled out), if it is in this crate.
fn absolute(
    module: &ModulePath,
    reference: &Reference,
    modules: &BTreeSet<&ModulePath>,
) -> Option<ModulePath> {
    let mut here: ModulePath = module.clone();
    here.extend(reference.inside.iter().cloned());
    let mut segments = reference.segments.iter().peekable();
    let mut full = match segments.peek().map(|first| first.as_str()) {
        Some("crate") => {
            segments.next();
            Vec::new()
        }
        Some("self") => {
            segments.next();
            here
        }
        Some("super") => {
            while segments.peek().is_some_and(|segment| *segment == "super") {
                segments.next();
                here.pop()?;
            }
            here
        }
        // A child module of this file's, named without `self::`; anything else is another crate
        // or an item of this file.
        Some(first) => {
            let mut child = here.clone();
            child.push(first.to_owned());
            if !modules.contains(&child) {
                return None;
            }
            here
        }
        None => return None,
    };
    full.extend(segments.cloned());
    Some(full)
}

/// The file a path leads into (its longest prefix that is a file's module) and the rest of it:
/// items, and inline modules inside that file.
fn locate<'a, 'p>(
    path: &'p [String],
    modules: &BTreeSet<&'a ModulePath>,
) -> Option<(&'a ModulePath, &'p [String])> {
    (0..=path.len()).rev().find_map(|length| {
        modules
            .get(&path[..length].to_vec())
            .map(|file| (*file, &path[length..]))
    })
}

/// The file that defines what `path` names, following re-exports (a glob's into the file among
/// those it names that `defines` the name).
fn defining_file<'a>(
    mut path: ModulePath,
    modules: &BTreeSet<&'a ModulePath>,
    exports: &BTreeMap<&ModulePath, Vec<(&str, ModulePath)>>,
    defines: &dyn Fn(&ModulePath, &str) -> bool,
) -> Option<&'a ModulePath> {
    // Re-exports cannot loop in code that compiles; the bound is for code that does not.
    for _ in 0..16 {
        let (file, rest) = locate(&path, modules)?;
        let Some(name) = rest.first() else {
            return Some(file);
        };
        let reexported = exports.get(file).into_iter().flatten();
        let target = reexported
            .clone()
            .find(|(export, _)| export == name)
            .map(|(_, target)| target.clone())
            .or_else(|| {
                reexported
                    .filter(|(export, _)| *export == "*")
                    .map(|(_, glob)| glob[..glob.len() - 1].to_vec())
                    .find(|glob| {
                        locate(glob, modules).is_some_and(|(source, inside)| {
                            inside.is_empty() && defines(source, name)
                        })
                    })
                    .map(|mut glob| {
                        glob.push(name.clone());
                        glob
                    })
            });
        let Some(mut next) = target else {
            return Some(file);
        };
        next.extend(rest[1..].iter().cloned());
        path = next;
    }
    None
}

/// Whether `text` defines an item called `name` at any depth (`fn name`, `struct name`, …).
fn defines(text: &str, name: &str) -> bool {
    let tokens = tokens(text);
    tokens.windows(2).any(|pair| {
        matches!(
            pair[0].as_str(),
            "fn" | "struct" | "enum" | "const" | "static" | "type" | "trait" | "mod" | "union"
        ) && pair[1] == name
    })
}

/// Every path `text` names from `crate`, `super`, `self`, or in a `use`, outside comments,
/// strings and `#[cfg(test)]` modules.
fn references(text: &str) -> Vec<Reference> {
    let tokens = tokens(text);
    let mut references = Vec::new();
    // Inline modules open around the cursor: name, the brace depth inside it, whether a test.
    let mut open: Vec<(String, usize, bool)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i].as_str();
        let in_test = open.iter().any(|(_, _, test)| *test);
        match token {
            "{" => depth += 1,
            "}" => {
                if open.last().is_some_and(|(_, inner, _)| *inner == depth) {
                    open.pop();
                }
                depth = depth.saturating_sub(1);
            }
            "mod" if tokens.get(i + 2).is_some_and(|next| next == "{") => {
                let test = tokens[..i].ends_with(&cfg_test());
                open.push((tokens[i + 1].clone(), depth + 1, test));
                depth += 1;
                i += 3;
                continue;
            }
            "use" if !in_test => {
                let end = tokens[i..]
                    .iter()
                    .position(|token| token == ";")
                    .map_or(tokens.len(), |offset| i + offset);
                let inside: Vec<String> = open.iter().map(|(name, _, _)| name.clone()).collect();
                let public = i > 0 && matches!(tokens[i - 1].as_str(), "pub" | ")");
                for (segments, binding) in use_tree(&tokens[i + 1..end]) {
                    references.push(Reference {
                        inside: inside.clone(),
                        spelled: segments.join("::"),
                        export: public.then_some(binding),
                        segments,
                    });
                }
                i = end + 1;
                continue;
            }
            "crate" | "super" | "self"
                if !in_test && tokens.get(i + 1).is_some_and(|next| next == "::") =>
            {
                let mut segments = vec![token.to_owned()];
                let mut next = i + 1;
                while tokens.get(next).is_some_and(|separator| separator == "::")
                    && tokens.get(next + 1).is_some_and(|name| is_identifier(name))
                {
                    segments.push(tokens[next + 1].clone());
                    next += 2;
                }
                references.push(Reference {
                    inside: open.iter().map(|(name, _, _)| name.clone()).collect(),
                    spelled: segments.join("::"),
                    segments,
                    export: None,
                });
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    references
}

/// `#[cfg(test)]` as tokens.
fn cfg_test() -> [String; 7] {
    ["#", "[", "cfg", "(", "test", ")", "]"].map(str::to_owned)
}

/// The paths a `use` tree (the tokens between `use` and `;`) brings in, each with the name it
/// binds (its last segment, or the name after `as`).
fn use_tree(tokens: &[String]) -> Vec<(Vec<String>, String)> {
    fn walk(tokens: &[String], prefix: &[String], out: &mut Vec<(Vec<String>, String)>) {
        let mut path = prefix.to_vec();
        let mut alias = None;
        let mut i = 0;
        while i < tokens.len() {
            match tokens[i].as_str() {
                "{" => {
                    // The group runs to its matching brace; its parts are split at top-level commas.
                    let mut level = 0;
                    let mut start = i + 1;
                    for j in i..tokens.len() {
                        match tokens[j].as_str() {
                            "{" => level += 1,
                            "}" => {
                                level -= 1;
                                if level == 0 {
                                    walk(&tokens[start..j], &path, out);
                                    return;
                                }
                            }
                            "," if level == 1 => {
                                walk(&tokens[start..j], &path, out);
                                start = j + 1;
                            }
                            _ => {}
                        }
                    }
                    return;
                }
                "as" => {
                    alias = tokens.get(i + 1).cloned();
                    break;
                }
                "::" | "pub" | "(" | ")" => {}
                name if is_identifier(name) || name == "*" => path.push(name.to_owned()),
                _ => {}
            }
            i += 1;
        }
        if path.len() > prefix.len() {
            // `use a::{self}` binds `a`.
            if path.last().is_some_and(|last| last == "self") {
                path.pop();
            }
            let binding = alias.or_else(|| path.last().cloned()).unwrap_or_default();
            out.push((path, binding));
        }
    }

    let mut out = Vec::new();
    walk(tokens, &[], &mut out);
    out.retain(|(path, _)| path.first().is_some_and(|first| first != "*"));
    out
}

/// Whether `token` is an identifier (or a keyword).
fn is_identifier(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_')
}

/// The tokens of Rust source that matter here: identifiers, `::`, and single punctuation, with
/// comments, strings and character literals left out.
fn tokens(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut level = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    level += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    level -= 1;
                    i += 2;
                    if level == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && matches!(next, Some('"' | '#')) && raw_string_end(&chars, i).is_some()
        {
            i = raw_string_end(&chars, i).unwrap_or(chars.len());
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}'), or a lifetime or label ('a).
            match (next, chars.get(i + 2)) {
                (Some('\\'), _) => {
                    i += 2;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                }
                (Some(_), Some('\'')) => i += 3,
                _ => i += 1,
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if c == ':' && next == Some(':') {
            tokens.push("::".to_owned());
            i += 2;
        } else {
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
            i += 1;
        }
    }
    tokens
}

/// Where a raw string starting at `start` (`r"…"`, `r#"…"#`) ends, if it is one.
fn raw_string_end(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    let mut hashes = 0;
    while chars.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    if chars.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < chars.len() {
        if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(chars.len())
}

/// Tarjan's strongly connected components of the import graph.
fn strongly_connected<'a>(
    nodes: &BTreeSet<&'a ModulePath>,
    edges: &BTreeMap<&'a ModulePath, BTreeMap<&'a ModulePath, BTreeSet<String>>>,
) -> Vec<Vec<&'a ModulePath>> {
    struct State<'a> {
        index: BTreeMap<&'a ModulePath, usize>,
        low: BTreeMap<&'a ModulePath, usize>,
        stack: Vec<&'a ModulePath>,
        on_stack: BTreeSet<&'a ModulePath>,
        components: Vec<Vec<&'a ModulePath>>,
    }

    fn visit<'a>(
        node: &'a ModulePath,
        edges: &BTreeMap<&'a ModulePath, BTreeMap<&'a ModulePath, BTreeSet<String>>>,
        state: &mut State<'a>,
    ) {
        let index = state.index.len();
        state.index.insert(node, index);
        state.low.insert(node, index);
        state.stack.push(node);
        state.on_stack.insert(node);
        for &next in edges.get(node).into_iter().flat_map(BTreeMap::keys) {
            if !state.index.contains_key(next) {
                visit(next, edges, state);
                let low = state.low[node].min(state.low[next]);
                state.low.insert(node, low);
            } else if state.on_stack.contains(next) {
                let low = state.low[node].min(state.index[next]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack.remove(member);
                component.push(member);
                if member == node {
                    break;
                }
            }
            component.sort();
            state.components.push(component);
        }
    }

    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for &node in nodes {
        if !state.index.contains_key(node) {
            visit(node, edges, &mut state);
        }
    }
    state.components
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_of(files: &[(&str, &str)]) -> BTreeMap<ModulePath, (PathBuf, String)> {
        files
            .iter()
            .map(|(path, text)| {
                (
                    module_path(Path::new(path)),
                    (PathBuf::from(path), (*text).to_owned()),
                )
            })
            .collect()
    }

    #[test]
    fn a_route_table_and_a_page_that_name_each_other_are_a_circle() {
        let sources = crate_of(&[
            ("lib.rs", "pub mod pages; pub mod routes;"),
            ("routes.rs", "use crate::pages::{HomePage};"),
            ("pages/mod.rs", "mod home; pub use home::HomePage;"),
            (
                "pages/home.rs",
                "fn x() { let a = crate::routes::path::HOME; }",
            ),
        ]);

        let found = circles(&sources);

        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("pages/home.rs <-> routes.rs"),
            "{}",
            found[0]
        );
        assert!(
            found[0].contains("crate::routes::path::HOME"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn inline_modules_comments_strings_and_tests_tie_nothing() {
        let sources = crate_of(&[
            ("lib.rs", "pub mod a; pub mod b;"),
            (
                "a.rs",
                "use crate::b::B;\n\
                 mod ssr { use super::Local; }\n\
                 // crate::b::c\n\
                 const S: &str = \"crate::b\"; const C: char = '\"';\n\
                 fn f<'x>() {}",
            ),
            (
                "b.rs",
                "/* use crate::a::A; */ pub struct B;\n\
                 #[cfg(test)]\nmod tests { use crate::a::A; fn t() { crate::a::f(); } }",
            ),
        ]);

        assert_eq!(circles(&sources), Vec::<String>::new());
    }

    #[test]
    fn a_child_that_reaches_its_parent_through_super_is_a_circle() {
        let sources = crate_of(&[
            ("lib.rs", "mod account;"),
            (
                "account/mod.rs",
                "mod email; use self::email::Email; pub fn shared() {}",
            ),
            ("account/email.rs", "use super::shared; pub fn Email() {}"),
        ]);

        let found = circles(&sources);

        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("super::shared"), "{}", found[0]);
    }

    #[test]
    fn a_path_through_a_re_export_ties_the_file_that_defines_the_item() {
        let sources = crate_of(&[
            (
                "lib.rs",
                "mod client; mod secret; pub use crate::{client::Client, secret::Token};",
            ),
            ("client.rs", "use crate::Token; pub struct Client;"),
            ("secret.rs", "pub struct Token;"),
        ]);

        assert_eq!(circles(&sources), Vec::<String>::new());

        let tied = crate_of(&[
            (
                "lib.rs",
                "mod client; mod secret; pub use crate::client::Client;",
            ),
            ("client.rs", "use crate::secret::Token; pub struct Client;"),
            ("secret.rs", "pub struct Token; fn f() { crate::Client; }"),
        ]);
        assert_eq!(circles(&tied).len(), 1);
    }

    #[test]
    fn a_path_through_a_glob_re_export_ties_the_file_that_defines_the_item() {
        let sources = crate_of(&[
            ("lib.rs", "mod store;"),
            (
                "store/mod.rs",
                "mod users; mod flows; pub use self::{users::*, flows::*};",
            ),
            (
                "store/users.rs",
                "use super::delete_flows; pub fn user() {}",
            ),
            ("store/flows.rs", "pub async fn delete_flows() {}"),
        ]);

        assert_eq!(circles(&sources), Vec::<String>::new());
    }

    #[test]
    fn use_trees_expand_to_every_path() {
        let tokens = tokens("crate::{a::{b, c as d}, e::*, f}");

        let paths: Vec<(String, String)> = use_tree(&tokens)
            .into_iter()
            .map(|(path, binding)| (path.join("::"), binding))
            .collect();
        assert_eq!(
            paths,
            [
                ("crate::a::b".to_owned(), "b".to_owned()),
                ("crate::a::c".to_owned(), "d".to_owned()),
                ("crate::e::*".to_owned(), "*".to_owned()),
                ("crate::f".to_owned(), "f".to_owned()),
            ]
        );
    }
}
