//! The session cookies of `@supabase/ssr`, byte for byte, so a session set by this server is read
//! by JavaScript clients and the other way round.
//!
//! - Key `sb-<first label of the project host>-auth-token` ([`storage_key`]).
//! - Value `base64-` + unpadded base64url of the session JSON. On read a value without the prefix
//!   is taken raw; a value that does not decode to a session is treated as absent.
//! - When the URI-encoded value is longer than [`MAX_CHUNK_SIZE`], it is split into `<key>.0`,
//!   `<key>.1`, … On read the unsuffixed cookie wins, else the chunks are joined up to the first
//!   gap. A write expires every chunk of the key that it does not rewrite.
//! - The PKCE verifier lives in `<key>-code-verifier` (and, from newer clients, in per-flow slots
//!   `<key>-flow-<id>-code-verifier`) as `base64-` + base64url of its JSON string.

use std::{borrow::Cow, fmt};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::{PkceVerifier, Session};

/// The longest URI-encoded value one cookie holds before the value is chunked.
pub const MAX_CHUNK_SIZE: usize = 3180;
/// How long auth cookies live, as upstream: 400 days (the longest browsers allow).
pub const DEFAULT_MAX_AGE: u64 = 400 * 24 * 60 * 60;

const BASE64_PREFIX: &str = "base64-";
const RECOVERY_SUFFIX: &str = "/recovery";
/// Most per-flow verifier slots a client keeps.
const MAX_FLOW_SLOTS: usize = 5;

/// What `encodeURIComponent` leaves alone: letters, digits and `-_.!~*'()`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The storage key of @supabase/ssr for a project URL: `sb-<first host label>-auth-token`
/// (`sb-localhost-auth-token`, `sb-127-auth-token`, `sb-abcdefgh-auth-token`).
pub fn storage_key(project_url: &url::Url) -> String {
    let host = project_url.host_str().unwrap_or_default();
    let label = host.split('.').next().unwrap_or_default();
    format!("sb-{label}-auth-token")
}

/// The `SameSite` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    /// Sent on same-site requests and top-level navigations (the default).
    Lax,
    /// Sent on same-site requests only.
    Strict,
    /// Sent everywhere; needs `Secure`.
    None,
}

/// Attributes of the auth cookies. The default is upstream's: `Path=/`, `SameSite=Lax`,
/// `Max-Age` 400 days, readable by scripts, no `Secure`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieOptions {
    /// `Path`.
    pub path: String,
    /// `Domain`, when the cookies are shared with subdomains.
    pub domain: Option<String>,
    /// `SameSite`.
    pub same_site: SameSite,
    /// `Max-Age` in seconds.
    pub max_age: u64,
    /// `Secure`: set it when the site is served over https.
    pub secure: bool,
    /// `HttpOnly`: hides the session from scripts; browser-side Supabase calls then cannot use it.
    pub http_only: bool,
}

impl Default for CookieOptions {
    fn default() -> Self {
        Self {
            path: "/".to_owned(),
            domain: None,
            same_site: SameSite::Lax,
            max_age: DEFAULT_MAX_AGE,
            secure: false,
            http_only: false,
        }
    }
}

impl CookieOptions {
    /// The defaults for a site at `site_url`: `Secure` exactly when it is served over https.
    pub fn for_site(site_url: &url::Url) -> Self {
        Self {
            secure: site_url.scheme() == "https",
            ..Self::default()
        }
    }
}

/// One `Set-Cookie` header to send. `Debug` hides the value, which holds tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct SetCookie {
    /// The cookie name.
    pub name: String,
    /// The value, not yet URI-encoded; empty for a deletion.
    pub value: String,
    /// Its attributes; `max_age` 0 deletes it.
    pub options: CookieOptions,
}

impl SetCookie {
    /// Sets `name` to `value`.
    pub fn new(name: impl Into<String>, value: impl Into<String>, options: &CookieOptions) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            options: options.clone(),
        }
    }

    /// Expires `name` now.
    pub fn removal(name: impl Into<String>, options: &CookieOptions) -> Self {
        Self {
            name: name.into(),
            value: String::new(),
            options: CookieOptions {
                max_age: 0,
                ..options.clone()
            },
        }
    }

    /// The `Set-Cookie` header value; `None` only if a configured attribute (path, domain) holds
    /// a character no header may carry.
    pub fn to_header_value(&self) -> Option<http::HeaderValue> {
        http::HeaderValue::from_str(&self.to_string()).ok()
    }

    /// Whether this header deletes the cookie.
    pub fn is_removal(&self) -> bool {
        self.options.max_age == 0
    }
}

