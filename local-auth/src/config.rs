//! Configuration: the settings of the Supabase CLI's `[auth]` section, read from
//! `supabase/config.toml` when present (the file `supabase start` reads too), overridden by
//! `LOCAL_AUTH_*` environment variables. [`SETTINGS`] declares each setting once (variable, file
//! key, default, how it is read); the defaults, the file and the environment all follow it, and a
//! test of the server holds the README's table to it.

use std::{env, fmt, net::SocketAddr, path::PathBuf, str::FromStr};

use url::Url;

use crate::{hooks::HookConfig, mail::TemplateFiles, password::PasswordRules};

/// Everything local-auth needs to run.
#[derive(Clone)]
pub struct Config {
    /// Where the API listens when run as a binary (`LOCAL_AUTH_API_ADDR`, default `127.0.0.1:54321`).
    pub api_addr: SocketAddr,
    /// Where the mailbox listens (`LOCAL_AUTH_MAILBOX_ADDR`, default `127.0.0.1:54324`).
    pub mailbox_addr: SocketAddr,
    /// The public base URL of the API, without `/auth/v1` (`LOCAL_AUTH_EXTERNAL_URL`, default
    /// `http://<api_addr>`). Tokens are issued by `<external_url>/auth/v1`.
    pub external_url: Url,
    /// The app's URL: the default and fallback redirect target (`LOCAL_AUTH_SITE_URL`).
    pub site_url: Url,
    /// Further allowed redirect targets, as globs (`LOCAL_AUTH_ADDITIONAL_REDIRECT_URLS`, comma-separated).
    pub additional_redirect_urls: Vec<String>,
    /// Access-token lifetime in seconds (`LOCAL_AUTH_JWT_EXPIRY`, default 3600).
    pub jwt_expiry: u64,
    /// The legacy HS256 secret (`LOCAL_AUTH_JWT_SECRET`). When set, tokens are signed with it and the
    /// JWKS publishes no keys; otherwise an ES256 key is generated and published.
    pub jwt_secret: Option<Secret>,
    /// Whether refreshing rotates the refresh token (`LOCAL_AUTH_ENABLE_REFRESH_TOKEN_ROTATION`).
    pub enable_refresh_token_rotation: bool,
    /// Seconds during which a just-rotated refresh token may still be used
    /// (`LOCAL_AUTH_REFRESH_TOKEN_REUSE_INTERVAL`, default 10).
    pub refresh_token_reuse_interval: u64,
    /// Whether new users may sign up (`LOCAL_AUTH_ENABLE_SIGNUP`).
    pub enable_signup: bool,
    /// Whether `POST /signup` without email or phone creates an anonymous user
    /// (`LOCAL_AUTH_ENABLE_ANONYMOUS_SIGN_INS`, default off as in the Supabase CLI).
    pub enable_anonymous_sign_ins: bool,
    /// Whether a signed-in user may link further identities (`enable_manual_linking`,
    /// `LOCAL_AUTH_ENABLE_MANUAL_LINKING`, default off as in the Supabase CLI).
    pub enable_manual_linking: bool,
    /// The OAuth providers offered (`[auth.external.<name>] enabled = true`, or
    /// `LOCAL_AUTH_EXTERNAL_PROVIDERS` comma-separated). local-auth cannot reach the real ones, so
    /// each is served by its development identity provider (see [`crate::dev_idp`]).
    pub external_providers: Vec<String>,
    /// Phone sign-in settings (`[auth.sms]`, `LOCAL_AUTH_SMS_*`).
    pub sms: SmsConfig,
    /// Whether email sign-ups must be confirmed by mail (`LOCAL_AUTH_EMAIL_ENABLE_CONFIRMATIONS`).
    pub enable_confirmations: bool,
    /// Whether an email change must be confirmed from both addresses
    /// (`LOCAL_AUTH_EMAIL_DOUBLE_CONFIRM_CHANGES`).
    pub double_confirm_changes: bool,
    /// Whether changing the password needs a reauthentication code
    /// (`LOCAL_AUTH_EMAIL_SECURE_PASSWORD_CHANGE`).
    pub secure_password_change: bool,
    /// The rules for new passwords (`minimum_password_length`, `password_requirements`,
    /// `LOCAL_AUTH_PASSWORD_*`).
    pub password: PasswordRules,
    /// Seconds between two mails to one user (`LOCAL_AUTH_EMAIL_MAX_FREQUENCY`, default 60).
    pub email_max_frequency: u64,
    /// Lifetime of email links and codes in seconds (`LOCAL_AUTH_EMAIL_OTP_EXPIRY`, default 3600).
    pub email_otp_expiry: u64,
    /// Where email links point (`LOCAL_AUTH_EMAIL_LINKS`: `app` or `verify`).
    pub email_links: EmailLinks,
    /// bcrypt cost for new password hashes (`LOCAL_AUTH_BCRYPT_COST`, default 10 as upstream).
    pub bcrypt_cost: u32,
    /// Directory of the SQLite database (`LOCAL_AUTH_DATA_DIR`, default `local-auth-data`).
    pub data_dir: PathBuf,
    /// An SMTP server that also receives every mail (`LOCAL_AUTH_SMTP_HOST` and friends); the
    /// mailbox keeps a copy either way.
    pub smtp: Option<SmtpConfig>,
    /// The enabled auth hooks (`[auth.hook.<name>]`; see [`crate::hooks`]).
    pub hooks: Vec<HookConfig>,
    /// The project's email templates and notifications (`[auth.email.template.<type>]`,
    /// `[auth.email.notification.<type>]`; see [`crate::mail`]).
    pub email_templates: TemplateFiles,
    /// CAPTCHA protection (`[auth.captcha]`, `LOCAL_AUTH_CAPTCHA_PROVIDER` and
    /// `LOCAL_AUTH_CAPTCHA_SECRET`); off when `None`.
    pub captcha: Option<Captcha>,
    /// Rate limits (`[auth.rate_limit]`, `LOCAL_AUTH_RATE_LIMIT_*`); upstream's defaults.
    pub rate_limits: RateLimits,
    /// The header a proxy in front names the client's address in (`LOCAL_AUTH_RATE_LIMIT_HEADER`,
    /// upstream's `GOTRUE_RATE_LIMIT_HEADER`); unset, the peer address counts.
    pub rate_limit_header: Option<String>,
    /// IP address forwarding (`LOCAL_AUTH_SB_FORWARDED_FOR_ENABLED`, the dashboard's "Enable IP
    /// address forwarding", upstream's `security.sb_forwarded_for_enabled`; default off): a
    /// request with the secret key counts for the address in its `Sb-Forwarded-For`.
    pub sb_forwarded_for_enabled: bool,
    /// How long sessions last (`[auth.sessions]`, `LOCAL_AUTH_SESSIONS_*`); unlimited by default.
    pub sessions: SessionsConfig,
    /// Passkeys and the WebAuthn MFA factor (`[auth.passkey]`, `[auth.webauthn]`,
    /// `[auth.mfa.web_authn]`, `LOCAL_AUTH_PASSKEY_*` and `LOCAL_AUTH_WEBAUTHN_*`).
    pub webauthn: WebauthnConfig,
    /// The sections of the file that turn on Supabase Auth features local-auth does not offer
    /// (`auth.oauth_server`, …); their routes answer as upstream does with the feature off, and
    /// the server warns of each at start.
    pub not_offered: Vec<String>,
    /// A PostgreSQL database whose `auth.users` and `auth.mfa_factors` local-auth keeps in step
    /// with its own store (`LOCAL_AUTH_DATABASE_URL`, a `postgres://` URL of a role that may write
    /// them, such as `supabase_auth_admin`), so the app's tables can reference users and its
    /// policies read factors as on a Supabase project. Unset, nothing is copied.
    pub database_url: Option<Secret>,
    /// Whether the API and mailbox may listen on addresses other than loopback
    /// (`LOCAL_AUTH_ALLOW_REMOTE=true`). Off: local-auth is a development server, with a mailbox
    /// and an identity provider that anyone who reaches them can use.
    pub allow_remote: bool,
}

