//! Reading `supabase/config.toml` (the file `supabase start` reads too): its `[auth]` keys
//! through [`SETTINGS`], its hook, template and third-party sections.

use std::env;

use super::{Config, ConfigError, HookConfig, HookName, KNOWN_PROVIDERS, SETTINGS, TemplateFiles};

/// The environment variable that names the configuration file (default `supabase/config.toml`).
pub const CONFIG_FILE_VARIABLE: &str = "LOCAL_AUTH_CONFIG_FILE";

impl Config {
    /// Applies the `[auth]` settings of a `config.toml` text; `source` names it in errors. Keys
    /// local-auth does not honour are left alone, as the CLI's file has many.
    pub fn apply_file(&mut self, source: &str, text: &str) -> Result<(), ConfigError> {
        let file: toml::Table = toml::from_str(text).map_err(|error| ConfigError {
            setting: source.to_owned(),
            problem: error.to_string(),
        })?;
        let Some(auth) = file.get("auth") else {
            return Ok(());
        };
        for setting in SETTINGS {
            let Some(key) = setting.file else { continue };
            let Some(value) = file_value(auth, key) else {
                continue;
            };
            let named = |problem: String| ConfigError {
                setting: format!("{source}: auth.{key}"),
                problem,
            };
            let text = value_text(value).map_err(named)?;
            (setting.set)(self, &text).map_err(named)?;
        }
        let named = |(key, problem): (String, String)| ConfigError {
            setting: format!("{source}: {key}"),
            problem,
        };
        if let Some(issuer) = third_party_from_file(auth.get("third_party")).map_err(named)? {
            self.third_party = Some(issuer);
        }
        self.hooks = HookConfig::from_file(auth.get("hook")).map_err(named)?;
        self.email_templates =
            TemplateFiles::from_file(auth.get("email"), std::path::Path::new(source))
                .map_err(named)?;
        // `[auth.external.<name>] enabled = true` offers a provider.
        if let Some(external) = auth.get("external").and_then(toml::Value::as_table) {
            for (name, provider) in external {
                if !KNOWN_PROVIDERS.contains(&name.as_str()) {
                    return Err(ConfigError {
                        setting: format!("{source}: auth.external.{name}"),
                        problem: format!(
                            "not a provider Supabase knows: {}",
                            KNOWN_PROVIDERS.join(", ")
                        ),
                    });
                }
                self.external_providers.retain(|known| known != name);
                if provider.get("enabled").and_then(toml::Value::as_bool) == Some(true) {
                    self.external_providers.push(name.clone());
                }
            }
        }
        Ok(())
    }
}

/// The issuer of the one enabled `[auth.third_party.<provider>]` section, checked as the CLI
/// checks it (more than one enabled is an error, as there).
fn third_party_from_file(
    sections: Option<&toml::Value>,
) -> Result<Option<supabase_ssr::third_party::Issuer>, (String, String)> {
    use supabase_ssr::third_party::{Issuer, Provider};

    let mut enabled = Vec::new();
    for provider in Provider::ALL {
        let Some(section) = sections.and_then(|sections| sections.get(provider.key())) else {
            continue;
        };
        if section.get("enabled").and_then(toml::Value::as_bool) != Some(true) {
            continue;
        }
        let issuer = Issuer::from_settings(provider, |name| {
            section
                .get(name)
                .and_then(toml::Value::as_str)
                .and_then(|value| file_env(value).ok())
        })
        .map_err(|error| {
            (
                format!("auth.third_party.{}", provider.key()),
                error.problem,
            )
        })?;
        enabled.push(issuer);
    }
    if enabled.len() > 1 {
        return Err((
            "auth.third_party".to_owned(),
            "only one third_party provider may be enabled at a time".to_owned(),
        ));
    }
    Ok(enabled.pop())
}

