//! The one rule for every post-auth redirect: `next` is resolved against the site URL exactly as a
//! browser resolves a link (WHATWG URL parsing, which the `url` crate implements), and only a
//! result on the site's own origin passes. What is returned is that result's path, query and
//! fragment, checked once more by resolving it again: the `Location` a browser follows lands on
//! the same URL that was checked, not on a string that merely looked local before normalization
//! (`/.//evil.com` normalizes to `//evil.com`, which a browser reads as another host).
//!
//! Anything refused becomes [`FALLBACK`]. Absolute URLs on the site pass as their path (email
//! templates put `{{ .RedirectTo }}`, a full URL, in `next`).

use percent_encoding::percent_decode_str;
use url::{Position, Url};

/// Where a redirect goes when `next` is missing or refused.
pub const FALLBACK: &str = "/";
/// Longer `next` values are refused: no legitimate path needs more, and resolving a long
/// hostile value should cost nothing.
const MAX_LEN: usize = 2048;
/// How many rounds of percent-decoding are inspected for a hidden `//` or `\` (a value decoded
/// by a proxy, then by the app, then by a browser).
const DECODE_ROUNDS: usize = 3;

/// The path to redirect to after authentication, when the site's own URL is not known: `next`
/// when it is a path that stays on whatever site resolves it (absolute URLs cannot be judged
/// without the site, so they fall back), [`FALLBACK`] otherwise.
pub fn safe_next(next: Option<&str>) -> String {
    let any_site = Url::parse("http://origin.invalid/").expect("a valid base URL");
    next.filter(|next| next.starts_with('/'))
        .and_then(|next| same_origin_target(&any_site, next))
        .unwrap_or_else(|| FALLBACK.to_owned())
}

/// The path to redirect to after authentication on `site`: `next` resolved against `site` when it
/// stays on `site`'s origin, as its path, query and fragment; [`FALLBACK`] otherwise.
pub fn safe_next_on(site: &Url, next: Option<&str>) -> String {
    next.and_then(|next| same_origin_target(site, next))
        .unwrap_or_else(|| FALLBACK.to_owned())
}

fn same_origin_target(site: &Url, next: &str) -> Option<String> {
    // Only path-absolute references (`/…`) and absolute URLs: a relative `evil.com` or `?x`
    // would land on the site too, but nothing legitimate sends one.
    if next.len() > MAX_LEN || !(next.starts_with('/') || has_scheme(next)) {
        return None;
    }
    if hides_another_host(next) {
        return None;
    }
    let resolved = site.join(next).ok()?;
    if resolved.origin() != site.origin()
        || !resolved.username().is_empty()
        || resolved.password().is_some()
    {
        return None;
    }
    let target = &resolved[Position::BeforePath..];
    // What the browser will do with the `Location` we send: resolve it against the page it came
    // from. Only a target that resolves to the URL just checked may go out.
    let relocated = site.join(target).ok()?;
    (looks_local(target) && relocated == resolved).then(|| target.to_owned())
}

/// Characters that render like `/`, `\` or `.`: refused so no page or log shows a path that
/// reads as another host.
const LOOK_ALIKES: &[char] = &[
    '\u{ff0f}', '\u{ff3c}', '\u{2215}', '\u{2216}', '\u{2044}', '\u{29f5}', '\u{29f8}', '\u{29f9}',
    '\u{fe68}', '\u{3002}', '\u{ff0e}', '\u{ff61}',
];

/// Whether `next`, or any percent-decoding of it, reads as a network-path reference or carries
/// a backslash, whitespace, a control character, a slash look-alike or an `@` in its path: a browser, proxy or later
/// decoding may take those as another host even when this parse did not.
fn hides_another_host(next: &str) -> bool {
    let mut form = next.to_owned();
    for _ in 0..=DECODE_ROUNDS {
        let suspicious = form.contains('\\')
            || form
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || LOOK_ALIKES.contains(&c))
            || form.contains("//") && !has_scheme(&form)
            // `/@evil.com` is harmless here but reads as userinfo to people and older parsers.
            || form.split(['?', '#']).next().is_some_and(|path| path.contains('@'));
        if suspicious {
            return true;
        }
        match percent_decode_str(&form).decode_utf8() {
            Ok(decoded) if decoded != form => form = decoded.into_owned(),
            Ok(_) => return false,
            // Not UTF-8 once decoded: no browser shows it as a path; refuse it.
            Err(_) => return true,
        }
    }
    false
}