/// Passkey sign-in and the WebAuthn MFA factor: whether each is on, and the relying party that
/// browsers bind credentials to. Unset, the relying party follows the site URL: its host (or
/// `localhost` for an IP address, which browsers do not accept as a relying party), with the
/// site's origin and, for an IP address, its `localhost` twin as the allowed origins.
#[derive(Clone, Debug, Default)]
pub struct WebauthnConfig {
    /// Passkey sign-in and management (`[auth.passkey] enabled`, `LOCAL_AUTH_PASSKEY_ENABLED`;
    /// default off as in the Supabase CLI).
    pub passkeys: bool,
    /// Passkeys per user (`LOCAL_AUTH_PASSKEY_MAX_PASSKEYS_PER_USER`, default 10 as upstream).
    pub max_passkeys_per_user: usize,
    /// Enrolling WebAuthn MFA factors (`[auth.mfa.web_authn] enroll_enabled`).
    pub mfa_enroll: bool,
    /// Verifying WebAuthn MFA factors (`[auth.mfa.web_authn] verify_enabled`).
    pub mfa_verify: bool,
    /// The relying party id (`[auth.webauthn] rp_id`, `LOCAL_AUTH_WEBAUTHN_RP_ID`).
    pub rp_id: Option<String>,
    /// The name authenticators show (`[auth.webauthn] rp_display_name`).
    pub rp_display_name: Option<String>,
    /// The origins whose ceremonies count (`[auth.webauthn] rp_origins`,
    /// `LOCAL_AUTH_WEBAUTHN_RP_ORIGINS`, comma-separated).
    pub rp_origins: Vec<Url>,
}

