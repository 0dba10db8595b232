//! The page's Content-Security-Policy: scripts run only from this site and with this response's
//! nonce (the islands loader and, in development, the live-reload script carry it), so an injected
//! `<script>` or inline handler does nothing; the page cannot be framed; the browser talks only to
//! this site and the auth server. The nonce is the one Leptos makes for each request.

use leptos::prelude::*;

/// The policy for a page whose inline scripts carry `nonce`; `connect` lists the other origins
/// the page's scripts call (the auth server, the live-reload socket); `widget` the origins of the
/// CAPTCHA provider, whose script, frames and styles the forms load (and nothing else's).
pub fn policy(nonce: &str, connect: &[&str], widget: &[&str]) -> String {
    let list = |origins: &[&str]| -> String { origins.iter().map(|o| format!(" {o}")).collect() };
    let (connect, widget) = (list(connect), list(widget));
    let frames = if widget.is_empty() {
        String::new()
    } else {
        format!(" frame-src{widget};")
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'{widget}; \
         style-src 'self'{widget}; img-src 'self' data:; connect-src 'self'{connect}{widget};{frames} \
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
        let widget = use_context::<Option<crate::components::Captcha>>()
            .flatten()
            .map_or(&[][..], |captcha| captcha.provider.origins());
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(&policy(&nonce, &connect, widget)),
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
        let policy = policy("abc", &["http://127.0.0.1:54321"], &[]);

        assert!(policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("connect-src 'self' http://127.0.0.1:54321;"));
        assert!(
            !policy.contains("frame-src"),
            "no frames without a CAPTCHA widget"
        );
    }

    #[test]
    fn a_captcha_provider_is_admitted_for_its_script_frames_styles_and_calls_only() {
        let origins = crate::components::CaptchaProvider::Hcaptcha.origins();
        let policy = policy("abc", &[], origins);

        let widget = "https://hcaptcha.com https://*.hcaptcha.com";
        assert!(policy.contains(&format!(
            "script-src 'self' 'nonce-abc' 'wasm-unsafe-eval' {widget};"
        )));
        assert!(policy.contains(&format!("frame-src {widget};")));
        assert!(policy.contains(&format!("style-src 'self' {widget};")));
        assert!(policy.contains(&format!("connect-src 'self' {widget};")));
        assert!(!policy.contains("img-src 'self' data: https"), "{policy}");
    }
}
