//! Choosing the auth backend from the environment.

use std::collections::HashMap;

use leptos::config::LeptosOptions;
use server::{AuthBackend, ConfigError};

fn backend(vars: &[(&str, &str)]) -> Result<AuthBackend, ConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let leptos = LeptosOptions::builder().output_name("app").build();
    AuthBackend::from_lookup(&leptos, |name| vars.get(name).cloned())
}

#[test]
fn without_supabase_url_the_embedded_local_auth_serves_this_app() {
    let backend = backend(&[]).expect("the embedded backend needs no variables");

    match backend {
        AuthBackend::Embedded(config) => {
            assert_eq!(config.site_url.as_str(), "http://127.0.0.1:3000/");
            assert_eq!(config.api_addr.port(), 54321);
            assert_eq!(config.mailbox_addr.port(), 54324);
        }
        other => panic!("expected the embedded backend, got {other:?}"),
    }
}

#[test]
fn supabase_url_and_key_select_the_project() {
    let backend = backend(&[
        ("SUPABASE_URL", "https://abcd.supabase.co/"),
        ("SUPABASE_PUBLISHABLE_KEY", "sb_publishable_abc"),
    ])
    .unwrap();

    match backend {
        AuthBackend::Project {
            url,
            publishable_key,
            secret_key,
        } => {
            assert_eq!(url, "https://abcd.supabase.co");
            assert_eq!(publishable_key, "sb_publishable_abc");
            assert_eq!(
                secret_key, None,
                "no forwarding without SUPABASE_SECRET_KEY"
            );
        }
        other => panic!("expected a project, got {other:?}"),
    }
}

#[test]
fn the_secret_key_turns_forwarding_on_and_is_never_printed() {
    let backend = backend(&[
        ("SUPABASE_URL", "https://abcd.supabase.co"),
        ("SUPABASE_PUBLISHABLE_KEY", "sb_publishable_abc"),
        ("SUPABASE_SECRET_KEY", "sb_secret_do-not-print"),
    ])
    .unwrap();

    let printed = format!("{backend:?}");
    assert!(!printed.contains("do-not-print"), "{printed}");
    assert!(
        printed.contains("secret_key: Some(\"[redacted]\")"),
        "{printed}"
    );
    let AuthBackend::Project { secret_key, .. } = backend else {
        panic!("expected a project");
    };
    assert_eq!(secret_key.as_deref(), Some("sb_secret_do-not-print"));
}

#[test]
fn a_legacy_service_role_key_cannot_forward_addresses() {
    let error = backend(&[
        ("SUPABASE_URL", "https://abcd.supabase.co"),
        ("SUPABASE_PUBLISHABLE_KEY", "sb_publishable_abc"),
        ("SUPABASE_SECRET_KEY", "eyJhbGciOiJIUzI1NiJ9.service-role"),
    ])
    .unwrap_err()
    .to_string();

    assert!(
        error.starts_with("SUPABASE_SECRET_KEY: is not a secret API key"),
        "{error}"
    );
    assert!(!error.contains("eyJ"), "{error}");
}

#[test]
fn a_project_called_without_the_secret_key_gets_the_shared_limits_warning() {
    let shared = server::AuthEndpoint::new("https://abcd.supabase.co", "sb_publishable_abc");
    let warning = shared.shared_limits_warning().unwrap();
    assert!(warning.contains("SUPABASE_SECRET_KEY"), "{warning}");
    assert!(warning.contains("IP address forwarding"), "{warning}");
    let forwarding = shared.with_secret_key("sb_secret_x");
    assert_eq!(forwarding.shared_limits_warning(), None);
    assert!(!format!("{forwarding:?}").contains("sb_secret_x"));
}

#[test]
fn the_legacy_anon_key_variable_is_accepted() {
    let backend = backend(&[
        ("SUPABASE_URL", "http://127.0.0.1:54321"),
        ("SUPABASE_ANON_KEY", "eyJ"),
    ]);

    assert!(matches!(backend, Ok(AuthBackend::Project { .. })));
}

#[test]
fn supabase_url_without_a_key_names_the_missing_variable() {
    let error = backend(&[("SUPABASE_URL", "https://abcd.supabase.co")]).unwrap_err();

    assert!(
        error.to_string().starts_with("SUPABASE_PUBLISHABLE_KEY:"),
        "{error}"
    );
}