/// Session lifetimes, as upstream's `GOTRUE_SESSIONS_*`: checked when a session is refreshed, which
/// then fails with `session_expired`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionsConfig {
    /// Seconds after sign-in at which a session ends, however active (`[auth.sessions] timebox`,
    /// `LOCAL_AUTH_SESSIONS_TIMEBOX`, a duration such as `"24h"`; `0` or unset: never).
    pub timebox: Option<u64>,
    /// Seconds without a refresh after which a session ends (`[auth.sessions]
    /// inactivity_timeout`, `LOCAL_AUTH_SESSIONS_INACTIVITY_TIMEOUT`; `0` or unset: never).
    pub inactivity_timeout: Option<u64>,
    /// Only the user's most recently active session may refresh; older ones end
    /// (`LOCAL_AUTH_SESSIONS_SINGLE_PER_USER`, upstream's `GOTRUE_SESSIONS_SINGLE_PER_USER`).
    pub single_per_user: bool,
}

/// Phone sign-in. Text messages are not sent anywhere: they land in the development mailbox,
/// marked as SMS.
#[derive(Clone, Debug)]
pub struct SmsConfig {
    /// Whether users may sign up with a phone number (`LOCAL_AUTH_SMS_ENABLE_SIGNUP`, default off as
    /// in the Supabase CLI).
    pub enable_signup: bool,
    /// Whether a phone sign-up must be confirmed with a texted code
    /// (`LOCAL_AUTH_SMS_ENABLE_CONFIRMATIONS`, default off).
    pub enable_confirmations: bool,
    /// Lifetime of texted codes in seconds (`LOCAL_AUTH_SMS_OTP_EXPIRY`, default 60 as upstream).
    pub otp_expiry: u64,
    /// Seconds between two texts to one number (`LOCAL_AUTH_SMS_MAX_FREQUENCY`, default 60).
    pub max_frequency: u64,
}

/// The OAuth providers as Supabase names them; `[auth.external.<name>]` accepts these.
pub const KNOWN_PROVIDERS: [&str; 20] = [
    "apple",
    "azure",
    "bitbucket",
    "discord",
    "facebook",
    "figma",
    "github",
    "gitlab",
    "google",
    "kakao",
    "keycloak",
    "linkedin_oidc",
    "notion",
    "slack_oidc",
    "spotify",
    "twitch",
    "twitter",
    "workos",
    "x",
    "zoom",
];

