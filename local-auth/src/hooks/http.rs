//! HTTP hooks, as upstream's `hookshttp` calls them: a `POST` of the event signed with Standard
//! Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` per
//! secret), five seconds for the whole call, three attempts two seconds apart when the endpoint
//! cannot be reached (or answers 429/503 with `Retry-After`), an answer of at most 200 KB that
//! must be `application/json` (or a 204), and upstream's errors for each other outcome.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::STANDARD};
use ring::hmac;
use serde_json::Value;

use super::Failure;
use crate::error::{ApiError, ErrorCode};

/// The whole call, retries included.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts when the endpoint cannot be reached.
const ATTEMPTS: u32 = 3;
/// The pause between attempts.
const BACKOFF: Duration = Duration::from_secs(2);
/// The largest answer read.
const PAYLOAD_LIMIT: usize = 200 * 1024;

/// The client HTTP hooks are called with: no redirects followed (a hook's answer is its own),
/// nothing compressed (upstream asks for `identity`).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
        .expect("the HTTP client builds")
}

/// An HTTP hook's URL and signing keys.
#[derive(Clone)]
pub struct Endpoint {
    url: url::Url,
    keys: Vec<hmac::Key>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url.as_str())
            .field("keys", &format_args!("[{} redacted]", self.keys.len()))
            .finish()
    }
}

impl Endpoint {
    /// Checks the URL (`http://` only to this machine, as upstream allows it) and reads each
    /// `v1,whsec_<base64>` secret.
    pub fn new(url: url::Url, secrets: &[String]) -> Result<Self, String> {
        if url.scheme() == "http"
            && !matches!(
                url.host_str(),
                Some("localhost" | "127.0.0.1" | "[::1]" | "host.docker.internal")
            )
        {
            return Err("only localhost, 127.0.0.1, and ::1 are supported with http".to_owned());
        }
        if secrets.is_empty() {
            return Err(
                "an HTTP hook needs `secrets` (v1,whsec_<base64>) to sign its requests".to_owned(),
            );
        }
        let keys = secrets
            .iter()
            .map(|secret| {
                let encoded = secret
                    .strip_prefix("v1,whsec_")
                    .ok_or("invalid secret format: expected v1,whsec_<base64> (asymmetric v1a secrets cannot sign either, upstream refuses them when called)")?;
                let key = STANDARD
                    .decode(encoded)
                    .map_err(|_| "invalid secret format: the part after whsec_ is not base64")?;
                Ok(hmac::Key::new(hmac::HMAC_SHA256, &key))
            })
            .collect::<Result<_, &str>>()
            .map_err(str::to_owned)?;
        Ok(Self { url, keys })
    }

