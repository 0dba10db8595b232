//! `redirect_to` checking: a target is used only when it is on the site URL's origin or matches an
//! entry of the allow-list; anything else silently falls back to the site URL, as upstream does.
//! And the redirects themselves: 303s, and the error parameters upstream appends.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use url::Url;

use crate::{config::Config, error::ApiError};

/// 303 to `location`, as upstream redirects from `/verify` and `/sso`; a location that cannot be
/// a header is a `validation_failed`.
pub fn see_other(location: &str) -> Response {
    redirect(StatusCode::SEE_OTHER, location)
}

/// 302 to `location`, as upstream's OAuth 2.1 server redirects (Go's `http.StatusFound`).
pub fn found(location: &str) -> Response {
    redirect(StatusCode::FOUND, location)
}

fn redirect(status: StatusCode, location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (status, [(header::LOCATION, location)]).into_response(),
        Err(_) => ApiError::validation("invalid redirect URL").into_response(),
    }
}

/// The redirect target to use for a request that asked for `requested`.
pub fn resolve(config: &Config, requested: Option<&str>) -> String {
    requested
        .filter(|target| is_allowed(config, target))
        .map_or_else(|| config.site_url.to_string(), str::to_owned)
}

/// Whether `target` may be redirected to.
pub fn is_allowed(config: &Config, target: &str) -> bool {
    let Ok(url) = Url::parse(target) else {
        return false;
    };
    if same_site(&config.site_url, &url) {
        return true;
    }
    let without_fragment = target.split('#').next().unwrap_or(target);
    // An IP-address host passes only an entry that names it: a wildcard host such as
    // `https://*.example.com` or `http://*:3000` must not let `http://10.0.0.1:3000` through
    // (upstream's fix against redirects to internal addresses).
    let ip_host = matches!(url.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)));
    config
        .additional_redirect_urls
        .iter()
        .filter(|pattern| !ip_host || !host_has_wildcard(pattern))
        .any(|pattern| glob_matches(pattern, without_fragment))
}

/// `target` with `pairs` (those not empty) in its query and its fragment.
pub fn error_location(target: &str, pairs: &[(&str, &str)]) -> String {
    let params = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, value)| !value.is_empty()))
        .finish();
    let target = target.split('#').next().unwrap_or(target);
    let separator = if target.contains('?') { '&' } else { '?' };
    format!("{target}{separator}{params}#{params}")
}

/// Whether the host part of an allow-list `pattern` holds a glob character.
fn host_has_wildcard(pattern: &str) -> bool {
    let after_scheme = pattern.split_once("://").map_or(pattern, |(_, rest)| rest);
    let authority = after_scheme.split('/').next().unwrap_or_default();
    authority.contains(['*', '?', '[', '{'])
}

/// Same scheme and host, and same port unless the host is a loopback name.
fn same_site(site: &Url, url: &Url) -> bool {
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    site.scheme() == url.scheme()
        && site.host_str() == url.host_str()
        && (loopback || site.port_or_known_default() == url.port_or_known_default())
}

/// Glob matching with upstream's semantics: `*` matches within one `.`- or `/`-separated part,
/// `**` across parts, `?` one non-separator character, `[…]` a class (`!` negates), `{a,b}`
/// alternatives.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    expand_braces(pattern)
        .iter()
        .any(|pattern| matches_from(pattern.as_bytes(), text.as_bytes()))
}

fn is_separator(byte: u8) -> bool {
    byte == b'.' || byte == b'/'
}

fn expand_braces(pattern: &str) -> Vec<String> {
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_owned()];
    };
    let Some(close) = pattern[open..].find('}').map(|offset| open + offset) else {
        return vec![pattern.to_owned()];
    };
    let (head, body, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    body.split(',')
        .flat_map(|choice| expand_braces(&format!("{head}{choice}{tail}")))
        .collect()
}

