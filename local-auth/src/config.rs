//! Configuration: the settings of the Supabase CLI's `[auth]` section, with the CLI's defaults,
//! overridable through `LOCAL_AUTH_*` environment variables.

use std::{env, fmt, net::SocketAddr, path::PathBuf, str::FromStr};

use url::Url;

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
    pub jwt_secret: Option<JwtSecret>,
    /// Whether refreshing rotates the refresh token (`LOCAL_AUTH_ENABLE_REFRESH_TOKEN_ROTATION`).
    pub enable_refresh_token_rotation: bool,
    /// Seconds during which a just-rotated refresh token may still be used
    /// (`LOCAL_AUTH_REFRESH_TOKEN_REUSE_INTERVAL`, default 10).
    pub refresh_token_reuse_interval: u64,
    /// Whether new users may sign up (`LOCAL_AUTH_ENABLE_SIGNUP`).
    pub enable_signup: bool,
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

/// The legacy HS256 signing secret; prints as `[redacted]`.
#[derive(Clone)]
pub struct JwtSecret(String);

impl JwtSecret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret's bytes, for signing.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for JwtSecret {
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
            .finish_non_exhaustive()
    }
}

/// A configuration value that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
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
            enable_confirmations: true,
            double_confirm_changes: true,
            secure_password_change: false,
            minimum_password_length: 6,
            email_max_frequency: 60,
            email_otp_expiry: 3600,
            email_links: EmailLinks::App,
            bcrypt_cost: bcrypt::DEFAULT_COST,
            data_dir: PathBuf::from("local-auth-data"),
        }
    }
}

impl Config {
    /// The defaults, overridden by any `LOCAL_AUTH_*` variable that is set.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut config = Self::default();
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
        config.jwt_secret = var("LOCAL_AUTH_JWT_SECRET").map(JwtSecret);
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
        Ok(config)
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
                variable,
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