/// Where and how mail is sent by SMTP.
#[derive(Clone)]
pub struct SmtpConfig {
    /// The server's host name (`LOCAL_AUTH_SMTP_HOST`).
    pub host: String,
    /// Its port (`LOCAL_AUTH_SMTP_PORT`, default 587).
    pub port: u16,
    /// The user to authenticate as, if any (`LOCAL_AUTH_SMTP_USER`).
    pub user: Option<String>,
    /// Its password (`LOCAL_AUTH_SMTP_PASS`); never printed.
    pub pass: Option<Secret>,
    /// The sender address (`LOCAL_AUTH_SMTP_ADMIN_EMAIL`, default `admin@email.com`).
    pub admin_email: String,
    /// The sender name (`LOCAL_AUTH_SMTP_SENDER_NAME`).
    pub sender_name: Option<String>,
    /// Transport security (`LOCAL_AUTH_SMTP_TLS`: `none`, `starttls` or `tls`; by default `tls` on
    /// port 465, `none` on 1025 and 25, `starttls` otherwise).
    pub tls: SmtpTls,
}

impl SmtpConfig {
    /// Sending through `host` on port 587 with STARTTLS, as `admin@email.com`, without
    /// credentials: what a host alone sets up; the other SMTP settings change it.
    pub fn new(host: &str) -> Self {
        Self {
            host: host.to_owned(),
            port: 587,
            user: None,
            pass: None,
            admin_email: "admin@email.com".to_owned(),
            sender_name: None,
            tls: SmtpTls::for_port(587),
        }
    }
}

/// Transport security for SMTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text, for local catchers such as Mailpit.
    None,
    /// Upgrade with STARTTLS, required.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpTls {
    fn for_port(port: u16) -> Self {
        match port {
            465 => Self::Tls,
            25 | 1025 => Self::None,
            _ => Self::StartTls,
        }
    }
}

impl FromStr for SmtpTls {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "none" => Ok(Self::None),
            "starttls" => Ok(Self::StartTls),
            "tls" => Ok(Self::Tls),
            other => Err(format!(
                "expected `none`, `starttls` or `tls`, got `{other}`"
            )),
        }
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("pass", &self.pass)
            .field("admin_email", &self.admin_email)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

/// Where the links in emails lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailLinks {
    /// To the app's `/auth/confirm?token_hash=…&type=…&next=…`, which verifies on the server, as
    /// Supabase's server-side rendering guides recommend.
    App,
    /// To the API's `/auth/v1/verify?token=…&type=…&redirect_to=…`, Supabase's default templates.
    Verify,
}

/// A secret setting (the HS256 key, the SMTP password); prints as `[redacted]`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret's bytes.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_addr", &self.api_addr)
            .field("mailbox_addr", &self.mailbox_addr)
            .field("external_url", &self.external_url.as_str())
            .field("site_url", &self.site_url.as_str())
            .field("jwt_secret", &self.jwt_secret)
            .field("data_dir", &self.data_dir)
            .field("smtp", &self.smtp)
            .field("captcha", &self.captcha)
            .field("rate_limits", &self.rate_limits)
            .field("rate_limit_header", &self.rate_limit_header)
            .field("sb_forwarded_for_enabled", &self.sb_forwarded_for_enabled)
            .field("sessions", &self.sessions)
            .field("database_url", &self.database_url)
            .finish_non_exhaustive()
    }
}

/// A configuration value that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct ConfigError {
    /// The environment variable or file setting at fault.
    pub setting: String,
    /// What is wrong with it.
    pub problem: String,
}