impl fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetCookie")
            .field("name", &self.name)
            .field("value", &"[redacted]")
            .field("options", &self.options)
            .finish()
    }
}

/// The header value, as the `cookie` npm package serializes it.
impl fmt::Display for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let options = &self.options;
        write!(
            f,
            "{}={}; Max-Age={}",
            self.name,
            utf8_percent_encode(&self.value, URI_COMPONENT),
            options.max_age
        )?;
        if let Some(domain) = &options.domain {
            write!(f, "; Domain={domain}")?;
        }
        write!(f, "; Path={}", options.path)?;
        if options.http_only {
            f.write_str("; HttpOnly")?;
        }
        if options.secure {
            f.write_str("; Secure")?;
        }
        f.write_str(match options.same_site {
            SameSite::Lax => "; SameSite=Lax",
            SameSite::Strict => "; SameSite=Strict",
            SameSite::None => "; SameSite=None",
        })
    }
}

/// The most cookies read from one request. Browsers keep about 180 per site; a request with more
/// was not sent by one, and the rest are ignored so parsing stays cheap.
pub const MAX_COOKIES: usize = 200;
/// The most bytes of `Cookie` headers read from one request (180 cookies of a typical size fit;
/// hyper lets about 400 KB of headers through, which must not all be scanned).
pub const MAX_COOKIE_BYTES: usize = 96 * 1024;
/// The most chunks a stored value may have: 16 chunks hold 50 KB, far more than any session
/// (one with provider tokens is under 10 KB). A value in more pieces is treated as malformed.
pub const MAX_CHUNKS: usize = 16;

/// The cookies of a request, parsed like the `cookie` npm package: `;`-separated pairs, values
/// percent-decoded when they can be, surrounding quotes dropped, the first of duplicate names
/// wins. Any input parses in time linear in its length; what is not a pair is skipped, and only
/// the first [`MAX_COOKIES`] cookies within [`MAX_COOKIE_BYTES`] are read.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Cookies {
    pairs: Vec<(String, String)>,
}

impl fmt::Debug for Cookies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.pairs.iter().map(|(name, _)| name))
            .finish()
    }
}

impl Cookies {
    /// Parses one `Cookie` header value.
    pub fn parse(header: &str) -> Self {
        Self::parse_all([header])
    }

    /// Parses every `Cookie` header of a request.
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        Self::parse_all(
            headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|header| header.to_str().ok()),
        )
    }

    fn parse_all<'a>(headers: impl IntoIterator<Item = &'a str>) -> Self {
        let mut seen = std::collections::HashSet::new();
        let mut pairs = Vec::new();
        let mut budget = MAX_COOKIE_BYTES;
        for header in headers {
            let mut end = header.len().min(budget);
            while !header.is_char_boundary(end) {
                end -= 1;
            }
            let header = &header[..end];
            budget -= header.len();
            for pair in header.split(';') {
                if pairs.len() == MAX_COOKIES {
                    return Self { pairs };
                }
                let Some((name, value)) = pair.split_once('=') else {
                    continue;
                };
                let name = name.trim();
                if name.is_empty() || !seen.insert(name) {
                    continue;
                }
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|inner| inner.strip_suffix('"'))
                    .unwrap_or(value);
                let value = match percent_decode_str(value).decode_utf8() {
                    Ok(decoded) => decoded.into_owned(),
                    Err(_) => value.to_owned(),
                };
                pairs.push((name.to_owned(), value));
            }
            if budget == 0 {
                break;
            }
        }
        Self { pairs }
    }

    /// The value of `name`, if the request has it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(candidate, _)| candidate == name)
            .map(|(_, value)| value.as_str())
    }

    /// The names of all cookies.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(name, _)| name.as_str())
    }

    /// Applies `Set-Cookie` headers to this view of the request, so code that runs after them
    /// sees what the browser will send next.
    pub fn apply(&mut self, changes: &[SetCookie]) {
        for change in changes {
            self.pairs.retain(|(name, _)| *name != change.name);
            if !change.is_removal() {
                self.pairs.push((change.name.clone(), change.value.clone()));
            }
        }
    }

    /// The cookies as one `Cookie` header value (values URI-encoded), `None` when there are none.
    pub fn to_header(&self) -> Option<String> {
        if self.pairs.is_empty() {
            return None;
        }
        let pairs: Vec<String> = self
            .pairs
            .iter()
            .map(|(name, value)| format!("{name}={}", utf8_percent_encode(value, URI_COMPONENT)))
            .collect();
        Some(pairs.join("; "))
    }
}