/// Whether `text` starts with a URL scheme (`https:`), so a `//` in it follows the scheme.
fn has_scheme(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && rest.starts_with("//")
        && !rest[2..].contains("//")
}

/// A path-absolute reference: one `/`, not followed by another `/` or `\`.
fn looks_local(target: &str) -> bool {
    let mut chars = target.chars();
    chars.next() == Some('/') && !matches!(chars.next(), Some('/' | '\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Url {
        Url::parse("http://127.0.0.1:3000").unwrap()
    }

    #[test]
    fn local_paths_pass_with_their_query_and_fragment() {
        assert_eq!(safe_next(Some("/protected")), "/protected");
        assert_eq!(safe_next(Some("/a/b?x=1&y=%2F#top")), "/a/b?x=1&y=%2F#top");
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(safe_next(Some("/account/../protected")), "/protected");
        assert_eq!(safe_next_on(&site(), Some("/account")), "/account");
        assert_eq!(
            safe_next_on(&site(), Some("/protected?next=/account")),
            "/protected?next=/account"
        );
    }

    #[test]
    fn absolute_urls_on_the_site_pass_as_their_path() {
        assert_eq!(
            safe_next_on(&site(), Some("http://127.0.0.1:3000/protected?a=1")),
            "/protected?a=1"
        );
        assert_eq!(
            safe_next_on(&site(), Some("HTTP://127.0.0.1:3000/account")),
            "/account"
        );
    }

    #[test]
    fn missing_next_falls_back_to_the_root() {
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("")), "/");
        assert_eq!(safe_next_on(&site(), None), "/");
    }

    /// Known open-redirect bypasses: every one must fall back, on both entry points.
    const HOSTILE: &[&str] = &[
        // Network-path references and their slash variants.
        "//evil.com",
        "///evil.com",
        "////evil.com/path",
        "/\\evil.com",
        "\\\\evil.com",
        "\\/evil.com",
        "/\\/evil.com",
        "\\evil.com",
        "/ /evil.com",
        "// evil.com",
        // Dot segments that normalize to `//`.
        "/.//evil.com",
        "/..//evil.com",
        "/a/..//evil.com",
        "/a/b/../..//evil.com",
        "/././/evil.com",
        "/.././/evil.com",
        "/%2e//evil.com",
        "/%2E//evil.com",
        "/%2e%2e//evil.com",
        "/a/%2e%2e//evil.com",
        "/.%2e//evil.com",
        "/%252e//evil.com",
        "/%252e%252e//evil.com",
        "/./%2F/evil.com",
        // Encoded slashes and backslashes, single and double.
        "%2F%2Fevil.com",
        "/%2F/evil.com",
        "/%2f%2fevil.com",
        "/%5Cevil.com",
        "/%5cevil.com",
        "%5C%5Cevil.com",
        "%252F%252Fevil.com",
        "/%252F/evil.com",
        "/%255Cevil.com",
        "/%25252F/evil.com",
        // Tabs, newlines and other controls inside the slashes or the scheme.
        "/\t/evil.com",
        "/\n/evil.com",
        "/\r\n/evil.com",
        "/%09/evil.com",
        "/%0d%0a/evil.com",
        "/%0a/evil.com",
        "//%09/evil.com",
        "/\u{0}x",
        "/%00",
        "/\u{1b}//evil.com",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "ht\ttp://evil.com",
        "http\n://evil.com",
        "/\t\\evil.com",
        // Unicode slashes and spaces.
        "/\u{3000}/evil.com",
        "/\u{ff0f}evil.com",
        "\u{ff0f}\u{ff0f}evil.com",
        "/\u{2215}evil.com",
        "/\u{2044}evil.com",
        "/\u{29f8}evil.com",
        "%EF%BC%8F%EF%BC%8Fevil.com",
        "\u{3002}evil.com",
        " /protected",
        "/\u{a0}/evil.com",
        // Other schemes.
        "https://evil.com",
        "http:evil.com",
        "https:/evil.com",
        "https:\\\\evil.com",
        "http:/\\evil.com",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "javascript://%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "blob:http://evil.com/x",
        "ftp://evil.com",
        // Relative references that are not path-absolute.
        "evil.com",
        "protected",
        "./evil.com",
        "?next=x",
        "#top",
        // Userinfo and look-alike hosts.
        "/@evil.com",
        "//site@evil.com",
        "//127.0.0.1:3000@evil.com",
        "http://127.0.0.1:3000@evil.com/",
        "http://user:pass@127.0.0.1:3000/",
        "http://127.0.0.1:3000.evil.com/",
        "http://evil.com/http://127.0.0.1:3000/",
        "http://evil.com#http://127.0.0.1:3000/",
        "http://evil.com?http://127.0.0.1:3000/",
        // Same host, other origin.
        "http://127.0.0.1:3001/protected",
        "https://127.0.0.1:3000/protected",
        "http://localhost:3000/protected",
        "http://127.0.0.1/protected",
        // Numeric and IPv6 hosts.
        "//2130706433",
        "http://2130706433/",
        "http://0x7f000002:3000/",
        "http://0177.0.0.2:3000/",
        "http://3232235777:3000/",
        "//[::1]/",
        "http://[::1]:3000/",
        "//[::ffff:7f00:1]:3000/",
        "http://127.2:3000/",
        // Sneaking the site in elsewhere.
        "http://127.0.0.1:3000//evil.com",
        "http://127.0.0.1:3000/\\evil.com",
        "http://127.0.0.1:3000/.//evil.com",
        "http://127.0.0.1:3000/%2e//evil.com",
        "https://origin.invalid/",
    ];

    #[test]
    fn hostile_values_fall_back_to_the_root() {
        assert!(HOSTILE.len() >= 80, "{} payloads", HOSTILE.len());
        for next in HOSTILE {
            assert_eq!(safe_next(Some(next)), "/", "safe_next({next:?})");
            assert_eq!(
                safe_next_on(&site(), Some(next)),
                "/",
                "safe_next_on({next:?})"
            );
        }
    }

    #[test]
    fn overlong_values_fall_back_to_the_root() {
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), "/");
        let deep = format!("/{}", "%25".repeat(1000));
        assert_eq!(safe_next_on(&site(), Some(&deep)), "/");
    }

    /// Whatever is returned, a browser resolving it from any page of the site stays on the site.
    fn assert_stays_on_site(next: &str) {
        let target = safe_next_on(&site(), Some(next));
        for page in [
            "http://127.0.0.1:3000/",
            "http://127.0.0.1:3000/auth/login?x=1",
        ] {
            let page = Url::parse(page).unwrap();
            let landed = page.join(&target).expect("the target parses");
            assert_eq!(landed.origin(), site().origin(), "{next:?} -> {target:?}");
        }
        assert!(looks_local(&target), "{next:?} -> {target:?}");
    }

    #[test]
    fn every_hostile_value_and_its_variants_stay_on_the_site() {
        for next in HOSTILE {
            assert_stays_on_site(next);
            assert_stays_on_site(&format!("/a/b/..{next}"));
            assert_stays_on_site(&format!("/.{next}"));
        }
    }

    proptest::proptest! {
        #[test]
        fn any_input_stays_on_the_site(next in "\\PC{0,40}") {
            assert_stays_on_site(&next);
        }

        #[test]
        fn any_slashy_input_stays_on_the_site(next in "[/\\\\.%25a-z2Ee@:\t]{0,24}") {
            assert_stays_on_site(&next);
        }
    }
}