fn matches_from(pattern: &[u8], text: &[u8]) -> bool {
    match pattern {
        [] => text.is_empty(),
        [b'*', b'*', rest @ ..] => (0..=text.len()).any(|skip| matches_from(rest, &text[skip..])),
        [b'*', rest @ ..] => {
            let run = text.iter().take_while(|&&byte| !is_separator(byte)).count();
            (0..=run).any(|skip| matches_from(rest, &text[skip..]))
        }
        [b'?', rest @ ..] => {
            matches!(text, [first, ..] if !is_separator(*first)) && matches_from(rest, &text[1..])
        }
        [b'[', rest @ ..] => {
            let Some(end) = rest.iter().position(|&byte| byte == b']') else {
                return matches!(text, [b'[', ..]) && matches_from(rest, &text[1..]);
            };
            let Some((&first, text_rest)) = text.split_first() else {
                return false;
            };
            let (negated, class) = match &rest[..end] {
                [b'!', class @ ..] => (true, class),
                class => (false, class),
            };
            in_class(class, first) != negated && matches_from(&rest[end + 1..], text_rest)
        }
        [literal, rest @ ..] => {
            matches!(text, [first, ..] if first == literal) && matches_from(rest, &text[1..])
        }
    }
}

fn in_class(class: &[u8], byte: u8) -> bool {
    let mut i = 0;
    while i < class.len() {
        if i + 2 < class.len() && class[i + 1] == b'-' {
            if (class[i]..=class[i + 2]).contains(&byte) {
                return true;
            }
            i += 3;
        } else {
            if class[i] == byte {
                return true;
            }
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(allow: &[&str]) -> Config {
        Config {
            site_url: Url::parse("https://app.example.com").unwrap(),
            additional_redirect_urls: allow.iter().map(|s| (*s).to_owned()).collect(),
            ..Config::default()
        }
    }

    #[test]
    fn ip_address_hosts_pass_only_entries_that_name_them() {
        let wide = config(&["http://*:3000/**", "https://**", "http://10.0.0.*/**"]);
        let exact = config(&["http://10.0.0.7:3000/**"]);

        for target in [
            "http://10.0.0.7:3000/callback",
            "https://192.168.1.1/",
            "https://[fd00::1]/x",
            "http://10.0.0.9/x",
        ] {
            assert!(!is_allowed(&wide, target), "{target}");
        }
        assert!(is_allowed(&wide, "https://preview.example.org/x"));
        assert!(is_allowed(&exact, "http://10.0.0.7:3000/callback"));
        assert!(!is_allowed(&exact, "http://10.0.0.8:3000/callback"));
    }

    #[test]
    fn single_star_stays_within_one_part() {
        assert!(glob_matches(
            "https://*.example.com",
            "https://preview.example.com"
        ));
        assert!(!glob_matches(
            "https://*.example.com",
            "https://a.b.example.com"
        ));
        assert!(!glob_matches(
            "http://localhost:3000/*",
            "http://localhost:3000/a/b"
        ));
    }

    #[test]
    fn double_star_crosses_parts() {
        assert!(glob_matches(
            "http://localhost:3000/**",
            "http://localhost:3000/a/b?c=d"
        ));
        assert!(glob_matches(
            "https://**.example.com",
            "https://a.b.example.com"
        ));
    }

    #[test]
    fn question_marks_classes_and_alternatives() {
        assert!(glob_matches(
            "https://app?.example.com",
            "https://app1.example.com"
        ));
        assert!(glob_matches(
            "https://app[0-9].example.com",
            "https://app7.example.com"
        ));
        assert!(!glob_matches(
            "https://app[!0-9].example.com",
            "https://app7.example.com"
        ));
        assert!(glob_matches(
            "https://{www,app}.example.com",
            "https://www.example.com"
        ));
        assert!(!glob_matches(
            "https://{www,app}.example.com",
            "https://api.example.com"
        ));
    }

    #[test]
    fn site_origin_is_allowed_and_others_fall_back_to_the_site_url() {
        let config = config(&["http://localhost:3000/**"]);

        assert_eq!(
            resolve(&config, Some("https://app.example.com/welcome")),
            "https://app.example.com/welcome"
        );
        assert_eq!(
            resolve(&config, Some("http://localhost:3000/auth/confirm")),
            "http://localhost:3000/auth/confirm"
        );
        assert_eq!(
            resolve(&config, Some("https://evil.example.org/")),
            "https://app.example.com/"
        );
        assert_eq!(
            resolve(&config, Some("not a url")),
            "https://app.example.com/"
        );
        assert_eq!(resolve(&config, None), "https://app.example.com/");
    }

    #[test]
    fn loopback_site_urls_ignore_the_port() {
        let config = Config {
            site_url: Url::parse("http://127.0.0.1:3000").unwrap(),
            ..Config::default()
        };

        assert!(is_allowed(&config, "http://127.0.0.1:4000/callback"));
        assert!(!is_allowed(&config, "https://127.0.0.1:3000/callback"));
    }
}