/// The value at dotted `key` under `auth`, unless a section on the way says `enabled = false`.
fn file_value<'a>(auth: &'a toml::Value, key: &str) -> Option<&'a toml::Value> {
    let mut at = auth;
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_some()
            && at
                .get(part)
                .and_then(|section| section.get("enabled"))
                .and_then(toml::Value::as_bool)
                == Some(false)
            && !key.ends_with(".enabled")
        {
            return None;
        }
        at = at.get(part)?;
    }
    Some(at)
}

/// A file value as the text a setting reads: strings as they are, numbers and booleans as
/// written, arrays of strings joined with commas.
fn value_text(value: &toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(text) => Ok(text.clone()),
        toml::Value::Integer(number) => Ok(number.to_string()),
        toml::Value::Float(number) => Ok(number.to_string()),
        toml::Value::Boolean(on) => Ok(on.to_string()),
        toml::Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or("expected a list of strings")
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|items| items.join(","))
            .map_err(str::to_owned),
        other => Err(format!("expected a value, not {}", other.type_str())),
    }
}

impl HookConfig {
    /// Reads the enabled hooks of the `[auth.hook]` table; `None` or a section with
    /// `enabled = false` is no hook.
    pub fn from_file(hooks: Option<&toml::Value>) -> Result<Vec<Self>, (String, String)> {
        let mut found = Vec::new();
        let Some(table) = hooks.and_then(toml::Value::as_table) else {
            return Ok(found);
        };
        for (key, section) in table {
            let name = HookName::ALL
                .into_iter()
                .find(|name| name.key() == key)
                .ok_or_else(|| {
                    let known: Vec<_> = HookName::ALL.iter().map(|name| name.key()).collect();
                    (
                        format!("auth.hook.{key}"),
                        format!("not a hook Supabase Auth has: {}", known.join(", ")),
                    )
                })?;
            let text = |field: &str| section.get(field).and_then(toml::Value::as_str);
            if section.get("enabled").and_then(toml::Value::as_bool) != Some(true) {
                continue;
            }
            let uri = text("uri")
                .ok_or_else(|| (format!("auth.hook.{key}.uri"), "missing".to_owned()))?;
            let secrets = match text("secrets") {
                Some(secrets) => file_env(secrets)
                    .map_err(|problem| (format!("auth.hook.{key}.secrets"), problem))?,
                None => String::new(),
            };
            found.push(Self {
                name,
                uri: uri.to_owned(),
                secrets: secrets
                    .split('|')
                    .filter(|secret| !secret.is_empty())
                    .map(str::to_owned)
                    .collect(),
            });
        }
        Ok(found)
    }
}

