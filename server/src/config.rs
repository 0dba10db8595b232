//! Server configuration, read once from the environment at start-up.
//!
//! `cargo leptos` passes the `LEPTOS_*` variables (address, site root, bundle name) to the binary
//! it builds; the defaults match `[[workspace.metadata.leptos]]` in the workspace `Cargo.toml`.
//! `SUPABASE_URL` with `SUPABASE_PUBLISHABLE_KEY` selects a Supabase project; without them the
//! embedded local-auth is used, except in production (`LEPTOS_ENV=PROD`), where that takes
//! `LOCAL_AUTH_IN_PRODUCTION=true`. `SITE_URL`, `AUTH_COOKIE_NAME` and `AUTH_COOKIE_HTTP_ONLY` shape
//! the session cookies; `THIRD_PARTY_AUTH` (with `THIRD_PARTY_AUTH_AUDIENCE` and
//! `THIRD_PARTY_AUTH_COOKIE`) names a third-party provider whose tokens sign users in too.

use std::{fmt, net::SocketAddr};

use leptos::config::{LeptosOptions, errors::LeptosConfigError, get_configuration};

/// Everything the server needs to start.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the site is served from and how its WASM bundle is named.
    pub leptos: LeptosOptions,
    /// Which Supabase Auth server the app talks to.
    pub auth: AuthBackend,
    /// How the session cookies are written.
    pub session: SessionSettings,
    /// The app's database (`DATABASE_URL`), if configured. Its password never appears in logs.
    pub database: app::data::Database,
    /// CAPTCHA in the forms (`CAPTCHA_PROVIDER` and `CAPTCHA_SITE_KEY`), when the project checks
    /// it.
    pub captcha: Option<app::components::Captcha>,
    /// The chains whose wallets may sign in (`WEB3_SIGN_IN`).
    pub wallets: app::auth::Wallets,
}

/// How the session cookies are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionSettings {
    /// The public URL of the site (`SITE_URL`, default `http://<LEPTOS_SITE_ADDR>`). Cookies are
    /// `Secure` when it is https.
    pub site_url: url::Url,
    /// Overrides the cookie name (`AUTH_COOKIE_NAME`, default `sb-<first host label>-auth-token`
    /// as @supabase/ssr names it).
    pub cookie_name: Option<String>,
    /// Marks the cookies `HttpOnly` (`AUTH_COOKIE_HTTP_ONLY=true`). Scripts in the page then cannot
    /// read the session, so browser-side Supabase calls need a server function in between.
    pub http_only: bool,
    /// The header a reverse proxy in front of the app puts the client's address in
    /// (`TRUSTED_PROXY_IP_HEADER`, such as `X-Forwarded-For`; its last address counts). Unset, the
    /// peer address is the client. Rate limits and the auth server's limits count clients by it.
    pub client_ip_header: Option<axum::http::HeaderName>,
    /// How many attempts of each kind (sign-in, sign-up, code request, code entry, MFA code) one
    /// client address gets per window (`AUTH_ATTEMPTS_PER_CLIENT`, default 100 per 10 minutes).
    /// Each account address gets 10 per 15 minutes whatever this says.
    pub attempts_per_client: app::auth::limits::Limit,
    /// Which third-party issuer's tokens also sign users in (`THIRD_PARTY_AUTH`).
    pub third_party: ThirdParty,
    /// The audience a third-party token must carry (`THIRD_PARTY_AUTH_AUDIENCE`); Firebase
    /// tokens are always checked for the project's.
    pub third_party_audience: Option<String>,
    /// The cookie the third-party token is read from (`THIRD_PARTY_AUTH_COOKIE`, default
    /// `__session`).
    pub third_party_cookie: String,
}

/// A cookie name `variable` gives: letters, digits, `-` and `_` only.
fn check_cookie_name(variable: &'static str, name: &str) -> Result<(), ConfigError> {
    if name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    {
        return Ok(());
    }
    Err(ConfigError::Invalid {
        variable,
        problem: format!("`{name}` may hold only letters, digits, `-` and `_`"),
    })
}

/// Which third-party issuer the server trusts besides the project's auth server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ThirdParty {
    /// `THIRD_PARTY_AUTH` unset: the embedded local-auth's development issuer when its
    /// configuration enables one (`[auth.third_party.<provider>]`), none for a project.
    #[default]
    FromBackend,
    /// `THIRD_PARTY_AUTH=none`.
    Off,
    /// `THIRD_PARTY_AUTH=<provider>:<setting>`: that provider's real issuer.
    Trust(supabase_ssr::third_party::Issuer),
}

