//! Configuration: the settings of the Supabase CLI's `[auth]` section, read from
//! `supabase/config.toml` when present (the file `supabase start` reads too), overridden by
//! `LOCAL_AUTH_*` environment variables.

use std::{env, fmt, net::SocketAddr, path::PathBuf, str::FromStr};

use serde::Deserialize;
use url::Url;

use crate::claims::CustomClaims;

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
    /// Minimum password length (`LOCAL_AUTH_MINIMUM_PASSWORD_LENGTH`, default 6).
    pub minimum_password_length: usize,
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
    /// Claims added to every access token, read from `LOCAL_AUTH_CUSTOM_CLAIMS_FILE`.
    pub custom_claims: CustomClaims,
    /// CAPTCHA protection (`[auth.captcha]`, `LOCAL_AUTH_CAPTCHA_PROVIDER` and
    /// `LOCAL_AUTH_CAPTCHA_SECRET`); off when `None`.
    pub captcha: Option<Captcha>,
    /// Rate limits (`[auth.rate_limit]`, `LOCAL_AUTH_RATE_LIMIT_*`); all off by default.
    pub rate_limits: RateLimits,
    /// The header carrying the client IP for rate limits (`LOCAL_AUTH_RATE_LIMIT_HEADER`), when a
    /// proxy sets one; otherwise the peer address counts.
    pub rate_limit_header: Option<String>,
    /// When set, [`Config::rate_limit_header`] is believed only on requests that carry this
    /// secret in [`PROXY_SECRET_HEADER`] (`LOCAL_AUTH_RATE_LIMIT_HEADER_SECRET`): browsers reach
    /// the API directly too, and must not choose the address they are counted as. The app sets
    /// it when it embeds local-auth.
    pub rate_limit_header_secret: Option<Secret>,
    /// Whether the API and mailbox may listen on addresses other than loopback
    /// (`LOCAL_AUTH_ALLOW_REMOTE=true`). Off: local-auth is a development server, with a mailbox
    /// and an identity provider that anyone who reaches them can use.
    pub allow_remote: bool,
}

/// The header that carries [`Config::rate_limit_header_secret`].
pub const PROXY_SECRET_HEADER: &str = "x-local-auth-proxy-secret";

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

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            enable_signup: false,
            enable_confirmations: false,
            otp_expiry: 60,
            max_frequency: 60,
        }
    }
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
            .field("custom_claims", &self.custom_claims)
            .field("captcha", &self.captcha)
            .field("rate_limits", &self.rate_limits)
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
    fn default() -> Self {
        let api_addr = SocketAddr::from(([127, 0, 0, 1], 54321));
        Self {
            api_addr,
            mailbox_addr: SocketAddr::from(([127, 0, 0, 1], 54324)),
            external_url: Url::parse(&format!("http://{api_addr}")).expect("a valid URL"),
            site_url: Url::parse("http://127.0.0.1:3000").expect("a valid URL"),
            additional_redirect_urls: Vec::new(),
            jwt_expiry: 3600,
            jwt_secret: None,
            enable_refresh_token_rotation: true,
            refresh_token_reuse_interval: 10,
            enable_signup: true,
            enable_anonymous_sign_ins: false,
            enable_manual_linking: false,
            external_providers: Vec::new(),
            sms: SmsConfig::default(),
            enable_confirmations: true,
            double_confirm_changes: true,
            secure_password_change: false,
            minimum_password_length: 6,
            email_max_frequency: 60,
            email_otp_expiry: 3600,
            email_links: EmailLinks::App,
            bcrypt_cost: 10,
            data_dir: PathBuf::from("local-auth-data"),
            smtp: None,
            custom_claims: CustomClaims::default(),
            captcha: None,
            rate_limits: RateLimits::default(),
            rate_limit_header: None,
            rate_limit_header_secret: None,
            allow_remote: false,
        }
    }
}

