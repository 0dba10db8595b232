//! Auth hooks, as upstream's `internal/hooks` runs them: `[auth.hook.<name>]` in
//! `supabase/config.toml` (`enabled`, `uri`, `secrets`) points a hook at a PostgreSQL function
//! (`pg-functions://postgres/<schema>/<function>`, see `postgres.rs`) or an HTTP endpoint signed
//! with Standard Webhooks (`https://…`, or `http://` to this machine, see `http.rs`). Each hook
//! gets upstream's event JSON and answers upstream's output JSON; a hook that fails answers the
//! request with upstream's error for that failure.
//!
//! The start-up checks ([`Hooks::start`]) refuse a hook that cannot run — an unknown scheme, a bad
//! function name, a malformed secret, a PostgreSQL hook without a database — naming the hook and
//! the reason. Failures at run time are logged with the hook's name and URI.

pub mod attempts;
mod http;
mod postgres;
pub mod token;

use std::{net::IpAddr, time::Duration};

use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;

use crate::error::{ApiError, ApiResult, ErrorCode};

pub use crate::config::{HookConfig, HookName};

impl HookName {
    /// The name in the event's `metadata.name`, as upstream writes it.
    fn event_name(self) -> &'static str {
        match self {
            Self::CustomAccessToken => "customize-access-token",
            Self::SendEmail => "send-email",
            Self::SendSms => "send-sms",
            Self::MfaVerificationAttempt => "mfa-verification",
            Self::PasswordVerificationAttempt => "password-verification",
            Self::BeforeUserCreated => "before-user-created",
        }
    }
}

/// Where a hook runs.
#[derive(Clone, Debug)]
enum Target {
    /// A PostgreSQL function, quoted as `"schema"."function"`.
    Postgres(String),
    /// An HTTP endpoint and the keys its requests are signed with.
    Http(http::Endpoint),
}

/// A hook ready to run.
#[derive(Clone, Debug)]
struct Hook {
    name: HookName,
    uri: String,
    target: Target,
}

/// The enabled hooks; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Hooks {
    hooks: Vec<Hook>,
    /// The database PostgreSQL hooks run in, as `supabase_auth_admin`.
    database: Option<PgPool>,
    client: Option<reqwest::Client>,
}

/// Why a hook cannot run, found at start.
#[derive(Debug, thiserror::Error)]
#[error("[auth.hook.{hook}] {uri}: {problem}")]
pub struct HookError {
    /// The hook's key.
    pub hook: &'static str,
    /// Its URI.
    pub uri: String,
    /// What is wrong.
    pub problem: String,
}

impl Hooks {
    /// Checks each configured hook and readies it; `database` is the pool of
    /// `LOCAL_AUTH_DATABASE_URL`, which PostgreSQL hooks need.
    pub fn start(configs: &[HookConfig], database: Option<&PgPool>) -> Result<Self, HookError> {
        let mut hooks = Vec::new();
        for config in configs {
            let fail = |problem: String| HookError {
                hook: config.name.key(),
                uri: config.uri.clone(),
                problem,
            };
            let url = url::Url::parse(&config.uri).map_err(|error| fail(error.to_string()))?;
            let target = match url.scheme() {
                "pg-functions" => {
                    if database.is_none() {
                        return Err(fail(
                            "PostgreSQL hooks run in the app's database, and local-auth has \
                             none: set LOCAL_AUTH_DATABASE_URL (`cargo xtask dev` starts one and \
                             sets it), or turn the hook off"
                                .to_owned(),
                        ));
                    }
                    Target::Postgres(postgres::function_name(&url).map_err(fail)?)
                }
                "http" | "https" => {
                    Target::Http(http::Endpoint::new(url, &config.secrets).map_err(fail)?)
                }
                _ => {
                    return Err(fail(
                        "only postgres hooks and HTTPS functions are supported at the moment"
                            .to_owned(),
                    ));
                }
            };
            hooks.push(Hook {
                name: config.name,
                uri: config.uri.clone(),
                target,
            });
        }
        let client = hooks
            .iter()
            .any(|hook| matches!(hook.target, Target::Http(_)))
            .then(http::client);
        Ok(Self {
            hooks,
            database: database.cloned(),
            client,
        })
    }

    /// Whether `name` is configured.
    pub fn enabled(&self, name: HookName) -> bool {
        self.hooks.iter().any(|hook| hook.name == name)
    }

    /// Runs hook `name` with `payload` (the event's fields besides `metadata`); returns its output
    /// (`None` for an HTTP 204 or a function that returns null), or `None` when the hook is off.
    /// A failure is upstream's answer for it, and is logged with the hook's URI.
    pub async fn run(&self, name: HookName, payload: Value) -> ApiResult<Option<Value>> {
        let Some(hook) = self.hooks.iter().find(|hook| hook.name == name) else {
            return Ok(None);
        };
        let mut event = serde_json::json!({ "metadata": Metadata::new(name) });
        if let (Some(event), Value::Object(payload)) = (event.as_object_mut(), payload) {
            event.extend(payload);
        }
        let started = std::time::Instant::now();
        let result = match &hook.target {
            Target::Postgres(function) => {
                let database = self.database.as_ref().expect("checked at start");
                postgres::call(database, function, &event).await
            }
            Target::Http(endpoint) => {
                let client = self.client.as_ref().expect("made at start");
                endpoint.call(client, &event).await
            }
        };
        let duration = started.elapsed().as_micros();
        let output = result
            .and_then(|output| match output {
                Some(output) => check_error(&output).map(|()| Some(output)),
                None => Ok(None),
            })
            .map_err(|failure| {
                tracing::warn!(
                    action = "run_hook",
                    name = hook.name.key(),
                    hook = %hook.uri,
                    success = false,
                    duration,
                    error = %failure.cause,
                    "Hook errored out"
                );
                failure.answer.unwrap_or_else(|| {
                    ApiError::failure(format!("Error running hook URI: {}", hook.uri))
                })
            })?;
        tracing::debug!(
            action = "run_hook",
            name = hook.name.key(),
            hook = %hook.uri,
            success = true,
            duration,
            "Hook ran successfully"
        );
        Ok(output)
    }
}