impl SessionSettings {
    /// The settings `lookup` (an environment) gives for the site described by `leptos`.
    pub fn from_lookup(
        leptos: &LeptosOptions,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let lookup = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let site_url = match lookup("SITE_URL") {
            Some(url) => url::Url::parse(&url)
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https"))
                .ok_or_else(|| ConfigError::Invalid {
                    variable: "SITE_URL",
                    problem: format!("`{url}` is not an http(s) URL"),
                })?,
            None => url::Url::parse(&format!("http://{}", leptos.site_addr))
                .expect("a socket address forms a valid URL"),
        };
        let cookie_name = lookup("AUTH_COOKIE_NAME");
        if let Some(name) = &cookie_name {
            check_cookie_name("AUTH_COOKIE_NAME", name)?;
        }
        let http_only = match lookup("AUTH_COOKIE_HTTP_ONLY").as_deref() {
            None | Some("false" | "0") => false,
            Some("true" | "1") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    variable: "AUTH_COOKIE_HTTP_ONLY",
                    problem: format!("`{other}` is not true or false"),
                });
            }
        };
        let client_ip_header = lookup("TRUSTED_PROXY_IP_HEADER")
            .map(|name| {
                axum::http::HeaderName::try_from(name.trim()).map_err(|_| ConfigError::Invalid {
                    variable: "TRUSTED_PROXY_IP_HEADER",
                    problem: format!("`{name}` is not a header name"),
                })
            })
            .transpose()?;
        let mut attempts_per_client = app::auth::limits::Limit::PER_CLIENT;
        if let Some(attempts) = lookup("AUTH_ATTEMPTS_PER_CLIENT") {
            attempts_per_client.attempts =
                attempts.trim().parse().map_err(|_| ConfigError::Invalid {
                    variable: "AUTH_ATTEMPTS_PER_CLIENT",
                    problem: format!("`{attempts}` is not a count"),
                })?;
        }
        let third_party = match lookup("THIRD_PARTY_AUTH").as_deref().map(str::trim) {
            None => ThirdParty::FromBackend,
            Some("none") => ThirdParty::Off,
            Some(spec) => {
                ThirdParty::Trust(supabase_ssr::third_party::Issuer::from_spec(spec).map_err(
                    |error| ConfigError::Invalid {
                        variable: "THIRD_PARTY_AUTH",
                        problem: error.to_string(),
                    },
                )?)
            }
        };
        let third_party_cookie = lookup("THIRD_PARTY_AUTH_COOKIE")
            .map(|name| name.trim().to_owned())
            .unwrap_or_else(|| supabase_ssr::axum::THIRD_PARTY_COOKIE.to_owned());
        check_cookie_name("THIRD_PARTY_AUTH_COOKIE", &third_party_cookie)?;
        Ok(Self {
            site_url,
            cookie_name,
            http_only,
            client_ip_header,
            attempts_per_client,
            third_party,
            third_party_audience: lookup("THIRD_PARTY_AUTH_AUDIENCE")
                .map(|audience| audience.trim().to_owned()),
            third_party_cookie,
        })
    }
}

/// The Supabase Auth server behind the app.
#[derive(Clone)]
pub enum AuthBackend {
    /// A Supabase project.
    Project {
        /// The project URL, such as `https://abcd.supabase.co`.
        url: String,
        /// The publishable (anon) key.
        publishable_key: String,
        /// The secret key (`SUPABASE_SECRET_KEY`, `sb_secret_…`), when the app forwards its
        /// users' addresses (IP address forwarding); server-only, never printed.
        secret_key: Option<String>,
    },
    /// local-auth, started in this process (`LOCAL_AUTH_*` variables configure it).
    #[cfg(feature = "local-auth")]
    Embedded(Box<local_auth::Config>),
}