/// The `[auth]` settings of `supabase/config.toml` that local-auth honours.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ConfigFile {
    auth: AuthSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AuthSection {
    site_url: Option<Url>,
    additional_redirect_urls: Option<Vec<String>>,
    jwt_expiry: Option<u64>,
    enable_refresh_token_rotation: Option<bool>,
    refresh_token_reuse_interval: Option<u64>,
    enable_signup: Option<bool>,
    enable_anonymous_sign_ins: Option<bool>,
    enable_manual_linking: Option<bool>,
    minimum_password_length: Option<usize>,
    email: EmailSection,
    sms: SmsSection,
    external: std::collections::BTreeMap<String, ExternalSection>,
    captcha: Option<CaptchaSection>,
    rate_limit: RateLimitSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RateLimitSection {
    email_sent: Option<u32>,
    anonymous_users: Option<u32>,
    token_refresh: Option<u32>,
    sign_in_sign_ups: Option<u32>,
    token_verifications: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SmsSection {
    enable_signup: Option<bool>,
    enable_confirmations: Option<bool>,
    max_frequency: Option<String>,
    otp_expiry: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExternalSection {
    enabled: bool,
}

#[derive(Debug, Deserialize)]
struct CaptchaSection {
    #[serde(default)]
    enabled: bool,
    provider: Option<String>,
    #[serde(default)]
    secret: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EmailSection {
    enable_signup: Option<bool>,
    double_confirm_changes: Option<bool>,
    enable_confirmations: Option<bool>,
    secure_password_change: Option<bool>,
    max_frequency: Option<String>,
    otp_expiry: Option<u64>,
    smtp: Option<SmtpSection>,
}

#[derive(Debug, Deserialize)]
struct SmtpSection {
    #[serde(default = "enabled")]
    enabled: bool,
    host: String,
    port: Option<u16>,
    user: Option<String>,
    pass: Option<String>,
    admin_email: Option<String>,
    sender_name: Option<String>,
}

fn enabled() -> bool {
    true
}

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
        let (path, required) = match var("LOCAL_AUTH_CONFIG_FILE") {
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

    /// Applies the `[auth]` settings of a `config.toml` text; `source` names it in errors.
    pub fn apply_file(&mut self, source: &str, text: &str) -> Result<(), ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|error| ConfigError {
            setting: source.to_owned(),
            problem: error.to_string(),
        })?;
        let auth = file.auth;
        let email = auth.email;
        replace(&mut self.site_url, auth.site_url);
        replace(
            &mut self.additional_redirect_urls,
            auth.additional_redirect_urls,
        );
        replace(&mut self.jwt_expiry, auth.jwt_expiry);
        replace(
            &mut self.enable_refresh_token_rotation,
            auth.enable_refresh_token_rotation,
        );
        replace(
            &mut self.refresh_token_reuse_interval,
            auth.refresh_token_reuse_interval,
        );
        replace(
            &mut self.minimum_password_length,
            auth.minimum_password_length,
        );
        replace(
            &mut self.enable_anonymous_sign_ins,
            auth.enable_anonymous_sign_ins,
        );
        replace(&mut self.enable_manual_linking, auth.enable_manual_linking);
        for (name, provider) in auth.external {
            if !KNOWN_PROVIDERS.contains(&name.as_str()) {
                return Err(ConfigError {
                    setting: format!("{source}: auth.external.{name}"),
                    problem: format!(
                        "not a provider Supabase knows: {}",
                        KNOWN_PROVIDERS.join(", ")
                    ),
                });
            }
            self.external_providers.retain(|known| *known != name);
            if provider.enabled {
                self.external_providers.push(name);
            }
        }
        let sms = auth.sms;
        replace(&mut self.sms.enable_signup, sms.enable_signup);
        replace(&mut self.sms.enable_confirmations, sms.enable_confirmations);
        replace(&mut self.sms.otp_expiry, sms.otp_expiry);
        if let Some(frequency) = sms.max_frequency {
            self.sms.max_frequency = parse_duration(&frequency).ok_or_else(|| ConfigError {
                setting: format!("{source}: auth.sms.max_frequency"),
                problem: format!("`{frequency}` is not a duration like \"60s\" or \"1m30s\""),
            })?;
        }
        let limits = auth.rate_limit;
        let ours = &mut self.rate_limits;
        ours.email_sent = limits.email_sent.or(ours.email_sent);
        ours.anonymous_users = limits.anonymous_users.or(ours.anonymous_users);
        ours.token_refresh = limits.token_refresh.or(ours.token_refresh);
        ours.sign_in_sign_ups = limits.sign_in_sign_ups.or(ours.sign_in_sign_ups);
        ours.token_verifications = limits.token_verifications.or(ours.token_verifications);
        if let Some(captcha) = auth.captcha.filter(|captcha| captcha.enabled) {
            let provider = captcha.provider.as_deref().unwrap_or("hcaptcha");
            self.captcha = Some(Captcha {
                provider: provider.parse().map_err(|problem| ConfigError {
                    setting: format!("{source}: auth.captcha.provider"),
                    problem,
                })?,
                secret: captcha.secret,
            });
        }
        // Email sign-up needs both the global and the email switch on.
        replace(
            &mut self.enable_signup,
            auth.enable_signup
                .map(|on| on && email.enable_signup.unwrap_or(true))
                .or(email.enable_signup),
        );
        replace(
            &mut self.double_confirm_changes,
            email.double_confirm_changes,
        );
        replace(&mut self.enable_confirmations, email.enable_confirmations);
        replace(
            &mut self.secure_password_change,
            email.secure_password_change,
        );
        replace(&mut self.email_otp_expiry, email.otp_expiry);
        if let Some(smtp) = email.smtp.filter(|smtp| smtp.enabled) {
            let port = smtp.port.unwrap_or(587);
            self.smtp = Some(SmtpConfig {
                host: smtp.host,
                port,
                user: smtp.user,
                pass: smtp.pass.map(Secret),
                admin_email: smtp.admin_email.unwrap_or_else(|| "admin@email.com".into()),
                sender_name: smtp.sender_name,
                tls: SmtpTls::for_port(port),
            });
        }
        if let Some(frequency) = email.max_frequency {
            self.email_max_frequency = parse_duration(&frequency).ok_or_else(|| ConfigError {
                setting: format!("{source}: auth.email.max_frequency"),
                problem: format!("`{frequency}` is not a duration like \"60s\" or \"1m30s\""),
            })?;
        }
        Ok(())
    }

    fn apply_env(&mut self) -> Result<(), ConfigError> {
        let config = self;
        if let Some(addr) = parse("LOCAL_AUTH_API_ADDR")? {
            config.api_addr = addr;
            config.external_url = Url::parse(&format!("http://{addr}")).expect("a valid URL");
        }
        set(&mut config.mailbox_addr, "LOCAL_AUTH_MAILBOX_ADDR")?;
        set(&mut config.external_url, "LOCAL_AUTH_EXTERNAL_URL")?;
        set(&mut config.site_url, "LOCAL_AUTH_SITE_URL")?;
        if let Some(urls) = var("LOCAL_AUTH_ADDITIONAL_REDIRECT_URLS") {
            config.additional_redirect_urls = urls
                .split(',')
                .map(str::trim)
                .filter(|url| !url.is_empty())
                .map(str::to_owned)
                .collect();
        }
        set(&mut config.jwt_expiry, "LOCAL_AUTH_JWT_EXPIRY")?;
        config.jwt_secret = var("LOCAL_AUTH_JWT_SECRET").map(Secret);
        set(
            &mut config.enable_refresh_token_rotation,
            "LOCAL_AUTH_ENABLE_REFRESH_TOKEN_ROTATION",
        )?;
        set(
            &mut config.refresh_token_reuse_interval,
            "LOCAL_AUTH_REFRESH_TOKEN_REUSE_INTERVAL",
        )?;
        set(&mut config.enable_signup, "LOCAL_AUTH_ENABLE_SIGNUP")?;
        set(
            &mut config.enable_anonymous_sign_ins,
            "LOCAL_AUTH_ENABLE_ANONYMOUS_SIGN_INS",
        )?;
        set(
            &mut config.enable_manual_linking,
            "LOCAL_AUTH_ENABLE_MANUAL_LINKING",
        )?;
        if let Some(providers) = var("LOCAL_AUTH_EXTERNAL_PROVIDERS") {
            config.external_providers = Vec::new();
            for name in providers
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
            {
                if !KNOWN_PROVIDERS.contains(&name) {
                    return Err(ConfigError {
                        setting: "LOCAL_AUTH_EXTERNAL_PROVIDERS".to_owned(),
                        problem: format!(
                            "`{name}` is not a provider Supabase knows: {}",
                            KNOWN_PROVIDERS.join(", ")
                        ),
                    });
                }
                config.external_providers.push(name.to_owned());
            }
        }
        set(
            &mut config.sms.enable_signup,
            "LOCAL_AUTH_SMS_ENABLE_SIGNUP",
        )?;
        set(
            &mut config.sms.enable_confirmations,
            "LOCAL_AUTH_SMS_ENABLE_CONFIRMATIONS",
        )?;
        set(&mut config.sms.otp_expiry, "LOCAL_AUTH_SMS_OTP_EXPIRY")?;
        set(
            &mut config.sms.max_frequency,
            "LOCAL_AUTH_SMS_MAX_FREQUENCY",
        )?;
        set(
            &mut config.enable_confirmations,
            "LOCAL_AUTH_EMAIL_ENABLE_CONFIRMATIONS",
        )?;
        set(
            &mut config.double_confirm_changes,
            "LOCAL_AUTH_EMAIL_DOUBLE_CONFIRM_CHANGES",
        )?;
        set(
            &mut config.secure_password_change,
            "LOCAL_AUTH_EMAIL_SECURE_PASSWORD_CHANGE",
        )?;
        set(
            &mut config.minimum_password_length,
            "LOCAL_AUTH_MINIMUM_PASSWORD_LENGTH",
        )?;
        set(
            &mut config.email_max_frequency,
            "LOCAL_AUTH_EMAIL_MAX_FREQUENCY",
        )?;
        set(&mut config.email_otp_expiry, "LOCAL_AUTH_EMAIL_OTP_EXPIRY")?;
        set(&mut config.email_links, "LOCAL_AUTH_EMAIL_LINKS")?;
        set(&mut config.bcrypt_cost, "LOCAL_AUTH_BCRYPT_COST")?;
        set(&mut config.data_dir, "LOCAL_AUTH_DATA_DIR")?;
        let limits = &mut config.rate_limits;
        for (field, variable) in [
            (&mut limits.email_sent, "LOCAL_AUTH_RATE_LIMIT_EMAIL_SENT"),
            (
                &mut limits.anonymous_users,
                "LOCAL_AUTH_RATE_LIMIT_ANONYMOUS_USERS",
            ),
            (
                &mut limits.token_refresh,
                "LOCAL_AUTH_RATE_LIMIT_TOKEN_REFRESH",
            ),
            (
                &mut limits.sign_in_sign_ups,
                "LOCAL_AUTH_RATE_LIMIT_SIGN_IN_SIGN_UPS",
            ),
            (
                &mut limits.token_verifications,
                "LOCAL_AUTH_RATE_LIMIT_TOKEN_VERIFICATIONS",
            ),
            (&mut limits.mfa, "LOCAL_AUTH_RATE_LIMIT_MFA"),
        ] {
            if let Some(limit) = parse(variable)? {
                *field = Some(limit);
            }
        }
        config.rate_limit_header =
            var("LOCAL_AUTH_RATE_LIMIT_HEADER").or(config.rate_limit_header.take());
        if let Some(secret) = var("LOCAL_AUTH_RATE_LIMIT_HEADER_SECRET") {
            config.rate_limit_header_secret = Some(Secret::new(secret));
        }
        set(&mut config.allow_remote, "LOCAL_AUTH_ALLOW_REMOTE")?;
        if let Some(provider) = parse::<CaptchaProvider>("LOCAL_AUTH_CAPTCHA_PROVIDER")? {
            config.captcha = Some(Captcha {
                provider,
                secret: var("LOCAL_AUTH_CAPTCHA_SECRET").unwrap_or_default(),
            });
        }
        if let Some(path) = var("LOCAL_AUTH_CUSTOM_CLAIMS_FILE") {
            let problem = |problem: String| ConfigError {
                setting: format!("LOCAL_AUTH_CUSTOM_CLAIMS_FILE ({path})"),
                problem,
            };
            config.custom_claims = CustomClaims::load(path.as_ref()).map_err(problem)?;
        }
        if let Some(host) = var("LOCAL_AUTH_SMTP_HOST") {
            let port = parse("LOCAL_AUTH_SMTP_PORT")?.unwrap_or(587);
            config.smtp = Some(SmtpConfig {
                host,
                port,
                user: var("LOCAL_AUTH_SMTP_USER"),
                pass: var("LOCAL_AUTH_SMTP_PASS").map(Secret),
                admin_email: var("LOCAL_AUTH_SMTP_ADMIN_EMAIL")
                    .unwrap_or_else(|| "admin@email.com".into()),
                sender_name: var("LOCAL_AUTH_SMTP_SENDER_NAME"),
                tls: parse("LOCAL_AUTH_SMTP_TLS")?.unwrap_or(SmtpTls::for_port(port)),
            });
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

/// Replaces `field` when the file sets `value`.
fn replace<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
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

fn parse<T>(variable: &'static str) -> Result<Option<T>, ConfigError>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    var(variable)
        .map(|value| {
            value.parse().map_err(|error: T::Err| ConfigError {
                setting: variable.to_owned(),
                problem: format!("cannot read `{value}`: {error}"),
            })
        })
        .transpose()
}

fn set<T>(field: &mut T, variable: &'static str) -> Result<(), ConfigError>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    if let Some(value) = parse(variable)? {
        *field = value;
    }
    Ok(())
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

/// How many requests each bucket allows per window; `None` is no limit.
#[derive(Clone, Copy, Debug, Default)]
pub struct RateLimits {
    /// `token_refresh` (upstream default 150 per 5 min).
    pub token_refresh: Option<u32>,
    /// `sign_in_sign_ups` (upstream default 30 per 5 min).
    pub sign_in_sign_ups: Option<u32>,
    /// `token_verifications` (upstream default 30 per 5 min).
    pub token_verifications: Option<u32>,
    /// `anonymous_users` (upstream default 30 per hour).
    pub anonymous_users: Option<u32>,
    /// MFA challenge and verify (upstream default 15 per minute).
    pub mfa: Option<u32>,
    /// `email_sent` (upstream default 2 per hour with the built-in mailer).
    pub email_sent: Option<u32>,
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
        assert_eq!(config.minimum_password_length, 8);
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
                "supabase/config.toml",
                include_str!("../../supabase/config.toml"),
            )
            .unwrap();
        assert_eq!(config.external_providers, ["github", "google"]);
        assert!(config.enable_manual_linking);
        assert!(config.sms.enable_signup && config.sms.enable_confirmations);
        assert!(config.enable_anonymous_sign_ins);
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
    fn rate_limits_come_from_the_file() {
        let mut config = Config::default();
        assert!(
            config.rate_limits.sign_in_sign_ups.is_none(),
            "off by default"
        );

        config
            .apply_file(
                "supabase/config.toml",
                "[auth.rate_limit]\nemail_sent = 2\ntoken_refresh = 150\nsign_in_sign_ups = 30\n",
            )
            .unwrap();

        assert_eq!(config.rate_limits.email_sent, Some(2));
        assert_eq!(config.rate_limits.token_refresh, Some(150));
        assert_eq!(config.rate_limits.sign_in_sign_ups, Some(30));
        assert_eq!(config.rate_limits.anonymous_users, None);
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
