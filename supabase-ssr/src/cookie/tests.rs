//! Codec tests: the exact @supabase/ssr format, and properties over any session size and any
//! `Cookie` header.

use proptest::prelude::*;
use serde_json::json;

use super::*;

const KEY: &str = "sb-127-auth-token";

fn session_with_metadata(filler: &str) -> Session {
    serde_json::from_value(json!({
        "access_token": "eyJhbGciOiJFUzI1NiJ9.e30.sig",
        "token_type": "bearer",
        "expires_in": 3600,
        "expires_at": 1_900_000_000u64,
        "refresh_token": "abcdefghijkl",
        "user": {"id": "8d1e7c1f-0000-4000-8000-000000000000", "aud": "authenticated",
                 "email": "ada@example.com", "app_metadata": {"provider": "email"},
                 "user_metadata": {"bio": filler}, "created_at": "2026-01-01T00:00:00Z"}
    }))
    .unwrap()
}

/// The request a browser would send after receiving `set`.
fn browser_cookies(set: &[SetCookie]) -> Cookies {
    let header: Vec<String> = set
        .iter()
        .filter(|cookie| !cookie.is_removal())
        .map(|cookie| {
            let rendered = cookie.to_string();
            rendered.split(';').next().unwrap().to_owned()
        })
        .collect();
    Cookies::parse(&header.join("; "))
}

fn read(cookies: &Cookies) -> Option<Session> {
    match read_session(cookies, KEY) {
        StoredSession::Present(session) => Some(*session),
        _ => None,
    }
}

#[test]
fn the_storage_key_is_named_after_the_first_host_label() {
    let key = |url: &str| storage_key(&url.parse().unwrap());

    assert_eq!(key("http://127.0.0.1:54321"), "sb-127-auth-token");
    assert_eq!(key("http://localhost:54321"), "sb-localhost-auth-token");
    assert_eq!(
        key("https://abcdefgh.supabase.co"),
        "sb-abcdefgh-auth-token"
    );
}

#[test]
fn a_small_session_is_one_base64_cookie_with_the_upstream_attributes() {
    let session = session_with_metadata("short");

    let set = write_session(
        KEY,
        &session,
        &Cookies::default(),
        &CookieOptions::default(),
    );

    assert_eq!(set.len(), 1);
    let header = set[0].to_string();
    assert!(header.starts_with("sb-127-auth-token=base64-"), "{header}");
    assert!(
        header.ends_with("; Max-Age=34560000; Path=/; SameSite=Lax"),
        "{header}"
    );
    let json = decode_base64_value(&set[0].value).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).unwrap(),
        serde_json::to_value(&session).unwrap()
    );
}

#[test]
fn secure_and_http_only_are_added_when_asked_for() {
    let options = CookieOptions {
        http_only: true,
        ..CookieOptions::for_site(&"https://app.example.com".parse().unwrap())
    };

    let header = SetCookie::new("n", "v", &options).to_string();

    assert_eq!(
        header,
        "n=v; Max-Age=34560000; Path=/; HttpOnly; Secure; SameSite=Lax"
    );
}

#[test]
fn a_large_session_is_chunked_and_read_back() {
    let session = session_with_metadata(&"x".repeat(8_000));

    let set = write_session(
        KEY,
        &session,
        &Cookies::default(),
        &CookieOptions::default(),
    );

    let names: Vec<&str> = set.iter().map(|cookie| cookie.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "sb-127-auth-token.0",
            "sb-127-auth-token.1",
            "sb-127-auth-token.2",
            "sb-127-auth-token.3"
        ]
    );
    assert!(set[0].value.starts_with("base64-"));
    assert!(!set[1].value.starts_with("base64-"));
    assert!(
        set.iter()
            .all(|cookie| cookie.value.len() <= MAX_CHUNK_SIZE)
    );
    let back = read(&browser_cookies(&set)).unwrap();
    assert_eq!(back.user.user_metadata, session.user.user_metadata);
}