impl fmt::Debug for AuthBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Project {
                url, secret_key, ..
            } => f
                .debug_struct("Project")
                .field("url", url)
                .field("publishable_key", &"[redacted]")
                .field("secret_key", &secret_key.as_ref().map(|_| "[redacted]"))
                .finish(),
            #[cfg(feature = "local-auth")]
            Self::Embedded(config) => f.debug_tuple("Embedded").field(config).finish(),
        }
    }
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A `LEPTOS_*` variable is malformed.
    #[error("invalid Leptos configuration: {0}")]
    Leptos(#[from] LeptosConfigError),
    /// The binary was built by plain `cargo`, so it does not know the name of its WASM bundle.
    #[error(
        "LEPTOS_OUTPUT_NAME is not set: build the server with `cargo leptos build` \
         (or set LEPTOS_OUTPUT_NAME to the bundle name, `app`)"
    )]
    MissingOutputName,
    /// A variable is missing or malformed.
    #[error("{variable}: {problem}")]
    Invalid {
        /// The variable at fault.
        variable: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The embedded local-auth's configuration is malformed.
    #[cfg(feature = "local-auth")]
    #[error("{0}")]
    LocalAuth(#[from] local_auth::ConfigError),
}

impl Config {
    /// Reads the configuration from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let leptos = get_configuration(None)?.leptos_options;
        if leptos.output_name.is_empty() {
            return Err(ConfigError::MissingOutputName);
        }
        check_site(&leptos)?;
        let env = |name: &str| std::env::var(name).ok();
        let auth = AuthBackend::from_lookup(&leptos, env)?;
        let session = SessionSettings::from_lookup(&leptos, env)?;
        let database = database_from_lookup(env)?;
        let captcha = captcha_from_lookup(env)?;
        let wallets = wallets_from_lookup(env, &auth)?;
        Ok(Self {
            leptos,
            auth,
            session,
            database,
            captcha,
            wallets,
        })
    }

    /// The address to listen on (`LEPTOS_SITE_ADDR`).
    pub fn addr(&self) -> SocketAddr {
        self.leptos.site_addr
    }
}

/// Refuses a site root without the built bundle (`<LEPTOS_SITE_ROOT>/pkg`): pages would go out
/// unstyled and never hydrate, every asset a 404, and nothing would say why.
pub fn check_site(leptos: &LeptosOptions) -> Result<(), ConfigError> {
    let pkg = std::path::Path::new(&*leptos.site_root).join(&*leptos.site_pkg_dir);
    if pkg.is_dir() {
        return Ok(());
    }
    Err(ConfigError::Invalid {
        variable: "LEPTOS_SITE_ROOT",
        problem: format!(
            "`{}` holds no built site ({} is missing): run `cargo leptos build`, or point \
             LEPTOS_SITE_ROOT at the `site` folder of the production build",
            leptos.site_root,
            pkg.display()
        ),
    })
}

/// The chains whose wallets sign in: `WEB3_SIGN_IN` (`ethereum`, `solana`, both comma-separated,
/// or `none`), as the project's `[auth.web3.<chain>] enabled` (Supabase Auth's `/settings` does
/// not say). Unset: the embedded local-auth's chains, or none for a project.
pub fn wallets_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
    auth: &AuthBackend,
) -> Result<app::auth::Wallets, ConfigError> {
    use app::auth::wallet::Chain;

    let Some(listed) = lookup("WEB3_SIGN_IN").filter(|value| !value.trim().is_empty()) else {
        return Ok(app::auth::Wallets(match auth {
            #[cfg(feature = "local-auth")]
            AuthBackend::Embedded(config) => [
                (Chain::Ethereum, config.web3.ethereum.enabled),
                (Chain::Solana, config.web3.solana.enabled),
            ]
            .into_iter()
            .filter_map(|(chain, on)| on.then_some(chain))
            .collect(),
            AuthBackend::Project { .. } => Vec::new(),
        }));
    };
    if listed.trim() == "none" {
        return Ok(app::auth::Wallets::default());
    }
    let mut chains = Vec::new();
    for name in listed.split(',') {
        let chain = Chain::parse(name).ok_or_else(|| ConfigError::Invalid {
            variable: "WEB3_SIGN_IN",
            problem: format!("`{}` is not `ethereum` or `solana`", name.trim()),
        })?;
        if !chains.contains(&chain) {
            chains.push(chain);
        }
    }
    Ok(app::auth::Wallets(chains))
}

/// CAPTCHA in the forms: `CAPTCHA_PROVIDER` (`hcaptcha` or `turnstile`, as the project's
/// `[auth.captcha] provider`) with the provider's `CAPTCHA_SITE_KEY`; neither, no CAPTCHA. One
/// without the other stops the server.
pub fn captcha_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<app::components::Captcha>, ConfigError> {
    use app::components::{Captcha, CaptchaProvider};

    let lookup = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    match (lookup("CAPTCHA_PROVIDER"), lookup("CAPTCHA_SITE_KEY")) {
        (None, None) => Ok(None),
        (Some(provider), Some(site_key)) => {
            let provider = match provider.trim() {
                "hcaptcha" => CaptchaProvider::Hcaptcha,
                "turnstile" => CaptchaProvider::Turnstile,
                other => {
                    return Err(ConfigError::Invalid {
                        variable: "CAPTCHA_PROVIDER",
                        problem: format!("`{other}` is not `hcaptcha` or `turnstile`"),
                    });
                }
            };
            Ok(Some(Captcha {
                provider,
                site_key: site_key.trim().to_owned(),
            }))
        }
        (Some(_), None) => Err(ConfigError::Invalid {
            variable: "CAPTCHA_SITE_KEY",
            problem: "must be set with CAPTCHA_PROVIDER: the provider's site key".into(),
        }),
        (None, Some(_)) => Err(ConfigError::Invalid {
            variable: "CAPTCHA_PROVIDER",
            problem: "must be set with CAPTCHA_SITE_KEY: `hcaptcha` or `turnstile`".into(),
        }),
    }
}

