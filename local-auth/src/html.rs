//! The small HTML pages local-auth serves to people: the mailbox and the development identity
//! provider.

use axum::response::Html;

/// Escapes text for HTML content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A complete page around `body` (already HTML); `title` must be escaped by the caller.
pub fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\"><link rel=\"icon\" href=\"data:,\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}}\
         table{{width:100%;border-collapse:collapse}}td,th{{text-align:left;padding:.4rem;border-bottom:1px solid #8884}}\
         article{{border:1px solid #8886;border-radius:8px;padding:1rem}}\
         form{{display:grid;gap:.75rem;max-width:24rem}}label{{display:grid;gap:.25rem}}\
         input,button{{font:inherit;padding:.4rem}}.error{{color:#c33}}</style></head>\
         <body>{body}</body></html>"
    ))
}
