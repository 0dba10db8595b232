//! The small HTML pages local-auth serves to people: the mailbox and the development identity
//! provider, with the security headers every answer of local-auth carries.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};

use crate::state::AppState;

/// What local-auth's pages may do: show their own inline styles and data images, run no script,
/// and sit in no frame.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                           base-uri 'none'; frame-ancestors 'none'";

/// Middleware: no MIME sniffing, no framing, no referrer (links in mails carry tokens), and the
/// page policy on HTML answers.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"text/html"));
    if is_html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_POLICY),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// Middleware for the mailbox: refuses requests whose `Host` is not a loopback name, so a web page
/// on another site cannot read the mail through DNS rebinding (its name resolved to 127.0.0.1).
/// Skipped when local-auth may listen beyond loopback.
pub async fn loopback_host_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or_default();
    if state.config.allow_remote || is_loopback_host(host) {
        next.run(request).await
    } else {
        (
            StatusCode::FORBIDDEN,
            "the mailbox answers loopback host names only",
        )
            .into_response()
    }
}

/// Whether `host` (a `Host` header: name or address, maybe a port) names this machine.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Escapes text for HTML content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The pages' stylesheet: the app's look (its system font, card, accent and muted colours, light
/// and dark), inline since the pages load nothing.
const STYLE: &str = ":root{--bg:#f6f7f9;--card:#fff;--text:#1b1f24;--muted:#5b6470;--accent:#2563eb;\
--border:#d8dde3;color-scheme:light dark}\
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1a1f26;--text:#e6e9ed;--muted:#9aa4b1;\
--accent:#6ea1ff;--border:#2c333c}}\
body{font-family:system-ui,sans-serif;background:var(--bg);color:var(--text);margin:0}\
main{max-width:52rem;margin:2rem auto;padding:1.5rem;background:var(--card);border:1px solid var(--border);\
border-radius:12px}\
a{color:var(--accent)}h1{margin-top:0}.aside{color:var(--muted);font-size:.9rem}\
.bar{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}\
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.5rem;border-bottom:1px solid var(--border)}\
th{color:var(--muted);font-weight:600}time{color:var(--muted);white-space:nowrap}\
.tag{font-size:.75rem;border:1px solid var(--border);border-radius:999px;padding:0 .4rem;margin-right:.3rem}\
article{border:1px solid var(--border);border-radius:8px;padding:1rem}\
form{display:grid;gap:.75rem;max-width:24rem}label{display:grid;gap:.25rem}\
.bar form{display:inline}input,button{font:inherit;padding:.4rem .8rem}\
button{border:1px solid var(--border);border-radius:8px;background:var(--card);color:var(--text);cursor:pointer}\
.error{color:#c33}";

/// A complete page around `body` (already HTML); `title` must be escaped by the caller.
pub fn page(title: &str, body: &str) -> Html<String> {
    page_with(title, body, "")
}

/// [`page`] that reloads itself every `seconds` (without a script: the pages may run none).
pub fn refreshing_page(title: &str, body: &str, seconds: u32) -> Html<String> {
    page_with(
        title,
        body,
        &format!("<meta http-equiv=\"refresh\" content=\"{seconds}\">"),
    )
}

fn page_with(title: &str, body: &str, head: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\"><link rel=\"icon\" href=\"data:,\">{head}\
         <title>{title}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_host_names_pass() {
        for host in [
            "localhost",
            "localhost:54324",
            "127.0.0.1:54324",
            "127.1.2.3",
            "[::1]:54324",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "evil.example:54324",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "10.0.0.1:54324",
            "[::2]:54324",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
