//! [`SETTINGS`]: every setting declared once (its environment variable, its key in
//! `supabase/config.toml`, its default, and how its text sets the [`Config`]), and the readers of
//! a value's text they share. The defaults, the file and the environment all follow it, and a
//! test of the server holds the README's table to it.

use std::{fmt, str::FromStr};

use url::Url;

use super::{Captcha, CaptchaProvider, Config, KNOWN_PROVIDERS, Secret, SmtpConfig, SmtpTls};

impl Default for Config {
    /// The defaults of [`SETTINGS`], over empty values (what a setting without a default leaves
    /// unset).
    fn default() -> Self {
        let mut config = Self::empty();
        for setting in SETTINGS {
            if let Some(default) = setting.default {
                (setting.set)(&mut config, default).expect("every default reads");
            }
        }
        config
    }
}

/// One setting: its environment variable, its key under `[auth]` in `supabase/config.toml`
/// (where the Supabase CLI's file has one), its default, and how its text sets the [`Config`].
/// [`SETTINGS`] declares each once; the file, the environment and the defaults all follow it,
/// and a test checks the README's table against it.
#[derive(Clone, Copy)]
pub struct Setting {
    /// The environment variable (`LOCAL_AUTH_…`), when there is one.
    pub env: Option<&'static str>,
    /// The key under `[auth]`, dotted (`email.max_frequency`), when the file has one. A section
    /// with `enabled = false` is skipped as a whole.
    pub file: Option<&'static str>,
    /// The default, written as the value would be; `None` leaves it unset.
    pub default: Option<&'static str>,
    /// Sets the value from its text (a file value is read as its text: `true`, `60s`, `a,b`).
    pub(super) set: fn(&mut Config, &str) -> Result<(), String>,
}

impl fmt::Debug for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Setting")
            .field("env", &self.env)
            .field("file", &self.file)
            .field("default", &self.default)
            .finish_non_exhaustive()
    }
}

macro_rules! setting {
    ($env:expr, $file:expr, $default:expr, |$config:ident, $value:ident| $set:expr) => {
        Setting {
            env: $env,
            file: $file,
            default: $default,
            set: |$config, $value| $set,
        }
    };
}

