//! Reading the session cookie in the browser, in the format of `@supabase/ssr`: the value under
//! the storage key (or its chunks `<key>.0`, `<key>.1`, … joined), `base64-` + base64url of the
//! session JSON. The browser-side session check (an island) reads it from `document.cookie` to
//! call Supabase Auth directly with the access token the server set; the server stays the only
//! writer of these cookies.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;

/// What the browser needs of the stored session.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct BrowserSession {
    /// The access token, sent as the bearer.
    pub access_token: String,
    /// When it expires, in seconds since the epoch.
    pub expires_at: u64,
}

impl std::fmt::Debug for BrowserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserSession")
            .field("access_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl BrowserSession {
    /// Whether the token expires within `margin` seconds of `now` (the server-side client
    /// refreshes 90 seconds early; the browser asks the server to do so).
    pub fn expires_within(&self, now: u64, margin: u64) -> bool {
        self.expires_at <= now.saturating_add(margin)
    }
}

/// The session stored under `key` in a `document.cookie` string; `None` when there is none or it
/// does not decode (as `@supabase/ssr` treats it).
pub fn read(document_cookie: &str, key: &str) -> Option<BrowserSession> {
    let pairs: Vec<(&str, String)> = document_cookie
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(name, value)| (name.trim(), percent_decode(value.trim())))
        .collect();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(found, _)| *found == name)
            .map(|(_, value)| value.clone())
    };
    let value = get(key).or_else(|| {
        let chunks: Vec<String> = (0..)
            .map_while(|index| get(&format!("{key}.{index}")))
            .collect();
        (!chunks.is_empty()).then(|| chunks.concat())
    })?;
    let json = match value.strip_prefix("base64-") {
        Some(encoded) => {
            String::from_utf8(URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')).ok()?).ok()?
        }
        None => value,
    };
    serde_json::from_str(&json).ok()
}

/// `%XX` sequences decoded (cookie values are URI-encoded when written); malformed ones kept.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let decoded = (bytes[index] == b'%')
            .then(|| value.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                index += 3;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| value.to_owned())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use supabase_ssr::{
        Session,
        cookie::{CookieOptions, Cookies, write_session},
    };

    use super::*;

    const KEY: &str = "sb-127-auth-token";

    fn session(padding: usize) -> Session {
        serde_json::from_value(serde_json::json!({
            "access_token": "header.payload.signature",
            "token_type": "bearer",
            "expires_in": 3600,
            "expires_at": 1_900_000_000u64,
            "refresh_token": "abcdefghijkl",
            "user": { "id": "u1", "aud": "authenticated", "user_metadata": { "bio": "x".repeat(padding) } },
        }))
        .unwrap()
    }

    /// `document.cookie` as a browser shows what the server's `Set-Cookie` headers stored.
    fn document_cookie(session: &Session) -> String {
        let mut jar = Cookies::default();
        jar.apply(&write_session(
            KEY,
            session,
            &jar,
            &CookieOptions::default(),
        ));
        jar.to_header().unwrap()
    }

    #[test]
    fn what_the_server_writes_the_browser_reads() {
        let cookie = document_cookie(&session(10));

        let read = read(&format!("theme=dark; {cookie}"), KEY).unwrap();

        assert_eq!(read.access_token, "header.payload.signature");
        assert_eq!(read.expires_at, 1_900_000_000);
    }

    #[test]
    fn a_chunked_session_is_joined() {
        let cookie = document_cookie(&session(6000));
        assert!(
            cookie.contains(&format!("{KEY}.1=")),
            "the session is split: {cookie:.80}"
        );

        assert_eq!(
            read(&cookie, KEY).unwrap().access_token,
            "header.payload.signature"
        );
    }

    #[test]
    fn missing_or_broken_cookies_read_as_no_session() {
        assert_eq!(read("", KEY), None);
        assert_eq!(read(&format!("{KEY}=base64-%%%"), KEY), None);
        assert_eq!(read(&format!("{KEY}=base64-bm90IGpzb24"), KEY), None);
    }

    #[test]
    fn expiry_is_judged_with_a_margin() {
        let session = BrowserSession {
            access_token: "secret.token.value".to_owned(),
            expires_at: 1_000,
        };
        assert!(session.expires_within(950, 90));
        assert!(!session.expires_within(800, 90));
        assert!(
            !format!("{session:?}").contains("secret.token"),
            "never printed"
        );
    }
}