/// Whether `name` is `key` itself or one of its chunks (`<key>.<n>`).
fn is_chunk_of(name: &str, key: &str) -> bool {
    name == key || chunk_index(name, key).is_some()
}

/// The stored value of `key`: the unsuffixed cookie, else its chunks joined up to the first gap.
/// One pass over the cookies; a value in more than [`MAX_CHUNKS`] pieces reads as empty, which
/// decodes to nothing (malformed).
pub fn read_chunked<'a>(cookies: &'a Cookies, key: &str) -> Option<Cow<'a, str>> {
    if let Some(value) = cookies.get(key) {
        return Some(Cow::Borrowed(value));
    }
    let mut chunks: [Option<&str>; MAX_CHUNKS] = [None; MAX_CHUNKS];
    let mut too_many = false;
    for (name, value) in &cookies.pairs {
        if let Some(index) = chunk_index(name, key) {
            match chunks.get_mut(index) {
                Some(slot) => *slot = Some(value),
                None => too_many = true,
            }
        }
    }
    chunks[0]?;
    let present = chunks.iter().take_while(|chunk| chunk.is_some()).count();
    if too_many && present == MAX_CHUNKS {
        return Some(Cow::Borrowed(""));
    }
    Some(Cow::Owned(
        chunks.iter().map_while(|chunk| *chunk).collect(),
    ))
}

/// The index `n` when `name` is chunk `<key>.<n>` of `key` (no leading zeros).
fn chunk_index(name: &str, key: &str) -> Option<usize> {
    let index = name.strip_prefix(key)?.strip_prefix('.')?;
    let canonical = !index.is_empty()
        && index.len() <= 4
        && index.bytes().all(|b| b.is_ascii_digit())
        && (index == "0" || !index.starts_with('0'));
    canonical.then(|| index.parse().ok()).flatten()
}

/// Splits `value` into the cookie values @supabase/ssr would write: one value when its URI
/// encoding fits [`MAX_CHUNK_SIZE`], else pieces whose encodings fit, never splitting an escape
/// or a character.
pub fn chunk_values(value: &str) -> Vec<String> {
    let encoded = utf8_percent_encode(value, URI_COMPONENT).to_string();
    if encoded.len() <= MAX_CHUNK_SIZE {
        return vec![value.to_owned()];
    }
    let mut chunks = Vec::new();
    let mut rest = encoded.as_str();
    while !rest.is_empty() {
        let mut end = rest.len().min(MAX_CHUNK_SIZE);
        if let Some(escape) = rest[..end].rfind('%')
            && escape + 3 > end
        {
            end = escape;
        }
        // Back off whole escapes until the piece ends on a character boundary; a UTF-8
        // character is at most four escapes long, so this ends quickly.
        let chunk = loop {
            match percent_decode_str(&rest[..end]).decode_utf8() {
                Ok(chunk) => break chunk.into_owned(),
                Err(_) => end -= 3,
            }
        };
        chunks.push(chunk);
        rest = &rest[end..];
    }
    chunks
}

/// The `Set-Cookie` headers that store `value` under `key`: its chunks, plus removals of every
/// chunk of `key` in `existing` that the new value does not rewrite.
pub fn write_chunked(
    key: &str,
    value: &str,
    existing: &Cookies,
    options: &CookieOptions,
) -> Vec<SetCookie> {
    let values = chunk_values(value);
    let written: Vec<SetCookie> = if values.len() == 1 {
        values
            .into_iter()
            .map(|value| SetCookie::new(key, value, options))
            .collect()
    } else {
        values
            .into_iter()
            .enumerate()
            .map(|(index, value)| SetCookie::new(format!("{key}.{index}"), value, options))
            .collect()
    };
    let stale: Vec<SetCookie> = existing
        .names()
        .filter(|name| is_chunk_of(name, key))
        .filter(|name| !written.iter().any(|cookie| cookie.name == *name))
        .map(|name| SetCookie::removal(name, options))
        .collect();
    written.into_iter().chain(stale).collect()
}

/// Removals of `key` and every chunk of it present in `existing`.
pub fn remove_chunked(key: &str, existing: &Cookies, options: &CookieOptions) -> Vec<SetCookie> {
    existing
        .names()
        .filter(|name| is_chunk_of(name, key))
        .map(|name| SetCookie::removal(name, options))
        .collect()
}

