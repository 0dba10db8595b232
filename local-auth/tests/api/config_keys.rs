//! Every key local-auth reads from `supabase/config.toml` is a key of the Supabase CLI's own file,
//! with the same meaning, so the file stays the one `supabase config push` sends to a project.
//! The CLI's keys are a copy, its source named at its top: `supabase-cli-auth-keys.txt`.

use local_auth::{
    config::{KNOWN_PROVIDERS, SETTINGS},
    hooks::HookName,
    mail::{Notification, Template},
};

/// The CLI's keys; a `*` part stands for any one name.
fn cli_keys() -> Vec<&'static str> {
    include_str!("supabase-cli-auth-keys.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

fn known(key: &str) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    cli_keys().iter().any(|pattern| {
        let pattern: Vec<&str> = pattern.split('.').collect();
        pattern.len() == parts.len()
            && pattern
                .iter()
                .zip(&parts)
                .all(|(pattern, part)| *pattern == "*" || pattern == part)
    })
}

#[test]
fn every_key_local_auth_reads_is_a_key_of_the_cli() {
    let mut read: Vec<String> = SETTINGS
        .iter()
        .filter_map(|setting| setting.file)
        .map(|key| format!("auth.{key}"))
        .collect();
    for hook in HookName::ALL {
        for field in ["enabled", "uri", "secrets"] {
            read.push(format!("auth.hook.{}.{field}", hook.key()));
        }
    }
    for provider in KNOWN_PROVIDERS {
        read.push(format!("auth.external.{provider}.enabled"));
    }
    for template in Template::ALL {
        for field in ["subject", "content_path"] {
            read.push(format!("auth.email.template.{}.{field}", template.key()));
        }
    }
    for notification in Notification::ALL {
        for field in ["enabled", "subject", "content_path"] {
            read.push(format!(
                "auth.email.notification.{}.{field}",
                notification.key()
            ));
        }
    }

    let unknown: Vec<&String> = read.iter().filter(|key| !known(key)).collect();

    assert!(
        unknown.is_empty(),
        "not keys of the Supabase CLI's config.toml: {unknown:?}"
    );
}

#[test]
fn the_check_refuses_keys_the_cli_does_not_have() {
    assert!(known("auth.email.max_frequency"));
    assert!(known("auth.external.github.enabled"));
    assert!(!known("auth.passkey.max_passkeys_per_user"));
    assert!(!known("auth.sms.otp_expiry"));
    assert!(!known("auth.hook.after_user_created.enabled"));
    assert!(!known("auth.email.template.welcome.subject"));
}