/// Every setting, in the order they are applied (the file's, then the environment's).
pub const SETTINGS: &[Setting] = &[
    setting!(
        Some("LOCAL_AUTH_API_ADDR"),
        None,
        Some("127.0.0.1:54321"),
        |c, v| {
            parse_into(&mut c.api_addr, v)?;
            c.external_url =
                Url::parse(&format!("http://{}", c.api_addr)).map_err(|e| e.to_string())?;
            Ok(())
        }
    ),
    setting!(
        Some("LOCAL_AUTH_MAILBOX_ADDR"),
        None,
        Some("127.0.0.1:54324"),
        |c, v| { parse_into(&mut c.mailbox_addr, v) }
    ),
    setting!(Some("LOCAL_AUTH_EXTERNAL_URL"), None, None, |c, v| {
        parse_into(&mut c.external_url, v)
    }),
    setting!(
        Some("LOCAL_AUTH_SITE_URL"),
        Some("site_url"),
        Some("http://127.0.0.1:3000"),
        |c, v| { parse_into(&mut c.site_url, v) }
    ),
    setting!(
        Some("LOCAL_AUTH_ADDITIONAL_REDIRECT_URLS"),
        Some("additional_redirect_urls"),
        None,
        |c, v| {
            c.additional_redirect_urls = list(v);
            Ok(())
        }
    ),
    setting!(
        Some("LOCAL_AUTH_JWT_EXPIRY"),
        Some("jwt_expiry"),
        Some("3600"),
        |c, v| { parse_into(&mut c.jwt_expiry, v) }
    ),
    setting!(Some("LOCAL_AUTH_JWT_SECRET"), None, None, |c, v| {
        c.jwt_secret = Some(Secret::new(v));
        Ok(())
    }),
    setting!(
        Some("LOCAL_AUTH_ENABLE_REFRESH_TOKEN_ROTATION"),
        Some("enable_refresh_token_rotation"),
        Some("true"),
        |c, v| parse_into(&mut c.enable_refresh_token_rotation, v)
    ),
    setting!(
        Some("LOCAL_AUTH_REFRESH_TOKEN_REUSE_INTERVAL"),
        Some("refresh_token_reuse_interval"),
        Some("10"),
        |c, v| parse_into(&mut c.refresh_token_reuse_interval, v)
    ),
    setting!(
        Some("LOCAL_AUTH_ENABLE_SIGNUP"),
        Some("enable_signup"),
        Some("true"),
        |c, v| { parse_into(&mut c.enable_signup, v) }
    ),
    // Email sign-up needs both the global and the email switch on.
    setting!(None, Some("email.enable_signup"), None, |c, v| {
        let mut email = true;
        parse_into(&mut email, v)?;
        c.enable_signup &= email;
        Ok(())
    }),
    setting!(
        Some("LOCAL_AUTH_ENABLE_ANONYMOUS_SIGN_INS"),
        Some("enable_anonymous_sign_ins"),
        Some("false"),
        |c, v| parse_into(&mut c.enable_anonymous_sign_ins, v)
    ),
    setting!(
        Some("LOCAL_AUTH_ENABLE_MANUAL_LINKING"),
        Some("enable_manual_linking"),
        Some("false"),
        |c, v| parse_into(&mut c.enable_manual_linking, v)
    ),
    setting!(
        Some("LOCAL_AUTH_SAML_ENABLED"),
        None,
        Some("false"),
        |c, v| parse_into(&mut c.saml_enabled, v)
    ),
    setting!(Some("LOCAL_AUTH_THIRD_PARTY_AUTH"), None, None, |c, v| {
        c.third_party = match v.trim() {
            "" | "none" => None,
            spec => Some(
                supabase_ssr::third_party::Issuer::from_spec(spec)
                    .map_err(|error| error.to_string())?,
            ),
        };
        Ok(())
    }),
    setting!(Some("LOCAL_AUTH_SAML_DEV_DOMAINS"), None, None, |c, v| {
        c.saml_dev_domains = list(v).iter().map(|domain| domain.to_lowercase()).collect();
        Ok(())
    }),
    setting!(Some("LOCAL_AUTH_EXTERNAL_PROVIDERS"), None, None, |c, v| {
        let providers = list(v);
        if let Some(unknown) = providers
            .iter()
            .find(|name| !KNOWN_PROVIDERS.contains(&name.as_str()))
        {
            return Err(format!(
                "`{unknown}` is not a provider Supabase knows: {}",
                KNOWN_PROVIDERS.join(", ")
            ));
        }
        c.external_providers = providers;
        Ok(())
    }),
    setting!(
        Some("LOCAL_AUTH_SMS_ENABLE_SIGNUP"),
        Some("sms.enable_signup"),
        Some("false"),
        |c, v| { parse_into(&mut c.sms.enable_signup, v) }
    ),
    setting!(
        Some("LOCAL_AUTH_SMS_ENABLE_CONFIRMATIONS"),
        Some("sms.enable_confirmations"),
        Some("false"),
        |c, v| parse_into(&mut c.sms.enable_confirmations, v)
    ),
    setting!(
        Some("LOCAL_AUTH_SMS_OTP_EXPIRY"),
        // Not a key of the CLI's file (a project sets it in the dashboard).
        None,
        Some("60"),
        |c, v| { parse_into(&mut c.sms.otp_expiry, v) }
    ),
    setting!(
        Some("LOCAL_AUTH_SMS_MAX_FREQUENCY"),
        Some("sms.max_frequency"),
        Some("60"),
        |c, v| { seconds(&mut c.sms.max_frequency, v) }
    ),
    setting!(
        Some("LOCAL_AUTH_EMAIL_ENABLE_CONFIRMATIONS"),
        Some("email.enable_confirmations"),
        Some("true"),
        |c, v| parse_into(&mut c.enable_confirmations, v)
    ),
    setting!(
        Some("LOCAL_AUTH_EMAIL_DOUBLE_CONFIRM_CHANGES"),
        Some("email.double_confirm_changes"),
        Some("true"),
        |c, v| parse_into(&mut c.double_confirm_changes, v)
    ),
    setting!(
        Some("LOCAL_AUTH_EMAIL_SECURE_PASSWORD_CHANGE"),
        Some("email.secure_password_change"),
        Some("false"),
        |c, v| parse_into(&mut c.secure_password_change, v)
    ),
    setting!(
        Some("LOCAL_AUTH_MINIMUM_PASSWORD_LENGTH"),
        Some("minimum_password_length"),
        Some("6"),
        |c, v| parse_into(&mut c.password.min_length, v)
    ),
    setting!(
        Some("LOCAL_AUTH_PASSWORD_REQUIREMENTS"),
        Some("password_requirements"),
        None,
        |c, v| parse_into(&mut c.password.requirements, v)
    ),
    setting!(
        Some("LOCAL_AUTH_PASSWORD_HIBP_ENABLED"),
        None,
        Some("false"),
        |c, v| parse_into(&mut c.password.hibp_enabled, v)
    ),
    setting!(
        Some("LOCAL_AUTH_PASSWORD_HIBP_FAIL_CLOSED"),
        None,
        Some("false"),
        |c, v| parse_into(&mut c.password.hibp_fail_closed, v)
    ),
    setting!(
        Some("LOCAL_AUTH_EMAIL_MAX_FREQUENCY"),
        Some("email.max_frequency"),
        Some("60"),
        |c, v| seconds(&mut c.email_max_frequency, v)
    ),
    setting!(
        Some("LOCAL_AUTH_EMAIL_OTP_EXPIRY"),
        Some("email.otp_expiry"),
        Some("3600"),
        |c, v| { parse_into(&mut c.email_otp_expiry, v) }
    ),
    setting!(Some("LOCAL_AUTH_EMAIL_LINKS"), None, Some("app"), |c, v| {
        parse_into(&mut c.email_links, v)
    }),
    setting!(Some("LOCAL_AUTH_BCRYPT_COST"), None, Some("10"), |c, v| {
        parse_into(&mut c.bcrypt_cost, v)
    }),
    setting!(
        Some("LOCAL_AUTH_DATA_DIR"),
        None,
        Some("local-auth-data"),
        |c, v| { parse_into(&mut c.data_dir, v) }
    ),
    // CAPTCHA: the file's section must say `enabled = true`; the provider defaults to hCaptcha.
    setting!(None, Some("captcha.enabled"), None, |c, v| {
        let mut enabled = false;
        parse_into(&mut enabled, v)?;
        c.captcha = enabled.then(|| Captcha {
            provider: CaptchaProvider::Hcaptcha,
            secret: String::new(),
        });
        Ok(())
    }),
    setting!(
        Some("LOCAL_AUTH_CAPTCHA_PROVIDER"),
        Some("captcha.provider"),
        None,
        |c, v| {
            let provider = v.parse()?;
            let secret = c
                .captcha
                .take()
                .map(|captcha| captcha.secret)
                .unwrap_or_default();
            c.captcha = Some(Captcha { provider, secret });
            Ok(())
        }
    ),
    setting!(
        Some("LOCAL_AUTH_CAPTCHA_SECRET"),
        Some("captcha.secret"),
        None,
        |c, v| {
            if let Some(captcha) = &mut c.captcha {
                captcha.secret = v.to_owned();
            }
            Ok(())
        }
    ),
    setting!(
        Some("LOCAL_AUTH_RATE_LIMIT_EMAIL_SENT"),
        Some("rate_limit.email_sent"),
        Some("2"),
        |c, v| limit(&mut c.rate_limits.email_sent, v)
    ),
    setting!(
        Some("LOCAL_AUTH_RATE_LIMIT_SMS_SENT"),
        Some("rate_limit.sms_sent"),
        Some("30"),
        |c, v| limit(&mut c.rate_limits.sms_sent, v)
    ),
    setting!(
        Some("LOCAL_AUTH_RATE_LIMIT_ANONYMOUS_USERS"),
        Some("rate_limit.anonymous_users"),
        Some("30"),
        |c, v| limit(&mut c.rate_limits.anonymous_users, v)
    ),
    setting!(
        Some("LOCAL_AUTH_RATE_LIMIT_TOKEN_REFRESH"),
        Some("rate_limit.token_refresh"),
        Some("150"),
        |c, v| limit(&mut c.rate_limits.token_refresh, v)
    ),
    setting!(
        Some("LOCAL_AUTH_RATE_LIMIT_SIGN_IN_SIGN_UPS"),
        Some("rate_limit.sign_in_sign_ups"),
        Some("30"),
        |c, v| limit(&mut c.rate_limits.sign_in_sign_ups, v)
    ),
    setting!(
        Some("LOCAL_AUTH_RATE_LIMIT_TOKEN_VERIFICATIONS"),
        Some("rate_limit.token_verifications"),
        Some("30"),
        |c, v| limit(&mut c.rate_limits.token_verifications, v)
    ),
    setting!(
        Some("LOCAL_AUTH_RATE_LIMIT_WEB3"),
        Some("rate_limit.web3"),
        Some("30"),
        |c, v| limit(&mut c.rate_limits.web3, v)
    ),
    setting!(
        Some("LOCAL_AUTH_RATE_LIMIT_MFA"),
        None,
        Some("15"),
        |c, v| limit(&mut c.rate_limits.mfa, v)
    ),
    setting!(
        Some("LOCAL_AUTH_RATE_LIMIT_PASSKEY"),
        None,
        Some("30"),
        |c, v| limit(&mut c.rate_limits.passkey, v)
    ),
    setting!(
        Some("LOCAL_AUTH_RATE_LIMIT_SSO"),
        None,
        Some("30"),
        |c, v| limit(&mut c.rate_limits.sso, v)
    ),
    setting!(
        Some("LOCAL_AUTH_RATE_LIMIT_OAUTH_CLIENT_REGISTER"),
        None,
        Some("10"),
        |c, v| limit(&mut c.rate_limits.oauth_client_register, v)
    ),
    setting!(Some("LOCAL_AUTH_RATE_LIMIT_HEADER"), None, None, |c, v| {
        c.rate_limit_header = Some(v.to_owned());
        Ok(())
    }),
    setting!(
        Some("LOCAL_AUTH_SB_FORWARDED_FOR_ENABLED"),
        None,
        Some("false"),
        |c, v| parse_into(&mut c.sb_forwarded_for_enabled, v)
    ),
    setting!(
        Some("LOCAL_AUTH_SESSIONS_TIMEBOX"),
        Some("sessions.timebox"),
        None,
        |c, v| lifetime(&mut c.sessions.timebox, v)
    ),
    setting!(
        Some("LOCAL_AUTH_SESSIONS_INACTIVITY_TIMEOUT"),
        Some("sessions.inactivity_timeout"),
        None,
        |c, v| lifetime(&mut c.sessions.inactivity_timeout, v)
    ),
    setting!(
        Some("LOCAL_AUTH_SESSIONS_SINGLE_PER_USER"),
        None,
        Some("false"),
        |c, v| parse_into(&mut c.sessions.single_per_user, v)
    ),
    setting!(Some("LOCAL_AUTH_DATABASE_URL"), None, None, |c, v| {
        c.database_url = Some(Secret::new(v));
        Ok(())
    }),
    setting!(
        Some("LOCAL_AUTH_ALLOW_REMOTE"),
        None,
        Some("false"),
        |c, v| parse_into(&mut c.allow_remote, v)
    ),
    // SMTP: a host turns it on (the file's section unless `enabled = false`); the other
    // settings change what the host started with.
    setting!(
        Some("LOCAL_AUTH_SMTP_HOST"),
        Some("email.smtp.host"),
        None,
        |c, v| {
            c.smtp = Some(SmtpConfig::new(v));
            Ok(())
        }
    ),
    setting!(
        Some("LOCAL_AUTH_SMTP_PORT"),
        Some("email.smtp.port"),
        None,
        |c, v| {
            smtp(c, |smtp| {
                parse_into(&mut smtp.port, v)?;
                smtp.tls = SmtpTls::for_port(smtp.port);
                Ok(())
            })
        }
    ),
    setting!(
        Some("LOCAL_AUTH_SMTP_USER"),
        Some("email.smtp.user"),
        None,
        |c, v| {
            smtp(c, |smtp| {
                smtp.user = Some(v.to_owned());
                Ok(())
            })
        }
    ),
    setting!(
        Some("LOCAL_AUTH_SMTP_PASS"),
        Some("email.smtp.pass"),
        None,
        |c, v| {
            smtp(c, |smtp| {
                smtp.pass = Some(Secret::new(v));
                Ok(())
            })
        }
    ),
    setting!(
        Some("LOCAL_AUTH_SMTP_ADMIN_EMAIL"),
        Some("email.smtp.admin_email"),
        None,
        |c, v| smtp(c, |smtp| {
            smtp.admin_email = v.to_owned();
            Ok(())
        })
    ),
    setting!(
        Some("LOCAL_AUTH_SMTP_SENDER_NAME"),
        Some("email.smtp.sender_name"),
        None,
        |c, v| smtp(c, |smtp| {
            smtp.sender_name = Some(v.to_owned());
            Ok(())
        })
    ),
    setting!(
        Some("LOCAL_AUTH_PASSKEY_ENABLED"),
        Some("passkey.enabled"),
        Some("false"),
        |c, v| parse_into(&mut c.webauthn.passkeys, v)
    ),
    setting!(
        // Not a key of the CLI's file, which has only `[auth.passkey] enabled`.
        Some("LOCAL_AUTH_PASSKEY_MAX_PASSKEYS_PER_USER"),
        None,
        Some("10"),
        |c, v| parse_into(&mut c.webauthn.max_passkeys_per_user, v)
    ),
    setting!(
        Some("LOCAL_AUTH_MFA_WEB_AUTHN_ENROLL_ENABLED"),
        Some("mfa.web_authn.enroll_enabled"),
        Some("false"),
        |c, v| parse_into(&mut c.webauthn.mfa_enroll, v)
    ),
    setting!(
        Some("LOCAL_AUTH_MFA_WEB_AUTHN_VERIFY_ENABLED"),
        Some("mfa.web_authn.verify_enabled"),
        Some("false"),
        |c, v| parse_into(&mut c.webauthn.mfa_verify, v)
    ),
    setting!(
        Some("LOCAL_AUTH_MFA_PHONE_ENROLL_ENABLED"),
        Some("mfa.phone.enroll_enabled"),
        Some("false"),
        |c, v| parse_into(&mut c.mfa_phone.enroll_enabled, v)
    ),
    setting!(
        Some("LOCAL_AUTH_MFA_PHONE_VERIFY_ENABLED"),
        Some("mfa.phone.verify_enabled"),
        Some("false"),
        |c, v| parse_into(&mut c.mfa_phone.verify_enabled, v)
    ),
    setting!(
        Some("LOCAL_AUTH_MFA_PHONE_OTP_LENGTH"),
        Some("mfa.phone.otp_length"),
        Some("6"),
        |c, v| {
            parse_into(&mut c.mfa_phone.otp_length, v)?;
            if (6..=10).contains(&c.mfa_phone.otp_length) {
                Ok(())
            } else {
                Err(format!("`{v}` is not a code length from 6 to 10"))
            }
        }
    ),
    setting!(
        Some("LOCAL_AUTH_MFA_PHONE_TEMPLATE"),
        Some("mfa.phone.template"),
        Some("Your code is {{ .Code }}"),
        |c, v| {
            gotmpl::Template::new("mfa.phone.template")
                .parse(v)
                .map_err(|error| error.to_string())?;
            c.mfa_phone.template = v.to_owned();
            Ok(())
        }
    ),
    setting!(
        Some("LOCAL_AUTH_MFA_PHONE_MAX_FREQUENCY"),
        Some("mfa.phone.max_frequency"),
        Some("5s"),
        |c, v| seconds(&mut c.mfa_phone.max_frequency, v)
    ),
    setting!(
        Some("LOCAL_AUTH_OAUTH_SERVER_ENABLED"),
        Some("oauth_server.enabled"),
        Some("false"),
        |c, v| parse_into(&mut c.oauth_server.enabled, v)
    ),
    setting!(
        Some("LOCAL_AUTH_OAUTH_SERVER_ALLOW_DYNAMIC_REGISTRATION"),
        Some("oauth_server.allow_dynamic_registration"),
        Some("false"),
        |c, v| parse_into(&mut c.oauth_server.allow_dynamic_registration, v)
    ),
    setting!(
        Some("LOCAL_AUTH_OAUTH_SERVER_AUTHORIZATION_URL_PATH"),
        Some("oauth_server.authorization_url_path"),
        Some("/oauth/consent"),
        |c, v| site_path(&mut c.oauth_server.authorization_url_path, v)
    ),
    setting!(
        Some("LOCAL_AUTH_WEB3_ETHEREUM_ENABLED"),
        Some("web3.ethereum.enabled"),
        Some("false"),
        |c, v| parse_into(&mut c.web3.ethereum.enabled, v)
    ),
    setting!(
        Some("LOCAL_AUTH_WEB3_ETHEREUM_MAXIMUM_VALIDITY_DURATION"),
        None,
        Some("10m"),
        |c, v| seconds(&mut c.web3.ethereum.maximum_validity, v)
    ),
    setting!(
        Some("LOCAL_AUTH_WEB3_SOLANA_ENABLED"),
        Some("web3.solana.enabled"),
        Some("false"),
        |c, v| parse_into(&mut c.web3.solana.enabled, v)
    ),
    setting!(
        Some("LOCAL_AUTH_WEB3_SOLANA_MAXIMUM_VALIDITY_DURATION"),
        None,
        Some("10m"),
        |c, v| seconds(&mut c.web3.solana.maximum_validity, v)
    ),
    setting!(
        Some("LOCAL_AUTH_WEBAUTHN_RP_ID"),
        Some("webauthn.rp_id"),
        None,
        |c, v| {
            c.webauthn.rp_id = Some(v.trim().to_owned());
            Ok(())
        }
    ),
    setting!(
        Some("LOCAL_AUTH_WEBAUTHN_RP_DISPLAY_NAME"),
        Some("webauthn.rp_display_name"),
        None,
        |c, v| {
            c.webauthn.rp_display_name = Some(v.to_owned());
            Ok(())
        }
    ),
    setting!(
        Some("LOCAL_AUTH_WEBAUTHN_RP_ORIGINS"),
        Some("webauthn.rp_origins"),
        None,
        |c, v| {
            c.webauthn.rp_origins = list(v)
                .iter()
                .map(|origin| Url::parse(origin).map_err(|error| format!("{origin}: {error}")))
                .collect::<Result<_, _>>()?;
            Ok(())
        }
    ),
    setting!(Some("LOCAL_AUTH_SMTP_TLS"), None, None, |c, v| smtp(
        c,
        |smtp| parse_into(&mut smtp.tls, v)
    )),
];

