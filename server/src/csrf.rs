//! Cross-site request protection for every state-changing request (server functions, auth
//! routes): the browser's `Sec-Fetch-Site`, else its `Origin`, must say the request comes from
//! this site. Same-origin forms keep working without JavaScript; clients that are not browsers
//! send neither header and cannot carry a victim's cookies, so they pass.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The scheme the site is served with (`http` or `https`, from `SITE_URL`): an `Origin` must
/// carry it as well as the request's `Host`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiteScheme(pub &'static str);

impl SiteScheme {
    /// The scheme of `site`.
    pub fn of(site: &url::Url) -> Self {
        Self(if site.scheme() == "https" {
            "https"
        } else {
            "http"
        })
    }
}

/// Refuses cross-site non-GET requests with 403.
pub async fn reject_cross_site(
    State(scheme): State<SiteScheme>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe_method(request.method()) || is_same_site(request.headers(), scheme) {
        next.run(request).await
    } else {
        log_refusal(request.method(), request.uri().path());
        (StatusCode::FORBIDDEN, "cross-site request refused").into_response()
    }
}

/// At most one warning per [`LOG_EVERY_SECS`], counting the refusals in between, so a flood of
/// cross-site posts cannot flood the log.
const LOG_EVERY_SECS: u64 = 10;

fn log_refusal(method: &Method, path: &str) {
    static LAST_LOGGED: AtomicU64 = AtomicU64::new(0);
    static UNLOGGED: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let last = LAST_LOGGED.load(Ordering::Relaxed);
    if now >= last + LOG_EVERY_SECS
        && LAST_LOGGED
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        let more = UNLOGGED.swap(0, Ordering::Relaxed);
        tracing::warn!(
            "refused a cross-site {method} {path} (and {more} more since the last report)"
        );
    } else {
        UNLOGGED.fetch_add(1, Ordering::Relaxed);
    }
}

fn is_safe_method(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn is_same_site(headers: &HeaderMap, SiteScheme(scheme): SiteScheme) -> bool {
    let text = |name| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        // `none`: the user typed the address or used a bookmark.
        return matches!(site, "same-origin" | "none");
    }
    match text(header::ORIGIN) {
        Some(origin) => {
            let authority = origin
                .strip_prefix(scheme)
                .and_then(|rest| rest.strip_prefix("://"));
            authority.is_some() && authority == text(header::HOST)
        }
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    header::HeaderName::from_static(name),
                    value.parse().unwrap(),
                )
            })
            .collect()
    }

    const HTTP: SiteScheme = SiteScheme("http");

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(is_same_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            HTTP
        ));
        assert!(is_same_site(&headers(&[("sec-fetch-site", "none")]), HTTP));
        assert!(!is_same_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            HTTP
        ));
        assert!(!is_same_site(
            &headers(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://app.test"),
                ("host", "app.test"),
            ]),
            HTTP
        ));
    }

    #[test]
    fn otherwise_the_origin_must_match_the_host() {
        let same = headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);
        let other = headers(&[("origin", "https://evil.test"), ("host", "127.0.0.1:3000")]);
        let opaque = headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]);

        let other_scheme = headers(&[
            ("origin", "https://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);

        assert!(is_same_site(&same, HTTP));
        assert!(!is_same_site(&other, HTTP));
        assert!(!is_same_site(&opaque, HTTP));
        assert!(!is_same_site(&other_scheme, HTTP));
        assert!(is_same_site(&other_scheme, SiteScheme("https")));
        assert!(!is_same_site(&same, SiteScheme("https")));
    }

    #[test]
    fn requests_without_browser_headers_pass() {
        assert!(is_same_site(&headers(&[("host", "127.0.0.1:3000")]), HTTP));
    }
}
