//! The one rule for every post-auth redirect: only a same-origin relative path passes; anything
//! else (`//evil`, `/\evil`, `https:`, encoded or control-character variants) becomes `/`.
//! [`safe_next_on`] also accepts an absolute URL on the site itself (email templates put
//! `{{ .RedirectTo }}`, a full URL, in `next`) and reduces it to its path.

use percent_encoding::percent_decode_str;
use url::{Position, Url};

/// Where a redirect goes when `next` is missing or refused.
pub const FALLBACK: &str = "/";
/// Longer `next` values are refused: no legitimate path needs more.
const MAX_LEN: usize = 2048;

/// The path to redirect to after authentication: `next` when it is a same-origin relative path,
/// normalized; [`FALLBACK`] otherwise.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(same_origin_path)
        .unwrap_or_else(|| FALLBACK.to_owned())
}

/// Like [`safe_next`], and an absolute URL with the same origin as `site` passes as its path.
pub fn safe_next_on(site: &Url, next: Option<&str>) -> String {
    next.and_then(|next| same_origin_path(next).or_else(|| path_on_site(site, next)))
        .unwrap_or_else(|| FALLBACK.to_owned())
}

fn path_on_site(site: &Url, next: &str) -> Option<String> {
    if next.len() > MAX_LEN
        || next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let url = Url::parse(next).ok()?;
    if url.origin() != site.origin() || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    same_origin_path(&url[Position::BeforePath..])
}

fn same_origin_path(next: &str) -> Option<String> {
    if next.len() > MAX_LEN {
        return None;
    }
    // Check every decoding a server or browser might apply, so `%2F%2Fevil` and its double
    // encoding fail like `//evil` does.
    let mut form = next.to_owned();
    for _ in 0..3 {
        if !looks_like_local_path(&form) {
            return None;
        }
        let decoded = percent_decode_str(&form).decode_utf8().ok()?.into_owned();
        if decoded == form {
            break;
        }
        form = decoded;
    }
    if !looks_like_local_path(&form) {
        return None;
    }
    // The browser's own parse must agree: resolved against an origin, it stays there.
    let base = Url::parse("http://origin.invalid/").expect("a valid base URL");
    let resolved = base.join(next).ok()?;
    (resolved.origin() == base.origin()).then(|| resolved[Position::BeforePath..].to_owned())
}

fn looks_like_local_path(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_pass_with_their_query_and_fragment() {
        assert_eq!(safe_next(Some("/protected")), "/protected");
        assert_eq!(safe_next(Some("/a/b?x=1&y=%2F#top")), "/a/b?x=1&y=%2F#top");
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(safe_next(Some("/account/../protected")), "/protected");
    }

    #[test]
    fn absolute_urls_on_the_site_pass_as_their_path() {
        let site = Url::parse("http://127.0.0.1:3000").unwrap();

        assert_eq!(
            safe_next_on(&site, Some("http://127.0.0.1:3000/protected?a=1")),
            "/protected?a=1"
        );
        assert_eq!(safe_next_on(&site, Some("/account")), "/account");
        for hostile in [
            "http://127.0.0.1:3001/protected",
            "https://127.0.0.1:3000/protected",
            "http://127.0.0.1:3000@evil.com/",
            "http://user:pass@127.0.0.1:3000/",
            "http://127.0.0.1:3000//evil.com",
            "http://127.0.0.1:3000/\\evil.com",
            "http://evil.com/http://127.0.0.1:3000/",
        ] {
            assert_eq!(safe_next_on(&site, Some(hostile)), "/", "{hostile:?}");
        }
    }

    #[test]
    fn missing_next_falls_back_to_the_root() {
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("")), "/");
    }

    #[test]
    fn hostile_values_fall_back_to_the_root() {
        let hostile = [
            "//evil.com",
            "///evil.com",
            "////evil.com/path",
            "/\\evil.com",
            "\\\\evil.com",
            "\\/evil.com",
            "https://evil.com",
            "http:evil.com",
            "https:/evil.com",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "evil.com",
            "protected",
            "%2F%2Fevil.com",
            "/%2F/evil.com",
            "/%5Cevil.com",
            "%252F%252Fevil.com",
            "/%252F/evil.com",
            "/\t/evil.com",
            "/\n/evil.com",
            "/\r\n/evil.com",
            "/%09/evil.com",
            "/%0d%0a/evil.com",
            " /protected",
            "/ /evil.com",
            "/\u{0}x",
            "/%00",
            "//%09/evil.com",
            "/\u{3000}/evil.com",
            "https://origin.invalid/",
        ];
        for next in hostile {
            assert_eq!(safe_next(Some(next)), "/", "{next:?}");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), "/");
    }
}