#[test]
fn shrinking_a_session_expires_the_chunks_it_no_longer_needs() {
    let big = write_session(
        KEY,
        &session_with_metadata(&"x".repeat(8_000)),
        &Cookies::default(),
        &CookieOptions::default(),
    );
    let browser = browser_cookies(&big);

    let set = write_session(
        KEY,
        &session_with_metadata("small"),
        &browser,
        &CookieOptions::default(),
    );

    let written: Vec<&str> = set
        .iter()
        .filter(|c| !c.is_removal())
        .map(|c| c.name.as_str())
        .collect();
    let removed: Vec<&str> = set
        .iter()
        .filter(|c| c.is_removal())
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(written, [KEY]);
    assert_eq!(
        removed,
        [
            "sb-127-auth-token.0",
            "sb-127-auth-token.1",
            "sb-127-auth-token.2",
            "sb-127-auth-token.3"
        ]
    );
    assert!(set[1].to_string().contains("Max-Age=0"));
}

#[test]
fn the_unsuffixed_cookie_wins_over_chunks() {
    let whole =
        encode_base64_value(&serde_json::to_string(&session_with_metadata("whole")).unwrap());
    let cookies = Cookies::parse(&format!("{KEY}.0=base64-AAAA; {KEY}={whole}"));

    let session = read(&cookies).unwrap();

    assert_eq!(session.user.user_metadata, json!({"bio": "whole"}));
}

#[test]
fn a_raw_json_value_without_the_prefix_is_read() {
    let json = serde_json::to_string(&session_with_metadata("raw")).unwrap();
    let header = format!("{KEY}={}", utf8_percent_encode(&json, URI_COMPONENT));

    let session = read(&Cookies::parse(&header)).unwrap();

    assert_eq!(session.user.user_metadata, json!({"bio": "raw"}));
}

#[test]
fn malformed_values_are_treated_as_absent() {
    let not_json = encode_base64_value("{not json");
    for header in [
        format!("{KEY}=base64-%%%"),
        format!("{KEY}=base64-!!!!"),
        format!("{KEY}={not_json}"),
        format!("{KEY}=plain-garbage"),
        format!("{KEY}.1=base64-e30"),
    ] {
        let stored = read_session(&Cookies::parse(&header), KEY);
        assert!(
            matches!(stored, StoredSession::Malformed | StoredSession::Absent),
            "{header}: {stored:?}"
        );
    }
    assert!(matches!(
        read_session(&Cookies::parse(&format!("{KEY}.1=base64-e30")), KEY),
        StoredSession::Absent
    ));
}

#[test]
fn a_missing_middle_chunk_leaves_a_value_that_does_not_decode() {
    let set = write_session(
        KEY,
        &session_with_metadata(&"y".repeat(8_000)),
        &Cookies::default(),
        &CookieOptions::default(),
    );
    let without_second: Vec<SetCookie> = set
        .into_iter()
        .filter(|c| !c.name.ends_with(".1"))
        .collect();

    let stored = read_session(&browser_cookies(&without_second), KEY);

    assert!(matches!(stored, StoredSession::Malformed), "{stored:?}");
}

#[test]
fn chunk_names_are_recognised_exactly() {
    assert!(is_chunk_of(KEY, KEY));
    assert!(is_chunk_of("sb-127-auth-token.0", KEY));
    assert!(is_chunk_of("sb-127-auth-token.12", KEY));
    assert!(!is_chunk_of("sb-127-auth-token.01", KEY));
    assert!(!is_chunk_of("sb-127-auth-token.", KEY));
    assert!(!is_chunk_of("sb-127-auth-token-code-verifier", KEY));
    assert!(!is_chunk_of("sb-127-auth-token.x", KEY));
}

#[test]
fn chunks_never_split_an_escape_or_a_character() {
    let value = "é€😀 ".repeat(2_000);

    let chunks = chunk_values(&value);

    assert!(chunks.len() > 1);
    assert_eq!(chunks.concat(), value);
    for chunk in &chunks {
        assert!(utf8_percent_encode(chunk, URI_COMPONENT).to_string().len() <= MAX_CHUNK_SIZE);
    }
}

#[test]
fn the_verifier_cookie_round_trips_and_marks_recovery() {
    let verifier = PkceVerifier::generate();
    let expected = verifier.expose_secret().to_owned();
    let set = write_verifier(KEY, &verifier, true, &CookieOptions::default());

    let found = read_verifiers(&browser_cookies(std::slice::from_ref(&set)), KEY, None);

    assert_eq!(set.name, "sb-127-auth-token-code-verifier");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].verifier.expose_secret(), expected);
    assert!(found[0].recovery);
}