/// Seconds in a Go-style duration: `60s`, `1m30s`, `2h`, `500ms` (rounded down), or a bare number.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse() {
        return Some(seconds);
    }
    let mut total_ms: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit_ms, unit_len) = if rest.starts_with("ms") {
            (1, 2)
        } else if rest.starts_with('h') {
            (3_600_000, 1)
        } else if rest.starts_with('m') {
            (60_000, 1)
        } else if rest.starts_with('s') {
            (1_000, 1)
        } else {
            return None;
        };
        total_ms = total_ms.checked_add(number.checked_mul(unit_ms)?)?;
        rest = &rest[unit_len..];
    }
    (!text.is_empty()).then_some(total_ms / 1_000)
}

/// Sets `field` from its text.
fn parse_into<T>(field: &mut T, value: &str) -> Result<(), String>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    *field = value
        .trim()
        .parse()
        .map_err(|error: T::Err| error.to_string())?;
    Ok(())
}

/// Sets a number of seconds from a duration (`60`, `60s`, `1m30s`).
fn seconds(field: &mut u64, value: &str) -> Result<(), String> {
    *field = parse_duration(value)
        .ok_or_else(|| format!("`{value}` is not a duration like \"60s\" or \"1m30s\""))?;
    Ok(())
}

/// Sets a session lifetime from a duration; zero is none.
fn lifetime(field: &mut Option<u64>, value: &str) -> Result<(), String> {
    let mut seconds = 0;
    self::seconds(&mut seconds, value)?;
    *field = (seconds > 0).then_some(seconds);
    Ok(())
}

