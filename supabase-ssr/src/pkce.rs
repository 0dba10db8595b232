//! PKCE (RFC 7636) as Supabase Auth uses it: a verifier of 112 lowercase hex characters and its
//! challenge, base64url(SHA-256(verifier)) without padding, sent with the method `s256`.

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// The method name Supabase Auth expects for SHA-256 challenges.
pub const CHALLENGE_METHOD: &str = "s256";

/// A PKCE code verifier. Not `Clone`: it is created for one flow and consumed by its exchange.
#[derive(PartialEq, Eq)]
pub struct PkceVerifier(String);

/// `N` random bytes as lowercase hex.
fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    bytes
        .iter()
        .fold(String::with_capacity(2 * N), |mut hex, byte| {
            use fmt::Write;
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// A new id for a flow's own verifier slot ([`crate::cookie::write_flow_verifier`]): 16 random
/// bytes as 32 hex characters.
pub fn flow_id() -> String {
    random_hex::<16>()
}

impl PkceVerifier {
    /// A new random verifier: 56 random bytes as 112 lowercase hex characters.
    pub fn generate() -> Self {
        Self(random_hex::<56>())
    }

    /// A verifier read back from where the flow stored it (a cookie). `None` unless it has the
    /// shape RFC 7636 allows: 43 to 128 characters of `[A-Za-z0-9-._~]`.
    pub fn from_stored(value: &str) -> Option<Self> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
        ((43..=128).contains(&value.len()) && value.chars().all(allowed))
            .then(|| Self(value.to_owned()))
    }

    /// The challenge to send when the flow starts.
    pub fn challenge(&self) -> PkceChallenge {
        PkceChallenge(URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes())))
    }

    /// The verifier itself, for storing it until the exchange.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Gives the verifier up for the code exchange.
    pub(crate) fn into_secret(self) -> String {
        self.0
    }
}

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PkceVerifier([redacted])")
    }
}

/// The S256 challenge of a [`PkceVerifier`]; public by design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkceChallenge(String);

impl PkceChallenge {
    /// The challenge as sent in `code_challenge`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_are_112_lowercase_hex_characters_and_differ() {
        let (first, second) = (PkceVerifier::generate(), PkceVerifier::generate());

        assert_eq!(first.expose_secret().len(), 112);
        assert!(
            first
                .expose_secret()
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
        assert_ne!(first, second);
    }

    #[test]
    fn the_challenge_is_the_rfc_7636_s256_value() {
        // The example of RFC 7636, appendix B.
        let verifier =
            PkceVerifier::from_stored("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();

        assert_eq!(
            verifier.challenge().as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn stored_values_of_the_wrong_shape_are_refused() {
        assert!(PkceVerifier::from_stored("short").is_none());
        assert!(PkceVerifier::from_stored(&"a".repeat(129)).is_none());
        assert!(PkceVerifier::from_stored(&format!("{}\"", "a".repeat(50))).is_none());
    }

    #[test]
    fn debug_output_hides_the_verifier() {
        assert_eq!(
            format!("{:?}", PkceVerifier::generate()),
            "PkceVerifier([redacted])"
        );
    }
}