#[test]
fn per_flow_verifier_slots_are_read_after_the_named_flow_and_the_legacy_cookie() {
    let stored = |verifier: &str| encode_base64_value(&format!("\"{verifier}\""));
    let (a, b, legacy) = ("a".repeat(112), "b".repeat(112), "c".repeat(112));
    let index = encode_base64_value(r#"["one","two"]"#);
    let header = format!(
        "{KEY}-flow-one-code-verifier={}; {KEY}-flow-two-code-verifier={}; \
         {KEY}-code-verifier={}; {KEY}-flows-code-verifier={index}",
        stored(&a),
        stored(&b),
        stored(&legacy)
    );
    let cookies = Cookies::parse(&header);

    let named: Vec<String> = read_verifiers(&cookies, KEY, Some("one"))
        .iter()
        .map(|found| found.verifier.expose_secret().to_owned())
        .collect();
    let unnamed: Vec<String> = read_verifiers(&cookies, KEY, None)
        .iter()
        .map(|found| found.verifier.expose_secret().to_owned())
        .collect();

    assert_eq!(named, [a.clone(), legacy.clone(), b.clone()]);
    assert_eq!(unnamed, [legacy, b, a]);
    assert_eq!(
        remove_verifiers(KEY, &cookies, &CookieOptions::default()).len(),
        4
    );
}

#[test]
fn flows_started_in_two_tabs_each_keep_their_verifier_until_they_finish() {
    let (first, second) = (PkceVerifier::generate(), PkceVerifier::generate());
    let options = CookieOptions::default();
    let mut jar = Cookies::default();
    jar.apply(&write_flow_verifier(
        KEY, "tab1", &first, false, &jar, &options,
    ));
    jar.apply(&write_flow_verifier(
        KEY, "tab2", &second, false, &jar, &options,
    ));

    let for_first = read_verifiers(&jar, KEY, Some("tab1"));
    assert_eq!(for_first[0].verifier, first, "the named slot comes first");
    assert!(for_first.iter().any(|found| found.verifier == second));

    // The second tab finishes first: the first tab's slot survives.
    jar.apply(&finish_flow(
        KEY,
        "tab2",
        Some(second.expose_secret()),
        &jar,
        &options,
    ));
    let left = read_verifiers(&jar, KEY, Some("tab1"));
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].verifier, first);
    assert!(
        jar.get(&verifier_key(KEY)).is_none(),
        "the legacy cookie held tab 2's verifier"
    );

    jar.apply(&finish_flow(
        KEY,
        "tab1",
        Some(first.expose_secret()),
        &jar,
        &options,
    ));
    assert!(read_verifiers(&jar, KEY, None).is_empty());
    assert_eq!(
        jar.names().count(),
        0,
        "{:?}",
        jar.names().collect::<Vec<_>>()
    );
}

#[test]
fn only_the_newest_flow_slots_are_kept() {
    let options = CookieOptions::default();
    let mut jar = Cookies::default();
    for n in 0..7 {
        let changes = write_flow_verifier(
            KEY,
            &format!("f{n}"),
            &PkceVerifier::generate(),
            false,
            &jar,
            &options,
        );
        jar.apply(&changes);
    }

    let slots = jar.names().filter(|name| name.contains("-flow-")).count();

    assert_eq!(slots, 5);
    assert!(jar.get(&flow_verifier_key(KEY, "f0")).is_none());
    assert!(jar.get(&flow_verifier_key(KEY, "f6")).is_some());
}