/// The database `DATABASE_URL` names (a `postgres://` connection string), or none. A malformed
/// one stops the server; the message never repeats it, since it carries a password.
pub fn database_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<app::data::Database, ConfigError> {
    match lookup("DATABASE_URL").filter(|url| !url.trim().is_empty()) {
        None => Ok(app::data::Database::none()),
        Some(url) => {
            app::data::Database::connect_lazy(url.trim()).map_err(|_| ConfigError::Invalid {
                variable: "DATABASE_URL",
                problem: "is not a PostgreSQL connection string \
                          (postgres://user:password@host:port/database)"
                    .into(),
            })
        }
    }
}

impl AuthBackend {
    /// The backend `lookup` (an environment) selects for the site described by `leptos`.
    pub fn from_lookup(
        leptos: &LeptosOptions,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let lookup = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        if let Some(url) = lookup("SUPABASE_URL") {
            let parsed = url::Url::parse(&url).map_err(|error| ConfigError::Invalid {
                variable: "SUPABASE_URL",
                problem: format!("`{url}` is not a URL: {error}"),
            })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(ConfigError::Invalid {
                    variable: "SUPABASE_URL",
                    problem: format!("`{url}` is not an http(s) URL"),
                });
            }
            let publishable_key = lookup("SUPABASE_PUBLISHABLE_KEY")
                .or_else(|| lookup("SUPABASE_ANON_KEY"))
                .ok_or(ConfigError::Invalid {
                    variable: "SUPABASE_PUBLISHABLE_KEY",
                    problem:
                        "must be set with SUPABASE_URL (the project's publishable or anon key)"
                            .into(),
                })?;
            let secret_key = lookup("SUPABASE_SECRET_KEY")
                .map(|key| key.trim().to_owned())
                .map(|key| {
                    // Only the new secret keys may forward addresses; a legacy service_role JWT
                    // would be taken for the user's own token.
                    if key.starts_with("sb_secret_") {
                        Ok(key)
                    } else {
                        Err(ConfigError::Invalid {
                            variable: "SUPABASE_SECRET_KEY",
                            problem: "is not a secret API key (sb_secret_…): legacy \
                                      service_role keys cannot forward addresses"
                                .into(),
                        })
                    }
                })
                .transpose()?;
            return Ok(Self::Project {
                url: url.trim_end_matches('/').to_owned(),
                publishable_key,
                secret_key,
            });
        }
        // A forgotten SUPABASE_URL must not quietly put a development auth server (open mailbox,
        // an identity provider that signs in as anyone) in front of production users.
        let allowed = matches!(
            lookup("LOCAL_AUTH_IN_PRODUCTION").as_deref(),
            Some("true" | "1")
        );
        if leptos.env == leptos::config::Env::PROD && !allowed {
            return Err(ConfigError::Invalid {
                variable: "SUPABASE_URL",
                problem: "must be set in production (LEPTOS_ENV=PROD): the embedded local-auth \
                          is a development server. Set SUPABASE_URL and SUPABASE_PUBLISHABLE_KEY \
                          to your project, or LOCAL_AUTH_IN_PRODUCTION=true to run local-auth \
                          anyway"
                    .into(),
            });
        }
        Self::embedded(leptos)
    }

    #[cfg(feature = "local-auth")]
    fn embedded(leptos: &LeptosOptions) -> Result<Self, ConfigError> {
        // Unless configured otherwise, links in mails lead back to this app.
        let defaults = local_auth::Config {
            site_url: url::Url::parse(&format!("http://{}", leptos.site_addr))
                .expect("a socket address forms a valid URL"),
            ..local_auth::Config::default()
        };
        let config = local_auth::Config::from_env_over(defaults)?;
        Ok(Self::Embedded(Box::new(config)))
    }

    #[cfg(not(feature = "local-auth"))]
    fn embedded(_: &LeptosOptions) -> Result<Self, ConfigError> {
        Err(ConfigError::Invalid {
            variable: "SUPABASE_URL",
            problem: "must be set: this build has no embedded local-auth".into(),
        })
    }
}
