//! Cross-site request protection for every state-changing request (server functions, auth
//! routes): the browser's `Sec-Fetch-Site`, else its `Origin`, must say the request comes from
//! this site. Same-origin forms keep working without JavaScript; clients that are not browsers
//! send neither header and cannot carry a victim's cookies, so they pass.

use axum::{
    extract::Request,
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Refuses cross-site non-GET requests with 403.
pub async fn reject_cross_site(request: Request, next: Next) -> Response {
    if is_safe_method(request.method()) || is_same_site(request.headers()) {
        next.run(request).await
    } else {
        tracing::warn!(
            "refused a cross-site {} {}",
            request.method(),
            request.uri().path()
        );
        (StatusCode::FORBIDDEN, "cross-site request refused").into_response()
    }
}

fn is_safe_method(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn is_same_site(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        // `none`: the user typed the address or used a bookmark.
        return matches!(site, "same-origin" | "none");
    }
    match text(header::ORIGIN) {
        Some(origin) => {
            let authority = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
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

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(is_same_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(is_same_site(&headers(&[("sec-fetch-site", "none")])));
        assert!(!is_same_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_same_site(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://app.test"),
            ("host", "app.test"),
        ])));
    }

    #[test]
    fn otherwise_the_origin_must_match_the_host() {
        let same = headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);
        let other = headers(&[("origin", "https://evil.test"), ("host", "127.0.0.1:3000")]);
        let opaque = headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]);

        assert!(is_same_site(&same));
        assert!(!is_same_site(&other));
        assert!(!is_same_site(&opaque));
    }

    #[test]
    fn requests_without_browser_headers_pass() {
        assert!(is_same_site(&headers(&[("host", "127.0.0.1:3000")])));
    }
}