    /// The `webhook-signature` value for one message.
    fn signatures(&self, id: &str, timestamp: i64, payload: &[u8]) -> String {
        let mut signed = format!("{id}.{timestamp}.").into_bytes();
        signed.extend_from_slice(payload);
        self.keys
            .iter()
            .map(|key| format!("v1,{}", STANDARD.encode(hmac::sign(key, &signed))))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Posts `event`; returns the answer's JSON, or `None` for a 204.
    pub async fn call(
        &self,
        client: &reqwest::Client,
        event: &Value,
    ) -> Result<Option<Value>, Failure> {
        let payload = serde_json::to_vec(event).map_err(Failure::generic)?;
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        let timed_out = || {
            Failure::answered(ApiError::unprocessable(
                ErrorCode::HookTimeout,
                format!(
                    "Failed to reach hook within maximum time of {:.6} seconds",
                    TIMEOUT.as_secs_f64()
                ),
            ))
        };
        for attempt in 0..ATTEMPTS {
            let id = uuid::Uuid::new_v4().to_string();
            let timestamp = chrono::Utc::now().timestamp();
            let request = client
                .post(self.url.clone())
                .header("content-type", "application/json")
                .header("webhook-id", &id)
                .header("webhook-timestamp", timestamp.to_string())
                .header(
                    "webhook-signature",
                    self.signatures(&id, timestamp, &payload),
                )
                .header("accept-encoding", "identity")
                .body(payload.clone());
            let sent = tokio::time::timeout_at(deadline, request.send()).await;
            let response = match sent {
                Err(_) => return Err(timed_out()),
                Ok(Err(error)) if error.is_timeout() => return Err(timed_out()),
                Ok(Err(error)) => {
                    tracing::error!(hook = %self.url, "Request failed for attempt {attempt} with err {error}");
                    if attempt + 1 < ATTEMPTS {
                        if tokio::time::timeout_at(deadline, tokio::time::sleep(BACKOFF))
                            .await
                            .is_err()
                        {
                            return Err(timed_out());
                        }
                        continue;
                    }
                    return Err(Failure::answered(ApiError::unprocessable(
                        ErrorCode::HookTimeoutAfterRetry,
                        "Failed to reach hook after maximum retries",
                    )));
                }
                Ok(Ok(response)) => response,
            };
            let status = response.status().as_u16();
            match status {
                204 => return Ok(None),
                200 | 202 => return read_json(response, deadline).await.map(Some),
                429 | 503 if response.headers().contains_key("retry-after") => continue,
                _ => {
                    let message = match status {
                        429 | 503 => "Service currently unavailable due to hook".to_owned(),
                        400 => "Invalid payload sent to hook".to_owned(),
                        401 => "Hook requires authorization token".to_owned(),
                        other => format!("Unexpected status code returned from hook: {other}"),
                    };
                    return Err(Failure::answered(ApiError::failure(message)));
                }
            }
        }
        Err(Failure::answered(ApiError::failure(
            "Service currently unavailable due to hook",
        )))
    }
}

/// Reads a 200/202 answer: `application/json`, at most [`PAYLOAD_LIMIT`] bytes.
async fn read_json(
    mut response: reqwest::Response,
    deadline: tokio::time::Instant,
) -> Result<Value, Failure> {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let invalid = |message: String| {
        Failure::answered(ApiError::bad_request(
            ErrorCode::HookPayloadInvalidContentType,
            message,
        ))
    };
    let Some(content_type) = content_type else {
        return Err(invalid(
            "Invalid Content-Type: Missing Content-Type header".to_owned(),
        ));
    };
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media_type != "application/json" {
        return Err(invalid(format!(
            "Invalid JSON response. Received content-type: {content_type}"
        )));
    }
    let mut body = Vec::new();
    loop {
        let chunk = match tokio::time::timeout_at(deadline, response.chunk()).await {
            Err(_) => return Err(Failure::generic("the hook's answer did not arrive in time")),
            Ok(Err(error)) => return Err(Failure::generic(error)),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => chunk,
        };
        body.extend_from_slice(&chunk);
        if body.len() > PAYLOAD_LIMIT {
            return Err(Failure::answered(ApiError::unprocessable(
                ErrorCode::HookPayloadOverSizeLimit,
                format!("Payload size exceeded size limit of {PAYLOAD_LIMIT} bytes"),
            )));
        }
    }
    serde_json::from_slice(&body).map_err(|error| Failure {
        cause: error.to_string(),
        answer: Some(ApiError::failure("Error unmarshaling JSON output.")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The Standard Webhooks specification's example: secret, id, timestamp, payload, signature.
        let endpoint = Endpoint::new(
            url::Url::parse("https://example.com/hook").unwrap(),
            &["v1,whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned()],
        )
        .unwrap();

        let signature = endpoint.signatures(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );

        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_and_urls_are_checked() {
        let url = |text: &str| url::Url::parse(text).unwrap();
        let secret = ["v1,whsec_c2VjcmV0".to_owned()];
        assert!(Endpoint::new(url("http://127.0.0.1:9/hook"), &secret).is_ok());
        assert!(Endpoint::new(url("http://[::1]:9/hook"), &secret).is_ok());
        assert!(Endpoint::new(url("http://10.0.0.1/hook"), &secret).is_err());
        assert!(Endpoint::new(url("https://example.com/hook"), &[]).is_err());
        assert!(
            Endpoint::new(
                url("https://example.com/hook"),
                &["v1a,whpk_abc".to_owned()]
            )
            .is_err()
        );
        assert!(
            Endpoint::new(url("https://example.com/hook"), &["v1,whsec_!!".to_owned()]).is_err()
        );
        let debug = format!(
            "{:?}",
            Endpoint::new(url("https://example.com/hook"), &secret).unwrap()
        );
        assert!(!debug.contains("c2VjcmV0"), "{debug}");
    }
}