#[test]
fn a_malformed_supabase_url_is_refused() {
    let error = backend(&[
        ("SUPABASE_URL", "abcd.supabase.co"),
        ("SUPABASE_PUBLISHABLE_KEY", "k"),
    ])
    .unwrap_err();

    assert!(error.to_string().starts_with("SUPABASE_URL:"), "{error}");
}

#[test]
fn the_project_key_never_appears_in_debug_output() {
    let backend = backend(&[
        ("SUPABASE_URL", "https://abcd.supabase.co"),
        ("SUPABASE_PUBLISHABLE_KEY", "sb_publishable_xyz"),
    ])
    .unwrap();

    assert!(!format!("{backend:?}").contains("sb_publishable_xyz"));
}

#[test]
fn production_refuses_the_embedded_local_auth_unless_allowed() {
    let vars = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let production = LeptosOptions::builder()
        .output_name("app")
        .env(leptos::config::Env::PROD)
        .build();

    let forgotten = vars(&[]);
    let refused = AuthBackend::from_lookup(&production, |name| forgotten.get(name).cloned());
    let allowed = vars(&[("LOCAL_AUTH_IN_PRODUCTION", "true")]);
    let embedded = AuthBackend::from_lookup(&production, |name| allowed.get(name).cloned());

    let error = refused.unwrap_err().to_string();
    assert!(error.starts_with("SUPABASE_URL:"), "{error}");
    assert!(error.contains("LOCAL_AUTH_IN_PRODUCTION"), "{error}");
    assert!(matches!(embedded, Ok(AuthBackend::Embedded(_))));
}

/// `.env` in the working directory fills in the environment (here with a malformed
/// `SUPABASE_URL`, which stops the server with an error naming it), unless `NO_DOTENV` is set.
#[test]
fn the_server_reads_dot_env_unless_told_not_to() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "SUPABASE_URL=ftp://example.com\n").unwrap();
    std::fs::create_dir_all(dir.path().join("site/pkg")).unwrap();
    let run = |no_dotenv: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .current_dir(dir.path())
            .env("LEPTOS_OUTPUT_NAME", "app")
            .env("LEPTOS_SITE_ROOT", dir.path().join("site"))
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("LOCAL_AUTH_API_ADDR", "127.0.0.1:0")
            .env("LOCAL_AUTH_MAILBOX_ADDR", "127.0.0.1:0")
            .env("LOCAL_AUTH_DATA_DIR", dir.path().join("data"))
            .env("NO_COLOR", "1")
            .env_remove("SUPABASE_URL")
            .env_remove("NO_DOTENV");
        if no_dotenv {
            command.env("NO_DOTENV", "1");
        }
        command
    };

    let read = run(false).output().unwrap();
    let mut ignored = run(true).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let still_running = ignored.try_wait().unwrap().is_none();
    let _ = ignored.kill();
    let _ = ignored.wait();

    assert!(!read.status.success());
    let log = String::from_utf8_lossy(&read.stdout);
    assert!(log.contains("SUPABASE_URL"), "{log}");
    assert!(still_running, "without .env the embedded local-auth starts");
}