/// Sets a rate limit (requests per window).
fn limit(field: &mut u32, value: &str) -> Result<(), String> {
    *field = value.trim().parse().map_err(|error| format!("{error}"))?;
    Ok(())
}

/// Sets a path on the site (`/oauth/consent`): it starts with one `/` and holds only the
/// characters of a URL path, so that joined to the site URL it stays on the site.
fn site_path(field: &mut String, value: &str) -> Result<(), String> {
    let value = value.trim();
    let path_char = |c: char| c.is_ascii_alphanumeric() || "/-._~!$&'()*+,;=:@%".contains(c);
    if !value.starts_with('/') || value.starts_with("//") || !value.chars().all(path_char) {
        return Err(format!(
            "`{value}` is not a path on the site like \"/oauth/consent\""
        ));
    }
    value.clone_into(field);
    Ok(())
}

/// A comma-separated list, trimmed, without empty entries.
fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Changes the SMTP settings a host started (nothing without one).
fn smtp(
    config: &mut Config,
    change: impl FnOnce(&mut SmtpConfig) -> Result<(), String>,
) -> Result<(), String> {
    match &mut config.smtp {
        Some(smtp) => change(smtp),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    use crate::config::EmailLinks;

    #[test]
    fn the_defaults_are_those_of_the_settings_table() {
        let config = Config::default();

        assert_eq!(config.api_addr.to_string(), "127.0.0.1:54321");
        assert_eq!(config.mailbox_addr.to_string(), "127.0.0.1:54324");
        assert_eq!(config.external_url.as_str(), "http://127.0.0.1:54321/");
        assert_eq!(config.issuer(), "http://127.0.0.1:54321/auth/v1");
        assert_eq!(config.site_url.as_str(), "http://127.0.0.1:3000/");
        assert_eq!(
            (config.jwt_expiry, config.refresh_token_reuse_interval),
            (3600, 10)
        );
        assert!(config.enable_refresh_token_rotation && config.enable_signup);
        assert!(!config.enable_anonymous_sign_ins && !config.enable_manual_linking);
        assert!(!config.sms.enable_signup && !config.sms.enable_confirmations);
        assert_eq!((config.sms.otp_expiry, config.sms.max_frequency), (60, 60));
        assert!(config.enable_confirmations && config.double_confirm_changes);
        assert!(!config.secure_password_change && !config.allow_remote);
        assert_eq!(config.password.min_length, 6);
        assert_eq!(
            (config.email_max_frequency, config.email_otp_expiry),
            (60, 3600)
        );
        assert_eq!(config.email_links, EmailLinks::App);
        assert_eq!(config.bcrypt_cost, 10);
        assert_eq!(config.data_dir, PathBuf::from("local-auth-data"));
        assert!(config.smtp.is_none() && config.captcha.is_none() && config.jwt_secret.is_none());
        assert_eq!(
            (
                config.rate_limits.token_refresh,
                config.rate_limits.sign_in_sign_ups,
                config.rate_limits.mfa
            ),
            (150, 30, 15),
            "upstream's limits"
        );
        assert!(config.rate_limit_header.is_none() && !config.sb_forwarded_for_enabled);
    }

    #[test]
    fn each_setting_is_declared_once() {
        for (index, setting) in SETTINGS.iter().enumerate() {
            for other in &SETTINGS[index + 1..] {
                assert!(
                    setting.env.is_none() || setting.env != other.env,
                    "{setting:?}"
                );
                assert!(
                    setting.file.is_none() || setting.file != other.file,
                    "{setting:?}"
                );
            }
        }
    }

    #[test]
    fn go_durations_are_read_in_seconds() {
        assert_eq!(parse_duration("60s"), Some(60));
        assert_eq!(parse_duration("1m0s"), Some(60));
        assert_eq!(parse_duration("2h"), Some(7200));
        assert_eq!(parse_duration("1500ms"), Some(1));
        assert_eq!(parse_duration("45"), Some(45));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn the_consent_path_stays_on_the_site() {
        let mut path = String::new();
        for good in ["/oauth/consent", "/consent", "/a/b-c_d.e"] {
            assert_eq!(site_path(&mut path, good), Ok(()), "{good}");
            assert_eq!(path, good);
        }
        for bad in [
            "oauth/consent",
            "//evil.example/consent",
            "https://evil.example/consent",
            "/consent?next=x",
            "/consent#x",
            "/con sent",
            "/\\evil.example",
            "",
        ] {
            assert!(site_path(&mut path, bad).is_err(), "{bad}");
        }
    }
}