/// A hook that failed: what to log, and the answer when it is not upstream's generic
/// `Error running hook URI`.
#[derive(Debug)]
struct Failure {
    cause: String,
    answer: Option<ApiError>,
}

impl Failure {
    /// A failure answered with the generic 500.
    fn generic(cause: impl std::fmt::Display) -> Self {
        Self {
            cause: cause.to_string(),
            answer: None,
        }
    }

    /// A failure with an answer of its own.
    fn answered(answer: ApiError) -> Self {
        Self {
            cause: answer.message.clone(),
            answer: Some(answer),
        }
    }
}

/// The `metadata` of every event.
#[derive(Serialize)]
struct Metadata {
    uuid: uuid::Uuid,
    time: chrono::DateTime<chrono::Utc>,
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip_address: Option<IpAddr>,
}

impl Metadata {
    fn new(name: HookName) -> Self {
        Self {
            uuid: uuid::Uuid::new_v4(),
            time: chrono::Utc::now(),
            name: name.event_name(),
            ip_address: crate::rate_limit::Client::current().map(|client| client.0),
        }
    }
}

/// Upstream's `hookserrors.Check`: an output `{"error": {"message": …, "http_code": …}}` with a
/// message is the hook refusing; its status (500 when it names none) and message are the answer.
fn check_error(output: &Value) -> Result<(), Failure> {
    let Some(error) = output.get("error").filter(|error| error.is_object()) else {
        return Ok(());
    };
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if message.is_empty() {
        return Ok(());
    }
    let status = error
        .get("http_code")
        .and_then(Value::as_u64)
        .and_then(|code| u16::try_from(code).ok())
        .and_then(|code| axum::http::StatusCode::from_u16(code).ok())
        .filter(|status| !status.is_informational() && !status.is_success())
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    let code = if status == axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        ErrorCode::UnexpectedFailure
    } else {
        ErrorCode::Unknown
    };
    Err(Failure::answered(ApiError::new(status, code, message)))
}

/// The longest any hook may take: PostgreSQL's statement timeout.
pub const POSTGRES_TIMEOUT: Duration = Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hooks_error_output_is_its_answer() {
        let refused = check_error(&serde_json::json!({
            "error": { "http_code": 403, "message": "Not on the list" }
        }))
        .unwrap_err()
        .answer
        .unwrap();
        assert_eq!(refused.status.as_u16(), 403);
        assert_eq!(refused.message, "Not on the list");
        assert_eq!(refused.code, ErrorCode::Unknown);

        let no_status = check_error(&serde_json::json!({ "error": { "message": "boom" } }))
            .unwrap_err()
            .answer
            .unwrap();
        assert_eq!(no_status.status.as_u16(), 500);
        assert_eq!(no_status.code, ErrorCode::UnexpectedFailure);

        assert!(check_error(&serde_json::json!({ "error": { "http_code": 400 } })).is_ok());
        assert!(check_error(&serde_json::json!({ "claims": {} })).is_ok());
    }

    #[tokio::test]
    async fn hooks_are_read_from_the_file_and_checked_at_start() {
        let file: toml::Table = toml::from_str(
            r#"
            [hook.custom_access_token]
            enabled = true
            uri = "pg-functions://postgres/public/custom_access_token_hook"
            [hook.send_email]
            enabled = false
            uri = "https://example.com/send"
            [hook.send_sms]
            enabled = true
            uri = "http://localhost:9/sms"
            secrets = "v1,whsec_c2VjcmV0|v1,whsec_b3RoZXI="
            "#,
        )
        .unwrap();
        let configs = HookConfig::from_file(file.get("hook")).unwrap();
        assert_eq!(configs.len(), 2);
        assert_eq!(configs[1].secrets.len(), 2);
        let debug = format!("{configs:?}");
        assert!(
            !debug.contains("whsec_"),
            "secrets stay out of Debug: {debug}"
        );

        let error = Hooks::start(&configs, None).unwrap_err();
        assert_eq!(error.hook, "custom_access_token");
        assert!(error.problem.contains("LOCAL_AUTH_DATABASE_URL"), "{error}");

        for (uri, problem) in [
            ("ftp://example.com/hook", "only postgres hooks"),
            ("http://example.com/hook", "only localhost"),
            (
                "pg-functions://postgres/public",
                "does not contain enough parts",
            ),
            (
                "pg-functions://postgres/public/drop table",
                "invalid function name",
            ),
        ] {
            let config = HookConfig {
                name: HookName::SendSms,
                uri: uri.to_owned(),
                secrets: vec!["v1,whsec_c2VjcmV0".to_owned()],
            };
            let pool = sqlx::postgres::PgPoolOptions::new()
                .connect_lazy("postgres://localhost/none")
                .unwrap();
            let error = Hooks::start(&[config], Some(&pool)).unwrap_err();
            assert!(error.to_string().contains(problem), "{uri}: {error}");
        }
        let bad_secret = HookConfig {
            name: HookName::SendSms,
            uri: "https://example.com/hook".to_owned(),
            secrets: vec!["whsec_c2VjcmV0".to_owned()],
        };
        assert!(Hooks::start(&[bad_secret], None).is_err());

        let unknown: toml::Table = toml::from_str("[hook.after_lunch]\nenabled = true").unwrap();
        assert!(HookConfig::from_file(unknown.get("hook")).is_err());
    }
}