/// A file value that may be the Supabase CLI's `env(NAME)`: the variable's value, which must be
/// set; any other text as it is.
fn file_env(value: &str) -> Result<String, String> {
    match value
        .trim()
        .strip_prefix("env(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        Some(name) => env::var(name.trim())
            .map_err(|_| format!("names the environment variable {name}, which is not set")),
        None => Ok(value.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CaptchaProvider, Secret, SessionsConfig, SmtpTls};

    const CLI_CONFIG: &str = r#"
project_id = "starter"

[api]
port = 54321

[auth]
site_url = "http://localhost:3000"
additional_redirect_urls = ["https://preview-*.example.com/**"]
jwt_expiry = 1800
enable_refresh_token_rotation = true
refresh_token_reuse_interval = 5
enable_signup = true
enable_anonymous_sign_ins = true
minimum_password_length = 8

[auth.email]
enable_signup = true
double_confirm_changes = false
enable_confirmations = false
secure_password_change = true
max_frequency = "1m30s"
otp_expiry = 600
"#;

    #[test]
    fn one_third_party_issuer_is_read_and_checked_as_the_cli_checks_it() {
        let mut config = Config::default();
        config
            .apply_file(
                "f",
                "[auth.third_party.auth0]\nenabled = false\ntenant = \"x\"\n\
                 [auth.third_party.clerk]\nenabled = true\ndomain = \"clerk.example.test\"\n",
            )
            .unwrap();
        let issuer = config.third_party.expect("clerk is on");
        assert_eq!(issuer.issuer(), "https://clerk.example.test");

        for refused in [
            "[auth.third_party.clerk]\nenabled = true\n",
            "[auth.third_party.clerk]\nenabled = true\ndomain = \"example.com\"\n",
            "[auth.third_party.clerk]\nenabled = true\ndomain = \"clerk.example.test\"\n\
             [auth.third_party.firebase]\nenabled = true\nproject_id = \"p\"\n",
        ] {
            assert!(
                Config::default().apply_file("f", refused).is_err(),
                "{refused}"
            );
        }
    }

    #[test]
    fn smtp_settings_start_from_the_host_and_follow_the_port() {
        let mut config = Config::default();
        config
            .apply_file(
                "f",
                "[auth.email.smtp]\nhost = \"mail.example.com\"\nport = 465\nuser = \"u\"\npass = \"p\"\n",
            )
            .unwrap();
        let smtp = config.smtp.expect("a host turns SMTP on");
        assert_eq!((smtp.host.as_str(), smtp.port), ("mail.example.com", 465));
        assert_eq!(smtp.tls, SmtpTls::Tls);
        assert_eq!(smtp.admin_email, "admin@email.com");

        let mut off = Config::default();
        off.apply_file("f", "[auth.email.smtp]\nenabled = false\nhost = \"h\"\n")
            .unwrap();
        assert!(off.smtp.is_none());
    }

    #[test]
    fn the_auth_section_of_a_cli_config_file_is_applied() {
        let mut config = Config::default();

        config
            .apply_file("supabase/config.toml", CLI_CONFIG)
            .unwrap();

        assert_eq!(config.site_url.as_str(), "http://localhost:3000/");
        assert_eq!(
            config.additional_redirect_urls,
            ["https://preview-*.example.com/**"]
        );
        assert_eq!(config.jwt_expiry, 1800);
        assert_eq!(config.refresh_token_reuse_interval, 5);
        assert_eq!(config.password.min_length, 8);
        assert!(config.enable_anonymous_sign_ins);
        assert!(!config.double_confirm_changes);
        assert!(!config.enable_confirmations);
        assert!(config.secure_password_change);
        assert_eq!(config.email_max_frequency, 90);
        assert_eq!(config.email_otp_expiry, 600);
    }

    #[test]
    fn the_shipped_config_file_is_valid() {
        let mut config = Config::default();
        config
            .apply_file(
                "../supabase/config.toml",
                include_str!("../../../supabase/config.toml"),
            )
            .unwrap();
        assert_eq!(config.external_providers, ["github", "google"]);
        assert!(config.enable_manual_linking);
        assert!(config.sms.enable_signup && config.sms.enable_confirmations);
        assert!(config.enable_anonymous_sign_ins);
        assert_eq!(config.hooks.len(), 1, "the roles hook");
        assert_eq!(
            config.hooks[0].name,
            crate::hooks::HookName::CustomAccessToken
        );
    }

    #[test]
    fn providers_linking_and_sms_come_from_the_file() {
        let mut config = Config::default();
        config
            .apply_file(
                "f",
                "[auth]\nenable_manual_linking = true\n[auth.external.github]\nenabled = true\n\
                 [auth.external.google]\nenabled = false\n[auth.sms]\nenable_signup = true\n\
                 max_frequency = \"5s\"\n",
            )
            .unwrap();
        assert_eq!(config.external_providers, ["github"]);
        assert!(config.enable_manual_linking);
        assert!(config.sms.enable_signup);
        assert!(!config.sms.enable_confirmations);
        assert_eq!(config.sms.max_frequency, 5);

        let error = Config::default()
            .apply_file("f", "[auth.external.myspace]\nenabled = true\n")
            .unwrap_err();
        assert_eq!(error.setting, "f: auth.external.myspace");
    }

    #[test]
    fn session_lifetimes_come_from_the_file() {
        let mut config = Config::default();
        assert_eq!(config.sessions, SessionsConfig::default(), "unlimited");

        config
            .apply_file(
                "supabase/config.toml",
                "[auth.sessions]\ntimebox = \"24h\"\ninactivity_timeout = \"0s\"\n",
            )
            .unwrap();

        assert_eq!(config.sessions.timebox, Some(86_400));
        assert_eq!(config.sessions.inactivity_timeout, None, "0s is none");
    }

    #[test]
    fn rate_limits_come_from_the_file() {
        let mut config = Config::default();

        config
            .apply_file(
                "supabase/config.toml",
                "[auth.rate_limit]\nemail_sent = 5\ntoken_refresh = 300\nsign_in_sign_ups = 60\nweb3 = 1\n",
            )
            .unwrap();

        assert_eq!(config.rate_limits.email_sent, 5);
        assert_eq!(config.rate_limits.token_refresh, 300);
        assert_eq!(config.rate_limits.sign_in_sign_ups, 60);
        assert_eq!(config.rate_limits.web3, 1);
        assert_eq!(config.rate_limits.anonymous_users, 30, "upstream's default");
    }

    #[test]
    fn captcha_settings_come_from_the_file() {
        let mut config = Config::default();
        config
            .apply_file(
                "supabase/config.toml",
                "[auth.captcha]\nenabled = true\nprovider = \"turnstile\"\nsecret = \"1x0000000000000000000000000000000AA\"\n",
            )
            .unwrap();
        let captcha = config.captcha.expect("enabled");
        assert_eq!(captcha.provider, CaptchaProvider::Turnstile);
        assert!(captcha.accepts("any token"));

        let mut off = Config::default();
        off.apply_file(
            "f",
            "[auth.captcha]\nenabled = false\nprovider = \"hcaptcha\"\n",
        )
        .unwrap();
        assert!(off.captcha.is_none());

        let error = Config::default()
            .apply_file(
                "f",
                "[auth.captcha]\nenabled = true\nprovider = \"recaptcha\"\n",
            )
            .unwrap_err();
        assert_eq!(error.setting, "f: auth.captcha.provider");
    }

    #[test]
    fn disabling_email_signup_in_the_file_disables_signup() {
        let mut config = Config::default();

        config
            .apply_file(
                "f",
                "[auth]\nenable_signup = true\n[auth.email]\nenable_signup = false\n",
            )
            .unwrap();

        assert!(!config.enable_signup);
    }

    #[test]
    fn malformed_values_are_named_in_the_error() {
        let mut config = Config::default();

        let wrong_type = config
            .apply_file("supabase/config.toml", "[auth]\njwt_expiry = \"soon\"\n")
            .unwrap_err();
        let bad_duration = config
            .apply_file(
                "supabase/config.toml",
                "[auth.email]\nmax_frequency = \"often\"\n",
            )
            .unwrap_err();

        assert!(
            wrong_type.to_string().contains("jwt_expiry"),
            "{wrong_type}"
        );
        assert!(
            bad_duration
                .to_string()
                .starts_with("supabase/config.toml: auth.email.max_frequency"),
            "{bad_duration}"
        );
    }

    #[test]
    fn smtp_settings_are_read_and_the_password_is_never_printed() {
        let mut config = Config::default();

        config
            .apply_file(
                "f",
                "[auth.email.smtp]\nhost = \"smtp.example.com\"\nport = 465\nuser = \"apikey\"\n\
                 pass = \"hunter2\"\nadmin_email = \"auth@example.com\"\n",
            )
            .unwrap();

        let smtp = config.smtp.as_ref().expect("SMTP is configured");
        assert_eq!(smtp.host, "smtp.example.com");
        assert_eq!(smtp.tls, SmtpTls::Tls);
        assert_eq!(
            smtp.pass.as_ref().map(Secret::expose),
            Some(&b"hunter2"[..])
        );
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