/// `base64-` + unpadded base64url of `text`.
pub fn encode_base64_value(text: &str) -> String {
    format!("{BASE64_PREFIX}{}", URL_SAFE_NO_PAD.encode(text))
}

/// The text a stored value stands for: base64url-decoded when it has the `base64-` prefix (`None`
/// when that fails), else the value itself.
pub fn decode_base64_value(value: &str) -> Option<Cow<'_, str>> {
    match value.strip_prefix(BASE64_PREFIX) {
        Some(encoded) => {
            // Clients differ on padding; accept both.
            let bytes = URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')).ok()?;
            String::from_utf8(bytes).ok().map(Cow::Owned)
        }
        None => Some(Cow::Borrowed(value)),
    }
}

/// What the request holds under the session key.
#[derive(Debug)]
pub enum StoredSession {
    /// No session cookie.
    Absent,
    /// A cookie that does not decode to a session (bad prefix, broken base64, invalid JSON,
    /// missing chunks): treated as signed out.
    Malformed,
    /// A session.
    Present(Box<Session>),
}

/// Reads the session stored under `key`.
pub fn read_session(cookies: &Cookies, key: &str) -> StoredSession {
    let Some(value) = read_chunked(cookies, key) else {
        return StoredSession::Absent;
    };
    decode_base64_value(&value)
        .and_then(|json| serde_json::from_str::<Session>(&json).ok())
        .map_or(StoredSession::Malformed, |session| {
            StoredSession::Present(Box::new(session))
        })
}

/// The `Set-Cookie` headers that store `session` under `key`, replacing what `existing` holds.
pub fn write_session(
    key: &str,
    session: &Session,
    existing: &Cookies,
    options: &CookieOptions,
) -> Vec<SetCookie> {
    let json = serde_json::to_string(session).expect("a session always serializes to JSON");
    write_chunked(key, &encode_base64_value(&json), existing, options)
}

/// The end of every PKCE verifier cookie's name.
const VERIFIER_SUFFIX: &str = "-code-verifier";
/// What follows the storage key in a per-flow slot's name, before the flow id.
const FLOW_SLOT_INFIX: &str = "-flow-";

/// The name of the PKCE verifier cookie for `key`.
pub fn verifier_key(key: &str) -> String {
    format!("{key}{VERIFIER_SUFFIX}")
}

/// The `Set-Cookie` header that keeps `verifier` until the code exchange. A recovery flow marks
/// it, so the exchange knows to send the user to set a new password.
pub fn write_verifier(
    key: &str,
    verifier: &PkceVerifier,
    recovery: bool,
    options: &CookieOptions,
) -> SetCookie {
    let stored = if recovery {
        format!("{}{RECOVERY_SUFFIX}", verifier.expose_secret())
    } else {
        verifier.expose_secret().to_owned()
    };
    let json = serde_json::to_string(&stored).expect("a string always serializes to JSON");
    SetCookie::new(verifier_key(key), encode_base64_value(&json), options)
}

/// The per-flow verifier slot of flow `flow` for `key`.
pub fn flow_verifier_key(key: &str, flow: &str) -> String {
    format!("{key}{FLOW_SLOT_INFIX}{flow}{VERIFIER_SUFFIX}")
}

/// Whether `name` is one of `key`'s per-flow slots ([`flow_verifier_key`]).
fn is_flow_slot(name: &str, key: &str) -> bool {
    name.strip_prefix(key)
        .and_then(|rest| rest.strip_prefix(FLOW_SLOT_INFIX))
        .is_some_and(|rest| rest.ends_with(VERIFIER_SUFFIX))
}

/// The name of the cookie that lists `key`'s per-flow slots.
fn flow_index_key(key: &str) -> String {
    format!("{key}-flows{VERIFIER_SUFFIX}")
}

fn flow_index(cookies: &Cookies, key: &str) -> Vec<String> {
    cookies
        .get(&flow_index_key(key))
        .and_then(decode_base64_value)
        .and_then(|json| serde_json::from_str::<Vec<String>>(&json).ok())
        .unwrap_or_default()
}

fn index_cookie(key: &str, ids: &[String], options: &CookieOptions) -> SetCookie {
    let json = serde_json::to_string(ids).expect("strings always serialize to JSON");
    SetCookie::new(flow_index_key(key), encode_base64_value(&json), options)
}

