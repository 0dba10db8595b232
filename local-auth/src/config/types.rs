//! [`Config`] and the values it holds: what local-auth runs with once the settings are read.

use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr};

use url::Url;

use super::{HookConfig, TemplateFiles};
use crate::password::PasswordRules;

/// Declares [`Config`] and `Config::empty`: every field at its type's default (what a setting
/// without a default leaves unset), or, for a type without one, at the value after `=`. The
/// defaults of [`super::SETTINGS`] then apply ([`Config::default`]), so a field is declared here
/// and its setting once there.
macro_rules! config {
    (
        $(#[$meta:meta])*
        pub struct Config {
            $($(#[$doc:meta])* pub $field:ident: $type:ty $(= $empty:expr)?,)*
        }
    ) => {
        $(#[$meta])*
        pub struct Config {
            $($(#[$doc])* pub $field: $type,)*
        }

        impl Config {
            /// Every field empty, before the defaults of [`super::SETTINGS`].
            pub(super) fn empty() -> Self {
                Self { $($field: config!(@empty $($empty)?),)* }
            }
        }
    };
    (@empty $empty:expr) => { $empty };
    (@empty) => { Default::default() };
}

config! {
    /// Everything local-auth needs to run.
    #[derive(Clone)]
    pub struct Config {
        /// Where the API listens when run as a binary (`LOCAL_AUTH_API_ADDR`, default `127.0.0.1:54321`).
        pub api_addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0)),
        /// Where the mailbox listens (`LOCAL_AUTH_MAILBOX_ADDR`, default `127.0.0.1:54324`).
        pub mailbox_addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0)),
        /// The public base URL of the API, without `/auth/v1` (`LOCAL_AUTH_EXTERNAL_URL`, default
        /// `http://<api_addr>`). Tokens are issued by `<external_url>/auth/v1`.
        pub external_url: Url = Url::parse("http://127.0.0.1/").expect("a valid URL"),
        /// The app's URL: the default and fallback redirect target (`LOCAL_AUTH_SITE_URL`).
        pub site_url: Url = Url::parse("http://127.0.0.1/").expect("a valid URL"),
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
        /// Whether SAML single sign-on is on (`LOCAL_AUTH_SAML_ENABLED`, upstream's
        /// `GOTRUE_SAML_ENABLED`; the Supabase CLI's file has no key for it; default off as
        /// upstream). local-auth cannot check a real identity provider's signed assertions, so
        /// every provider signs in through its development page (see [`crate::dev_saml`]).
        pub saml_enabled: bool,
        /// Email domains of a development SSO provider local-auth keeps registered while SAML is
        /// on (`LOCAL_AUTH_SAML_DEV_DOMAINS`, comma-separated; unset: none), so "Sign in with SSO"
        /// works on this machine without registering a provider through the admin API.
        pub saml_dev_domains: Vec<String>,
        /// The third-party issuer whose tokens the app also trusts (`[auth.third_party.<provider>]`,
        /// one at a time as the CLI allows, or `LOCAL_AUTH_THIRD_PARTY_AUTH` as
        /// [`supabase_ssr::third_party::Issuer::from_spec`] reads it): local-auth serves a
        /// development issuer that signs tokens shaped as that provider's (see
        /// [`crate::third_party`]).
        pub third_party: Option<supabase_ssr::third_party::Issuer>,
        /// The OAuth 2.1 server's client registry (`[auth.oauth_server]`; see
        /// [`crate::api::oauth_clients`]).
        pub oauth_server: OAuthServerConfig,
        /// Sign in with Ethereum and with Solana (`[auth.web3.ethereum]`, `[auth.web3.solana]`,
        /// `LOCAL_AUTH_WEB3_*`; see [`crate::web3`]).
        pub web3: Web3Config,
        /// Phone sign-in settings (`[auth.sms]`, `LOCAL_AUTH_SMS_*`).
        pub sms: SmsConfig,
        /// Phones as second factor (`[auth.mfa.phone]`, `LOCAL_AUTH_MFA_PHONE_*`).
        pub mfa_phone: MfaPhoneConfig,
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
#[derive(Clone, Debug, Default)]
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

/// Phones as second factor: a challenge texts a code (into the development mailbox, marked as SMS,
/// or through the send-SMS hook), which raises the session to `aal2` (amr `mfa/phone`).
#[derive(Clone, Debug, Default)]
pub struct MfaPhoneConfig {
    /// Enrolling phone factors (`enroll_enabled`, `LOCAL_AUTH_MFA_PHONE_ENROLL_ENABLED`).
    pub enroll_enabled: bool,
    /// Challenging and verifying them (`verify_enabled`, `LOCAL_AUTH_MFA_PHONE_VERIFY_ENABLED`).
    pub verify_enabled: bool,
    /// Digits of a code (`otp_length`, `LOCAL_AUTH_MFA_PHONE_OTP_LENGTH`, 6 to 10, default 6).
    pub otp_length: usize,
    /// The text, a Go template of `.Code` (`template`, `LOCAL_AUTH_MFA_PHONE_TEMPLATE`, default
    /// `Your code is {{ .Code }}`).
    pub template: String,
    /// Seconds between two challenges of one factor (`max_frequency`,
    /// `LOCAL_AUTH_MFA_PHONE_MAX_FREQUENCY`, default 5 s).
    pub max_frequency: u64,
}

/// The OAuth 2.1 server (`[auth.oauth_server]`): the project as an identity provider for other
/// applications.
#[derive(Clone, Debug)]
pub struct OAuthServerConfig {
    /// The client registry, the authorization flow and the discovery document (`enabled`,
    /// `LOCAL_AUTH_OAUTH_SERVER_ENABLED`).
    pub enabled: bool,
    /// `POST /oauth/clients/register` for anyone (`allow_dynamic_registration`,
    /// `LOCAL_AUTH_OAUTH_SERVER_ALLOW_DYNAMIC_REGISTRATION`).
    pub allow_dynamic_registration: bool,
    /// The site's consent page, where `/oauth/authorize` sends the browser with an
    /// `authorization_id` (`authorization_url_path`,
    /// `LOCAL_AUTH_OAUTH_SERVER_AUTHORIZATION_URL_PATH`, default `/oauth/consent`).
    pub authorization_url_path: String,
}

impl Default for OAuthServerConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            allow_dynamic_registration: false,
            authorization_url_path: "/oauth/consent".to_owned(),
        }
    }
}

/// Web3 sign-in, per chain.
#[derive(Clone, Debug, Default)]
pub struct Web3Config {
    /// Sign in with Ethereum (EIP-4361).
    pub ethereum: Web3Chain,
    /// Sign in with Solana.
    pub solana: Web3Chain,
}

/// One chain's Web3 sign-in.
#[derive(Clone, Debug, Default)]
pub struct Web3Chain {
    /// Whether it is on (`enabled`).
    pub enabled: bool,
    /// How far a signed message's `Issued At` may lie from now, in seconds, either way
    /// (upstream's `maximum_validity_duration`, default 10 minutes).
    pub maximum_validity: u64,
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
    pub(super) fn for_port(port: u16) -> Self {
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EmailLinks {
    /// To the app's `/auth/confirm?token_hash=…&type=…&next=…`, which verifies on the server, as
    /// Supabase's server-side rendering guides recommend.
    #[default]
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

impl Config {
    /// The token issuer and API base: `<external_url>/auth/v1`.
    pub fn issuer(&self) -> String {
        format!(
            "{}/auth/v1",
            self.external_url.as_str().trim_end_matches('/')
        )
    }

    /// The third-party issuer an app trusts while this local-auth stands in for the provider:
    /// the provider's issuer (as tokens carry it), its keys at local-auth's development issuer.
    pub fn development_third_party(&self) -> Option<supabase_ssr::third_party::Issuer> {
        let discovery = format!("{}{}", self.issuer(), crate::third_party::DISCOVERY_PATH);
        let discovery = Url::parse(&discovery).ok()?;
        Some(self.third_party.clone()?.with_discovery(discovery))
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
#[derive(Clone, Copy, Debug, Default)]
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
    /// SSO sign-ins started per 5 minutes (upstream 30; `LOCAL_AUTH_RATE_LIMIT_SSO`).
    pub sso: u32,
    /// `email_sent`: mails per hour for the whole server (the CLI's 2). Counted only for mail sent
    /// through SMTP: the CLI lifts it for its local mail catcher, as local-auth does for its
    /// mailbox.
    pub email_sent: u32,
    /// `sms_sent`: texts per hour (upstream 30). local-auth sends no text anywhere (they land in
    /// the mailbox), so, as for mail without SMTP, it is read but not counted.
    pub sms_sent: u32,
    /// `web3`: Web3 sign-ins (`/token?grant_type=web3`) per 5 minutes (upstream 30).
    pub web3: u32,
    /// OAuth clients registered dynamically per 5 minutes (upstream 10;
    /// `LOCAL_AUTH_RATE_LIMIT_OAUTH_CLIENT_REGISTER`).
    pub oauth_client_register: u32,
}