/// Every variable the server and the embedded local-auth read is in the README's configuration
/// tables (local-auth's with its default) and in `.env.example`, and every `LOCAL_AUTH_*` the
/// README names is one they read: the lists cannot drift apart.
#[test]
fn every_setting_is_documented_and_every_documented_setting_exists() {
    use local_auth::config::{CONFIG_FILE_VARIABLE, SETTINGS};

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
    let readme = read("README.md");
    let env_example = read(".env.example");
    let row = |name: &str| {
        readme
            .lines()
            .find(|line| line.starts_with('|') && line.contains(&format!("`{name}`")))
            .unwrap_or_else(|| panic!("README has no row for {name}"))
    };

    // The server's own settings: the names it looks up in server/src/config.rs.
    let server_config = read("server/src/config.rs");
    let mut read_by_code: Vec<String> = server_config
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|literal| {
            literal.len() > 3
                && literal.contains('_')
                && literal
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
        .map(str::to_owned)
        .collect();
    for name in &read_by_code {
        row(name);
    }
    for setting in SETTINGS {
        let Some(name) = setting.env else { continue };
        let line = row(name);
        if let Some(default) = setting.default {
            assert!(
                line.contains(&format!("`{default}`")),
                "README's row for {name} does not give its default `{default}`: {line}"
            );
        }
        read_by_code.push(name.to_owned());
    }
    read_by_code.push(CONFIG_FILE_VARIABLE.to_owned());

    for name in &read_by_code {
        assert!(
            env_example.contains(&format!("{name}=")),
            ".env.example lacks {name}"
        );
    }
    for documented in readme.split('`').filter(|word| {
        word.starts_with("LOCAL_AUTH_") && word.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
    }) {
        assert!(
            read_by_code.iter().any(|name| name == documented),
            "README documents {documented}, which nothing reads"
        );
    }
}

#[test]
fn a_site_root_without_the_built_site_stops_the_server_naming_it() {
    let empty = tempfile::tempdir().unwrap();
    let at = |root: &std::path::Path| {
        LeptosOptions::builder()
            .output_name("app")
            .site_root(root.display().to_string())
            .build()
    };

    let error = server::check_site(&at(empty.path()))
        .unwrap_err()
        .to_string();

    assert!(error.contains("LEPTOS_SITE_ROOT"), "{error}");
    assert!(
        error.contains(&empty.path().display().to_string()),
        "{error}"
    );
    std::fs::create_dir(empty.path().join("pkg")).unwrap();
    assert!(server::check_site(&at(empty.path())).is_ok());
}

#[test]
fn the_wallets_offered_follow_web3_sign_in_or_the_embedded_local_auth() {
    use app::auth::wallet::Chain;

    let lookup = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    };
    // The embedded local-auth's own chains.
    let mut config = local_auth::Config::default();
    config.web3.solana.enabled = true;
    let embedded = AuthBackend::Embedded(Box::new(config));
    let wallets = server::wallets_from_lookup(lookup(&[]), &embedded).unwrap();
    assert_eq!(wallets.0, [Chain::Solana]);
    let project = backend(&[
        ("SUPABASE_URL", "https://abcd.supabase.co/"),
        ("SUPABASE_PUBLISHABLE_KEY", "sb_publishable_abc"),
    ])
    .unwrap();
    assert!(
        server::wallets_from_lookup(lookup(&[]), &project)
            .unwrap()
            .0
            .is_empty()
    );
    let both = server::wallets_from_lookup(
        lookup(&[("WEB3_SIGN_IN", "solana, ethereum,solana")]),
        &project,
    )
    .unwrap();
    assert_eq!(both.0, [Chain::Solana, Chain::Ethereum]);
    let none = server::wallets_from_lookup(lookup(&[("WEB3_SIGN_IN", "none")]), &project).unwrap();
    assert!(none.0.is_empty());
    let error = server::wallets_from_lookup(lookup(&[("WEB3_SIGN_IN", "bitcoin")]), &project)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("WEB3_SIGN_IN") && error.contains("bitcoin"),
        "{error}"
    );
}

fn session_settings(vars: &[(&str, &str)]) -> Result<server::SessionSettings, ConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let leptos = LeptosOptions::builder().output_name("app").build();
    server::SessionSettings::from_lookup(&leptos, |name| vars.get(name).cloned())
}

#[test]
fn third_party_auth_names_one_provider_or_none_and_refuses_anything_else() {
    use server::ThirdParty;

    let unset = session_settings(&[]).unwrap();
    assert_eq!(unset.third_party, ThirdParty::FromBackend);
    assert_eq!(unset.third_party_cookie, "__session");
    assert_eq!(
        session_settings(&[("THIRD_PARTY_AUTH", "none")])
            .unwrap()
            .third_party,
        ThirdParty::Off
    );
    let clerk = session_settings(&[
        ("THIRD_PARTY_AUTH", "clerk:clerk.example.com"),
        ("THIRD_PARTY_AUTH_AUDIENCE", "my-api"),
        ("THIRD_PARTY_AUTH_COOKIE", "provider_token"),
    ])
    .unwrap();
    match clerk.third_party {
        ThirdParty::Trust(issuer) => assert_eq!(issuer.issuer(), "https://clerk.example.com"),
        other => panic!("expected Clerk, got {other:?}"),
    }
    assert_eq!(clerk.third_party_audience.as_deref(), Some("my-api"));
    assert_eq!(clerk.third_party_cookie, "provider_token");

    for (name, value) in [
        ("THIRD_PARTY_AUTH", "okta:example.okta.com"),
        ("THIRD_PARTY_AUTH", "clerk:evil.example.com"),
        ("THIRD_PARTY_AUTH", "workos:http://api.workos.com/x"),
        ("THIRD_PARTY_AUTH_COOKIE", "a;b"),
    ] {
        match session_settings(&[(name, value)]) {
            Err(ConfigError::Invalid { variable, .. }) => assert_eq!(variable, name),
            other => panic!("{name}={value}: expected an error, got {other:?}"),
        }
    }
}
