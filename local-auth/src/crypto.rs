//! Random tokens, one-time codes and the hashes Supabase Auth uses for them.

use std::fmt::Write as _;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha224, Sha256};

/// Fills a buffer from the operating system's secure random source.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    // The OS random source does not fail on supported platforms; without it nothing here is safe.
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes
}

/// A refresh token: 12 characters of `[a-z2-7]`, like upstream's.
pub fn refresh_token() -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    random_bytes::<12>()
        .iter()
        .map(|byte| char::from(ALPHABET[usize::from(byte % 32)]))
        .collect()
}

/// `length` characters of `[A-Za-z0-9]`, uniformly distributed (upstream's
/// `SecureAlphanumeric`, as OAuth authorization ids are made).
pub fn alphanumeric(length: usize) -> String {
    const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut text = String::with_capacity(length);
    while text.len() < length {
        for byte in random_bytes::<32>() {
            // 248 is the largest multiple of 62 below 256: rejecting the rest keeps it uniform.
            if byte < 248 && text.len() < length {
                text.push(char::from(ALPHABET[usize::from(byte % 62)]));
            }
        }
    }
    text
}

/// A numeric one-time code of `length` digits, uniformly distributed.
pub fn otp(length: usize) -> String {
    let mut code = String::with_capacity(length);
    while code.len() < length {
        for byte in random_bytes::<16>() {
            // 250 is the largest multiple of 10 below 256: rejecting the rest keeps digits uniform.
            if byte < 250 && code.len() < length {
                code.push(char::from(b'0' + byte % 10));
            }
        }
    }
    code
}

/// The stored form of an email or SMS code: hex(sha224(address + code)).
pub fn token_hash(address: &str, code: &str) -> String {
    hex(&Sha224::digest(format!("{address}{code}")))
}

/// A PKCE `s256` challenge: unpadded base64url of SHA-256 of the verifier.
pub fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `value` has the shape RFC 7636 gives PKCE challenges and verifiers: 43 to 128
/// characters of `[A-Za-z0-9-._~]`.
pub fn is_pkce_shaped(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphanumerics_have_the_length_asked_and_differ() {
        let id = alphanumeric(32);
        assert_eq!(id.len(), 32);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(id, alphanumeric(32));
        assert_eq!(alphanumeric(100).len(), 100);
    }

    #[test]
    fn pkce_shapes_follow_rfc_7636() {
        assert!(is_pkce_shaped(&"a-._~".repeat(9)));
        assert!(!is_pkce_shaped(&"a".repeat(42)));
        assert!(!is_pkce_shaped(&"a".repeat(129)));
        assert!(!is_pkce_shaped(&("a".repeat(42) + "!")));
    }

    #[test]
    fn refresh_tokens_are_twelve_base32_characters() {
        let token = refresh_token();

        assert_eq!(token.len(), 12);
        assert!(
            token
                .bytes()
                .all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c))
        );
    }

    #[test]
    fn otps_have_the_requested_number_of_digits() {
        let code = otp(6);

        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn token_hash_is_hex_sha224_of_address_and_code() {
        // sha224("a@b.c123456"), computed independently.
        let hash = token_hash("a@b.c", "123456");

        assert_eq!(hash.len(), 56);
        assert_eq!(hash, hex(&Sha224::digest(b"a@b.c123456")));
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_example() {
        let challenge = pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

        assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