impl Default for Config {
    /// The defaults of [`SETTINGS`], over empty values (what a setting without a default leaves
    /// unset).
    fn default() -> Self {
        let mut config = Self {
            // Placeholders, replaced by the defaults of SETTINGS just below.
            api_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            mailbox_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            external_url: Url::parse("http://127.0.0.1/").expect("a valid URL"),
            site_url: Url::parse("http://127.0.0.1/").expect("a valid URL"),
            additional_redirect_urls: Vec::new(),
            jwt_expiry: 0,
            jwt_secret: None,
            enable_refresh_token_rotation: false,
            refresh_token_reuse_interval: 0,
            enable_signup: false,
            enable_anonymous_sign_ins: false,
            enable_manual_linking: false,
            external_providers: Vec::new(),
            sms: SmsConfig {
                enable_signup: false,
                enable_confirmations: false,
                otp_expiry: 0,
                max_frequency: 0,
            },
            enable_confirmations: false,
            double_confirm_changes: false,
            secure_password_change: false,
            password: PasswordRules::default(),
            email_max_frequency: 0,
            email_otp_expiry: 0,
            email_links: EmailLinks::App,
            bcrypt_cost: 0,
            data_dir: PathBuf::new(),
            smtp: None,
            hooks: Vec::new(),
            email_templates: TemplateFiles::default(),
            captcha: None,
            rate_limits: RateLimits::default(),
            rate_limit_header: None,
            sb_forwarded_for_enabled: false,
            sessions: SessionsConfig::default(),
            webauthn: WebauthnConfig::default(),
            not_offered: Vec::new(),
            database_url: None,
            allow_remote: false,
        };
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
    set: fn(&mut Config, &str) -> Result<(), String>,
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

/// The `[auth]` sections of features local-auth does not offer, as the Supabase CLI's file names
/// them; one turned on (`enabled = true`) is noted in [`Config::not_offered`].
pub const NOT_OFFERED: [&str; 7] = [
    "oauth_server",
    "web3.solana",
    "web3.ethereum",
    "third_party.firebase",
    "third_party.auth0",
    "third_party.aws_cognito",
    "third_party.clerk",
];

/// The environment variable that names the configuration file (default `supabase/config.toml`).
pub const CONFIG_FILE_VARIABLE: &str = "LOCAL_AUTH_CONFIG_FILE";

impl Config {
    /// The defaults, then `supabase/config.toml` (or the file `LOCAL_AUTH_CONFIG_FILE` names) when
    /// it exists, then any `LOCAL_AUTH_*` variable that is set.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_over(Self::default())
    }

    /// Like [`Config::from_env`], starting from `defaults` instead of [`Config::default`] (an app
    /// that embeds local-auth makes its own address the default site URL).
    pub fn from_env_over(defaults: Self) -> Result<Self, ConfigError> {
        let mut config = defaults;
        let (path, required) = match var(CONFIG_FILE_VARIABLE) {
            Some(path) => (PathBuf::from(path), true),
            None => (PathBuf::from("supabase/config.toml"), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => config.apply_file(&path.display().to_string(), &text)?,
            Err(error) if required || error.kind() != std::io::ErrorKind::NotFound => {
                return Err(ConfigError {
                    setting: path.display().to_string(),
                    problem: format!("cannot read: {error}"),
                });
            }
            Err(_) => {}
        }
        config.apply_env()?;
        Ok(config)
    }

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
        for section in NOT_OFFERED {
            let on = section
                .split('.')
                .try_fold(auth, |at, part| at.get(part))
                .and_then(|at| at.get("enabled"))
                .and_then(toml::Value::as_bool);
            if on == Some(true) {
                self.not_offered.push(format!("auth.{section}"));
            }
        }
        let named = |(key, problem): (String, String)| ConfigError {
            setting: format!("{source}: {key}"),
            problem,
        };
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

    fn apply_env(&mut self) -> Result<(), ConfigError> {
        for setting in SETTINGS {
            let Some(variable) = setting.env else {
                continue;
            };
            if let Some(value) = var(variable) {
                (setting.set)(self, &value).map_err(|problem| ConfigError {
                    setting: variable.to_owned(),
                    problem: format!("cannot read `{value}`: {problem}"),
                })?;
            }
        }
        Ok(())
    }

    /// The token issuer and API base: `<external_url>/auth/v1`.
    pub fn issuer(&self) -> String {
        format!(
            "{}/auth/v1",
            self.external_url.as_str().trim_end_matches('/')
        )
    }
}

impl FromStr for EmailLinks {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "app" => Ok(Self::App),
            "verify" => Ok(Self::Verify),
            other => Err(format!("expected `app` or `verify`, got `{other}`")),
        }
    }
}