/// The cookies that keep `verifier` for flow `flow` until its code exchange, as newer
/// @supabase/ssr clients write them: the flow's own slot, the index of slots (the newest
/// `MAX_FLOW_SLOTS`; older slots are expired), and the legacy cookie. Flows started in several
/// tabs at once therefore each keep their verifier.
pub fn write_flow_verifier(
    key: &str,
    flow: &str,
    verifier: &PkceVerifier,
    recovery: bool,
    existing: &Cookies,
    options: &CookieOptions,
) -> Vec<SetCookie> {
    let legacy = write_verifier(key, verifier, recovery, options);
    let mut ids = flow_index(existing, key);
    ids.retain(|id| id != flow);
    ids.push(flow.to_owned());
    let dropped = ids.len().saturating_sub(MAX_FLOW_SLOTS);
    let mut changes: Vec<SetCookie> = ids
        .drain(..dropped)
        .map(|old| SetCookie::removal(flow_verifier_key(key, &old), options))
        .collect();
    changes.push(SetCookie::new(
        flow_verifier_key(key, flow),
        legacy.value.clone(),
        options,
    ));
    changes.push(index_cookie(key, &ids, options));
    changes.push(legacy);
    changes
}

/// The cookie changes once flow `flow` has come back: its slot and index entry go, and the
/// legacy cookie too when it holds this flow's verifier (`used`, as exposed). Other tabs' flows keep theirs.
pub fn finish_flow(
    key: &str,
    flow: &str,
    used: Option<&str>,
    cookies: &Cookies,
    options: &CookieOptions,
) -> Vec<SetCookie> {
    let mut changes = Vec::new();
    let slot = flow_verifier_key(key, flow);
    if cookies.get(&slot).is_some() {
        changes.push(SetCookie::removal(slot, options));
    }
    let ids = flow_index(cookies, key);
    if ids.iter().any(|id| id == flow) {
        let rest: Vec<String> = ids.into_iter().filter(|id| id != flow).collect();
        changes.push(if rest.is_empty() {
            SetCookie::removal(flow_index_key(key), options)
        } else {
            index_cookie(key, &rest, options)
        });
    }
    let legacy = read_verifiers(cookies, key, None)
        .into_iter()
        .next()
        .filter(|_| cookies.get(&verifier_key(key)).is_some());
    if matches!((legacy, used), (Some(legacy), Some(used)) if legacy.verifier.expose_secret() == used)
    {
        changes.push(SetCookie::removal(verifier_key(key), options));
    }
    changes
}

/// A PKCE verifier found in the request's cookies.
#[derive(Debug)]
pub struct StoredVerifier {
    /// The verifier.
    pub verifier: PkceVerifier,
    /// Whether the flow was a password recovery.
    pub recovery: bool,
}

/// The PKCE verifiers the request holds for `key`, best first: the slot of `flow` when given, the
/// legacy cookie, then the per-flow slots newest first. Values that do not decode are skipped.
pub fn read_verifiers(cookies: &Cookies, key: &str, flow: Option<&str>) -> Vec<StoredVerifier> {
    let flow_slot = |id: &str| flow_verifier_key(key, id);
    let valid_id = |id: &&str| {
        !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let indexed = flow_index(cookies, key);
    let mut names: Vec<String> = flow.filter(valid_id).map(flow_slot).into_iter().collect();
    names.push(verifier_key(key));
    names.extend(
        indexed
            .iter()
            .rev()
            .take(MAX_FLOW_SLOTS)
            .map(String::as_str)
            .filter(valid_id)
            .map(flow_slot),
    );
    names.dedup();

    let mut found: Vec<StoredVerifier> = Vec::new();
    for name in names {
        let Some(stored) = cookies
            .get(&name)
            .and_then(decode_base64_value)
            .and_then(|json| serde_json::from_str::<String>(&json).ok())
        else {
            continue;
        };
        let (value, recovery) = match stored.strip_suffix(RECOVERY_SUFFIX) {
            Some(value) => (value, true),
            None => (stored.as_str(), false),
        };
        if let Some(verifier) = PkceVerifier::from_stored(value)
            && !found.iter().any(|seen| seen.verifier == verifier)
        {
            found.push(StoredVerifier { verifier, recovery });
        }
    }
    found
}

/// Removals of every PKCE verifier cookie of `key` in the request (legacy, per-flow slots and
/// their index).
pub fn remove_verifiers(key: &str, cookies: &Cookies, options: &CookieOptions) -> Vec<SetCookie> {
    let legacy = verifier_key(key);
    let index = flow_index_key(key);
    cookies
        .names()
        .filter(|name| *name == legacy || *name == index || is_flow_slot(name, key))
        .map(|name| SetCookie::removal(name, options))
        .collect()
}

#[cfg(test)]
mod tests;
