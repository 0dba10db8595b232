//! Configuration: the settings of the Supabase CLI's `[auth]` section, read from
//! `supabase/config.toml` when present (the file `supabase start` reads too), overridden by
//! `LOCAL_AUTH_*` environment variables. One file per concern:
//!
//! - `types.rs`: [`Config`] and the values it holds;
//! - `settings.rs`: [`SETTINGS`], which declares each setting once (variable, file key,
//!   default, how it is read); the defaults, the file and the environment all follow it, and a
//!   test of the server holds the README's table to it;
//! - `file.rs`: reading the file; `env.rs`: reading the environment ([`Config::from_env`]);
//! - `hooks.rs` and `templates.rs`: the `[auth.hook.*]` and `[auth.email.*]` sections.

mod env;
mod file;
mod hooks;
mod settings;
mod templates;
mod types;

pub(crate) use self::settings::parse_duration;
pub use self::{
    file::CONFIG_FILE_VARIABLE,
    hooks::{HookConfig, HookName},
    settings::{SETTINGS, Setting},
    templates::{Notification, Template, TemplateFile, TemplateFiles},
    types::{
        Captcha, CaptchaProvider, Config, ConfigError, EmailLinks, KNOWN_PROVIDERS, RateLimits,
        Secret, SessionsConfig, SmsConfig, SmtpConfig, SmtpTls, Web3Chain, Web3Config,
        WebauthnConfig,
    },
};
