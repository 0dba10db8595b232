//! The page's Content-Security-Policy: scripts run only from this site and with this response's
//! nonce (the islands loader and, in development, the live-reload script carry it), so an injected
//! `<script>` or inline handler does nothing; the page cannot be framed; the browser talks only to
//! this site and the auth server. The nonce is the one Leptos makes for each request.

use leptos::prelude::*;

/// The policy for a page whose inline scripts carry `nonce`; `connect` lists the other origins
/// the page's scripts call (the auth server, the live-reload socket).
pub fn policy(nonce: &str, connect: &[&str]) -> String {
    let connect: String = connect.iter().map(|origin| format!(" {origin}")).collect();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{connect}; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// Sends the policy with the page being rendered. Renders nothing; belongs in the shell.
#[component]
pub fn ContentSecurityPolicy() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        use leptos::nonce::use_nonce;

        let Some(nonce) = use_nonce() else {
            leptos::logging::error!("no nonce for this render: the page goes out without a CSP");
            return;
        };
        let auth = use_context::<Option<crate::auth::BrowserAccess>>()
            .flatten()
            .and_then(|access| url::Url::parse(&access.auth_url).ok())
            .map(|url| url.origin().ascii_serialization());
        // `cargo leptos watch` reloads the page over a WebSocket on its own port.
        let reload = std::env::var_os("LEPTOS_WATCH").map(|_| "ws:".to_owned());
        let connect: Vec<&str> = auth
            .iter()
            .chain(reload.iter())
            .map(String::as_str)
            .collect();
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(&policy(&nonce, &connect)),
        ) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_need_the_nonce_and_nothing_may_frame_the_page() {
        let policy = policy("abc", &["http://127.0.0.1:54321"]);

        assert!(policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("connect-src 'self' http://127.0.0.1:54321;"));
    }
}