/// A file value that may be the Supabase CLI's `env(NAME)`: the variable's value, which must be
/// set; any other text as it is.
pub(crate) fn file_env(value: &str) -> Result<String, String> {
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

fn var(variable: &'static str) -> Option<String> {
    env::var(variable).ok().filter(|value| !value.is_empty())
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

/// Which CAPTCHA service the project uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptchaProvider {
    /// hCaptcha.
    Hcaptcha,
    /// Cloudflare Turnstile.
    Turnstile,
}

/// The CAPTCHA settings: provider and secret.
#[derive(Clone)]
pub struct Captcha {
    /// The service whose test keys are mirrored.
    pub provider: CaptchaProvider,
    /// The project's secret key.
    pub secret: String,
}

impl std::str::FromStr for CaptchaProvider {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        match value {
            "hcaptcha" => Ok(Self::Hcaptcha),
            "turnstile" => Ok(Self::Turnstile),
            other => Err(format!(
                "`{other}` is not a CAPTCHA provider (hcaptcha or turnstile)"
            )),
        }
    }
}

impl std::fmt::Debug for Captcha {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Captcha")
            .field("provider", &self.provider)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// How many requests each limiter allows per window, upstream's defaults unless configured (the
/// window and the buckets are described in [`crate::rate_limit`]).
#[derive(Clone, Copy, Debug)]
pub struct RateLimits {
    /// `token_refresh`: password, refresh and PKCE grants per 5 minutes (upstream 150).
    pub token_refresh: u32,
    /// `sign_in_sign_ups`: sign-ups, OTP, magic links, recovery, resends and user updates, each
    /// per 5 minutes (upstream 30).
    pub sign_in_sign_ups: u32,
    /// `token_verifications`: `/verify` per 5 minutes (upstream 30).
    pub token_verifications: u32,
    /// `anonymous_users`: anonymous sign-ins per hour (upstream 30).
    pub anonymous_users: u32,
    /// MFA challenges and verifications, each per minute (upstream 15; `LOCAL_AUTH_RATE_LIMIT_MFA`).
    pub mfa: u32,
    /// Passkey sign-in options per 5 minutes (upstream 30; `LOCAL_AUTH_RATE_LIMIT_PASSKEY`).
    pub passkey: u32,
    /// `email_sent`: mails per hour for the whole server (the CLI's 2). Counted only for mail sent
    /// through SMTP: the CLI lifts it for its local mail catcher, as local-auth does for its
    /// mailbox.
    pub email_sent: u32,
    /// `sms_sent`: texts per hour (upstream 30). local-auth sends no text anywhere (they land in
    /// the mailbox), so, as for mail without SMTP, it is read but not counted.
    pub sms_sent: u32,
    /// `web3`: Web3 sign-ins per 5 minutes (upstream 30); read for the file's sake, as local-auth
    /// answers Web3 as disabled.
    pub web3: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            token_refresh: 150,
            sign_in_sign_ups: 30,
            token_verifications: 30,
            anonymous_users: 30,
            mfa: 15,
            passkey: 30,
            email_sent: 2,
            sms_sent: 30,
            web3: 30,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn features_local_auth_does_not_offer_are_noted_when_the_file_turns_them_on() {
        let mut config = Config::default();
        config
            .apply_file(
                "f",
                "[auth.oauth_server]\nenabled = true\n[auth.web3.solana]\nenabled = false\n\
                 [auth.web3.ethereum]\nenabled = true\n",
            )
            .unwrap();
        assert_eq!(
            config.not_offered,
            ["auth.oauth_server", "auth.web3.ethereum"]
        );
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
                include_str!("../../supabase/config.toml"),
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
}