#[test]
fn parsing_follows_the_cookie_package() {
    let cookies = Cookies::parse(r#" a=1; b="quoted"; a=2; c=%E2%82%AC; d=%zz; junk; =x"#);

    assert_eq!(cookies.get("a"), Some("1"));
    assert_eq!(cookies.get("b"), Some("quoted"));
    assert_eq!(cookies.get("c"), Some("€"));
    assert_eq!(cookies.get("d"), Some("%zz"));
    assert_eq!(cookies.names().count(), 4);
}

/// A hostile header: `count` cookies, every one named like a chunk of the session.
fn chunk_flood(count: usize) -> String {
    (0..count)
        .map(|index| format!("{KEY}.{index}=x"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn a_flood_of_cookies_is_read_only_up_to_the_limits() {
    let many: String = (0..40_000)
        .map(|index| format!("c{index}=value"))
        .collect::<Vec<_>>()
        .join("; ");
    assert!(many.len() > 390_000);

    let cookies = Cookies::parse(&many);

    assert_eq!(cookies.names().count(), MAX_COOKIES);
    assert_eq!(cookies.get("c0"), Some("value"));
    assert_eq!(cookies.get("c39999"), None);
}

#[test]
fn only_the_first_bytes_of_huge_headers_are_read() {
    let huge = format!("a=1; b={}; c=3", "é".repeat(MAX_COOKIE_BYTES));

    let cookies = Cookies::parse(&huge);

    assert_eq!(cookies.get("a"), Some("1"));
    assert_eq!(cookies.get("c"), None);
    assert!(cookies.get("b").unwrap().len() <= MAX_COOKIE_BYTES);
}

#[test]
fn a_session_in_more_chunks_than_allowed_is_malformed_and_removal_is_bounded() {
    let cookies = Cookies::parse(&chunk_flood(14_000));

    assert!(matches!(
        read_session(&cookies, KEY),
        StoredSession::Malformed
    ));
    let removals = remove_chunked(KEY, &cookies, &CookieOptions::default());
    assert!(removals.len() <= MAX_COOKIES, "{}", removals.len());
    let rewrite = write_session(
        KEY,
        &session_with_metadata("x"),
        &cookies,
        &CookieOptions::default(),
    );
    assert!(rewrite.len() <= MAX_COOKIES + 1, "{}", rewrite.len());
}

#[test]
fn the_largest_allowed_chunked_value_is_still_read() {
    let header: String = (0..MAX_CHUNKS)
        .map(|index| format!("{KEY}.{index}=p{index}"))
        .collect::<Vec<_>>()
        .join("; ");
    let cookies = Cookies::parse(&header);

    let value = read_chunked(&cookies, KEY).unwrap();

    assert!(value.starts_with("p0p1p2"), "{value}");
    assert!(value.ends_with(&format!("p{}", MAX_CHUNKS - 1)), "{value}");
}

#[test]
fn applying_set_cookies_rewrites_the_request_view() {
    let mut cookies =
        Cookies::parse("theme=dark; sb-127-auth-token.0=old; sb-127-auth-token.1=old");
    let options = CookieOptions::default();

    cookies.apply(&[
        SetCookie::new(KEY, "base64-new", &options),
        SetCookie::removal("sb-127-auth-token.0", &options),
        SetCookie::removal("sb-127-auth-token.1", &options),
    ]);

    assert_eq!(
        cookies.to_header().unwrap(),
        "theme=dark; sb-127-auth-token=base64-new"
    );
}

#[test]
fn debug_output_hides_cookie_values() {
    let set = SetCookie::new(KEY, "base64-secret", &CookieOptions::default());

    let printed = format!("{set:?} {:?}", Cookies::parse("sb=secret"));

    assert!(!printed.contains("secret\""), "{printed}");
    assert!(printed.contains("[redacted]"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_session_size_round_trips(filler in "[a-zA-Z0-9 éü€]{0,4000}") {
        let session = session_with_metadata(&filler);

        let set = write_session(KEY, &session, &Cookies::default(), &CookieOptions::default());

        prop_assert!((1..=6).contains(&set.len()));
        let back = read(&browser_cookies(&set)).expect("the session reads back");
        prop_assert_eq!(back.user.user_metadata, session.user.user_metadata);
    }

    #[test]
    fn any_cookie_header_parses_without_panicking(header in any::<String>()) {
        let cookies = Cookies::parse(&header);
        let _ = read_session(&cookies, KEY);
        let _ = read_verifiers(&cookies, KEY, Some("x"));
        let _ = cookies.to_header();
    }

    #[test]
    fn any_value_under_the_prefix_never_panics(body in "[A-Za-z0-9_=%-]{0,400}") {
        let cookies = Cookies::parse(&format!("{KEY}=base64-{body}"));
        let _ = read_session(&cookies, KEY);
    }
}
