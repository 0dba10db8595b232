//! Sign in with Ethereum (EIP-4361) and with Solana: the signed message as upstream's `siwe` and
//! `siws` packages read it (one reader, the two formats differ in their header, address and
//! chain id), and the signature checks: secp256k1 public-key recovery over the EIP-191 personal
//! message hash for Ethereum, ed25519 (over the message, or its Solana off-chain envelope) for
//! Solana.

use chrono::{DateTime, Utc};
use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use sha3::{Digest, Keccak256};
use url::Url;

pub use supabase_ssr::web3::Chain;

/// What the two message formats differ in.
trait Format {
    /// The prefix of the parser's errors, as upstream's packages write them.
    fn package(self) -> &'static str;
    /// How the first line ends.
    fn header_suffix(self) -> &'static str;
    /// `0x` and 40 hex digits; or 32 to 44 letters and digits (base58).
    fn accepts_address(self, address: &str) -> bool;
    /// EIP-155 chain ids are positive integers; Solana's are `solana:<main|dev|test|local>net`.
    fn accepts_chain_id(self, id: &str) -> bool;
}

impl Format for Chain {
    fn package(self) -> &'static str {
        match self {
            Self::Ethereum => "siwe",
            Self::Solana => "siws",
        }
    }

    fn header_suffix(self) -> &'static str {
        match self {
            Self::Ethereum => " wants you to sign in with your Ethereum account:",
            Self::Solana => " wants you to sign in with your Solana account:",
        }
    }

    fn accepts_address(self, address: &str) -> bool {
        match self {
            Self::Ethereum => address
                .strip_prefix("0x")
                .is_some_and(|hex| hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit())),
            Self::Solana => {
                (32..=44).contains(&address.len())
                    && address.bytes().all(|b| b.is_ascii_alphanumeric())
            }
        }
    }

    fn accepts_chain_id(self, id: &str) -> bool {
        match self {
            Self::Ethereum => id.parse::<i64>().is_ok_and(|id| id > 0),
            Self::Solana => matches!(
                id,
                "solana:mainnet" | "solana:devnet" | "solana:testnet" | "solana:localnet"
            ),
        }
    }
}

/// A parsed sign-in message.
#[derive(Clone, Debug)]
pub struct Message {
    /// The text that was signed.
    pub raw: String,
    /// The domain (host, and port when given) asking for the sign-in.
    pub domain: String,
    /// The wallet address.
    pub address: String,
    /// The human-readable statement, when there is one.
    pub statement: Option<String>,
    /// The URI the sign-in is for.
    pub uri: Url,
    /// The chain id (network), when the message names one.
    pub chain_id: Option<String>,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops being valid, when it says.
    pub expiration_time: Option<DateTime<Utc>>,
    /// When it starts being valid, when it says.
    pub not_before: Option<DateTime<Utc>>,
}

fn timestamp(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// Host names of letters, digits and inner hyphens with a letters-only top label, or
/// `localhost`; a port may follow (upstream's pattern).
fn is_domain(domain: &str) -> bool {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    if port.is_some_and(|port| {
        port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit())
    }) {
        return false;
    }
    if host == "localhost" {
        return true;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let Some((top, rest)) = labels.split_last() else {
        return false;
    };
    !rest.is_empty()
        && top.len() >= 2
        && top.bytes().all(|b| b.is_ascii_alphabetic())
        && rest.iter().all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Reads `raw` as `chain`'s sign-in message; the error is upstream's sentence.
pub fn parse(chain: Chain, raw: &str) -> Result<Message, String> {
    let package = chain.package();
    let error = |what: &str| format!("{package}: {what}");
    let lines: Vec<&str> = raw.split('\n').collect();
    if lines.len() < 6 {
        return Err(error("message needs at least 6 lines"));
    }
    let domain = lines[0]
        .strip_suffix(chain.header_suffix())
        .ok_or_else(|| {
            error(&format!(
                "message first line does not end in \"{}\"",
                chain.header_suffix()
            ))
        })?
        .trim();
    if !is_domain(domain) {
        return Err(error("domain in first line of message is not valid"));
    }
    let address = lines[1].trim();
    if !chain.accepts_address(address) {
        return Err(error(match chain {
            Chain::Ethereum => "wallet address is not a valid Ethereum address",
            Chain::Solana => "wallet address is not a valid Solana address",
        }));
    }
    if !lines[2].is_empty() {
        return Err(error("third line must be empty"));
    }
    let (statement, start) = if !lines[3].is_empty() && lines[4].is_empty() {
        (Some(lines[3].to_owned()), 5)
    } else {
        (None, 3)
    };
    let mut uri = None;
    let mut version = None;
    let mut chain_id = None;
    let mut issued_at = None;
    let mut expiration_time = None;
    let mut not_before = None;
    let mut in_resources = false;
    let mut resources = 0;
    for (index, line) in lines.iter().enumerate().skip(start) {
        let line = line.trim();
        if in_resources {
            if let Some(resource) = line.strip_prefix("- ") {
                if Url::parse(resource.trim()).is_err() {
                    return Err(error(&format!(
                        "Resource at position {resources} has invalid URI"
                    )));
                }
                resources += 1;
                continue;
            }
            in_resources = false;
        }
        if line == "Resources:" {
            in_resources = true;
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| error(&format!("encountered unparsable line at index {index}")))?;
        let value = value.trim();
        match key {
            "URI" => uri = Some(Url::parse(value).map_err(|_| error("URI is not valid"))?),
            "Version" => version = Some(value.to_owned()),
            "Chain ID" => {
                let required = chain == Chain::Ethereum;
                if (required || !value.is_empty()) && !chain.accepts_chain_id(value) {
                    return Err(error("Chain ID is not valid"));
                }
                chain_id = Some(value.to_owned()).filter(|id| !id.is_empty());
            }
            "Issued At" => {
                issued_at = Some(
                    timestamp(value)
                        .ok_or_else(|| error("Issued At is not a valid ISO8601 timestamp"))?,
                );
            }
            "Expiration Time" => {
                expiration_time =
                    Some(timestamp(value).ok_or_else(|| {
                        error("Expiration Time is not a valid ISO8601 timestamp")
                    })?);
            }
            "Not Before" => {
                not_before = Some(
                    timestamp(value)
                        .ok_or_else(|| error("Not Before is not a valid ISO8601 timestamp"))?,
                );
            }
            _ => {}
        }
    }
    let version = version.unwrap_or_default();
    if version != "1" {
        return Err(error(&format!(
            "Version value is not supported, expected 1 got {version:?}"
        )));
    }
    let issued_at = issued_at.ok_or_else(|| error("Issued At is not specified"))?;
    let uri = uri.ok_or_else(|| error("URI is not specified"))?;
    if expiration_time.is_some_and(|expiry| issued_at > expiry) {
        return Err(error("Issued At is after Expiration Time"));
    }
    if let (Some(not_before), Some(expiry)) = (not_before, expiration_time)
        && not_before > expiry
    {
        return Err(error("Not Before is after Expiration Time"));
    }
    Ok(Message {
        raw: raw.to_owned(),
        domain: domain.to_owned(),
        address: address.to_owned(),
        statement,
        uri,
        chain_id,
        issued_at,
        expiration_time,
        not_before,
    })
}

impl Message {
    /// Whether `signature` (65 bytes `r‖s‖v`, `v` 0/1 or 27/28) is the message's address signing
    /// it with `personal_sign`: the public key recovered from the EIP-191 hash must hash to the
    /// address. Malformed signatures are simply not a match.
    pub fn signed_by_ethereum_address(&self, signature: &[u8; 65]) -> bool {
        let mut hasher = Keccak256::new();
        hasher.update(format!("\x19Ethereum Signed Message:\n{}", self.raw.len()));
        hasher.update(self.raw.as_bytes());
        let hash = hasher.finalize();
        let v = signature[64];
        let Some(recovery_id) = RecoveryId::from_byte(if v >= 27 { v - 27 } else { v }) else {
            return false;
        };
        let Ok(signature) = Signature::from_slice(&signature[..64]) else {
            return false;
        };
        let Ok(key) = VerifyingKey::recover_from_prehash(&hash, &signature, recovery_id) else {
            return false;
        };
        let point = key.to_sec1_point(false);
        let Some(xy) = point.as_bytes().get(1..) else {
            return false;
        };
        let recovered = &Keccak256::digest(xy)[12..];
        let claimed = self.address.strip_prefix("0x").and_then(decode_hex);
        claimed.is_some_and(|claimed| claimed == recovered)
    }

    /// Whether `signature` (64 bytes) is the ed25519 signature of the message's address (its
    /// base58 public key) over the message, or over the Solana off-chain message envelope
    /// wallets may wrap it in.
    pub fn signed_by_solana_address(&self, signature: &[u8]) -> bool {
        use ring::signature::{ED25519, UnparsedPublicKey};
        let Ok(public_key) = bs58::decode(&self.address).into_vec() else {
            return false;
        };
        if public_key.len() != 32 {
            return false;
        }
        let key = UnparsedPublicKey::new(&ED25519, &public_key);
        if key.verify(self.raw.as_bytes(), signature).is_ok() {
            return true;
        }
        let Ok(length) = u16::try_from(self.raw.len()) else {
            return false;
        };
        let mut envelope = Vec::with_capacity(self.raw.len() + 85);
        envelope.push(0xff);
        envelope.extend_from_slice(b"solana offchain");
        envelope.push(0); // version
        let mut domain = [0u8; 32];
        let take = self.domain.len().min(32);
        domain[..take].copy_from_slice(&self.domain.as_bytes()[..take]);
        envelope.extend_from_slice(&domain);
        envelope.push(0); // format: ASCII
        envelope.push(1); // one signer
        envelope.extend_from_slice(&public_key);
        envelope.extend_from_slice(&length.to_le_bytes());
        envelope.extend_from_slice(self.raw.as_bytes());
        key.verify(&envelope, signature).is_ok()
    }
}

/// Hex digits to bytes; `None` unless every pair is hex.
pub fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|at| {
            hex.get(at..at + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ethereum_message(domain: &str, address: &str) -> String {
        format!(
            "{domain} wants you to sign in with your Ethereum account:\n{address}\n\n\
             Sign in to the app\n\nURI: https://{domain}\nVersion: 1\nChain ID: 1\n\
             Nonce: abcdef12\nIssued At: 2026-12-07T10:00:00Z"
        )
    }

    #[test]
    fn an_eip_4361_message_reads_as_upstream_reads_it() {
        let raw = ethereum_message(
            "app.example.com",
            "0x1111111111111111111111111111111111111111",
        );
        let message = parse(Chain::Ethereum, &raw).unwrap();
        assert_eq!(message.domain, "app.example.com");
        assert_eq!(message.statement.as_deref(), Some("Sign in to the app"));
        assert_eq!(message.chain_id.as_deref(), Some("1"));
        assert_eq!(message.uri.as_str(), "https://app.example.com/");
        for (bad, why) in [
            (raw.replace("Version: 1", "Version: 2"), "Version"),
            (raw.replace("Chain ID: 1", "Chain ID: 0"), "Chain ID"),
            (
                raw.replace("Issued At: 2026-12-07T10:00:00Z", "Issued At: yesterday"),
                "Issued At",
            ),
            (
                raw.replace("app.example.com wants", "127.0.0.1:3000 wants"),
                "domain",
            ),
            (raw.replace("0x1111", "0xZZ11"), "address"),
            (raw.replace("URI: https://app.example.com\n", ""), "URI"),
            (
                raw.replace("Ethereum account", "Solana account"),
                "first line",
            ),
            (raw.replace("\n\nSign in", "\nx\nSign in"), "third line"),
            (
                format!("{raw}\nExpiration Time: 2026-12-07T09:00:00Z"),
                "after Expiration",
            ),
            (
                raw.lines().take(4).collect::<Vec<_>>().join("\n"),
                "6 lines",
            ),
        ] {
            let error = parse(Chain::Ethereum, &bad).unwrap_err();
            assert!(
                error.starts_with("siwe: ") && error.contains(why),
                "{why}: {error}"
            );
        }
    }

    #[test]
    fn domains_follow_upstreams_pattern() {
        for good in [
            "localhost",
            "localhost:3000",
            "example.com",
            "a-b.example.co:443",
        ] {
            assert!(is_domain(good), "{good}");
        }
        for bad in [
            "127.0.0.1",
            "example",
            "-a.example.com",
            "example.c0m",
            "example.com:",
            "a..com",
            "example.com:123456",
        ] {
            assert!(!is_domain(bad), "{bad}");
        }
    }

    #[test]
    fn a_personal_sign_signature_recovers_the_signing_address() {
        use k256::ecdsa::SigningKey;
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let point = key.verifying_key().to_sec1_point(false);
        let address = &Keccak256::digest(&point.as_bytes()[1..])[12..];
        let address = format!(
            "0x{}",
            address
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let raw = ethereum_message("app.example.com", &address);
        let mut hasher = Keccak256::new();
        hasher.update(format!("\x19Ethereum Signed Message:\n{}", raw.len()));
        hasher.update(raw.as_bytes());
        let (signature, recovery) = key.sign_prehash_recoverable(&hasher.finalize());
        let mut bytes = [0u8; 65];
        bytes[..64].copy_from_slice(&signature.to_bytes());
        bytes[64] = recovery.to_byte() + 27;
        let message = parse(Chain::Ethereum, &raw).unwrap();
        assert!(message.signed_by_ethereum_address(&bytes));
        // Another message, another address, a bent signature, a bad recovery byte: no match.
        let other = parse(
            Chain::Ethereum,
            &raw.replace("Nonce: abcdef12", "Nonce: abcdef13"),
        )
        .unwrap();
        assert!(!other.signed_by_ethereum_address(&bytes));
        let mut bent = bytes;
        bent[10] ^= 1;
        assert!(!message.signed_by_ethereum_address(&bent));
        let mut bad_v = bytes;
        bad_v[64] = 40;
        assert!(!message.signed_by_ethereum_address(&bad_v));
        assert!(!message.signed_by_ethereum_address(&[0u8; 65]));
    }

    #[test]
    fn an_ed25519_signature_of_the_message_or_its_envelope_is_the_solana_addresss() {
        use ring::signature::{Ed25519KeyPair, KeyPair};
        let pair = Ed25519KeyPair::from_seed_unchecked(&[9u8; 32]).unwrap();
        let address = bs58::encode(pair.public_key().as_ref()).into_string();
        let raw = format!(
            "app.example.com wants you to sign in with your Solana account:\n{address}\n\n\
             Sign in\n\nURI: https://app.example.com\nVersion: 1\nChain ID: solana:devnet\n\
             Issued At: 2026-12-07T10:00:00Z"
        );
        let message = parse(Chain::Solana, &raw).unwrap();
        assert_eq!(message.chain_id.as_deref(), Some("solana:devnet"));
        let signature = pair.sign(raw.as_bytes());
        assert!(message.signed_by_solana_address(signature.as_ref()));
        let other = parse(Chain::Solana, &raw.replace("Sign in\n", "Sign in!\n")).unwrap();
        assert!(!other.signed_by_solana_address(signature.as_ref()));
        assert!(!message.signed_by_solana_address(&[0u8; 64]));
        assert!(!message.signed_by_solana_address(&[0u8; 3]));
        let bad_network = raw.replace("solana:devnet", "solana:moon");
        assert!(
            parse(Chain::Solana, &bad_network)
                .unwrap_err()
                .starts_with("siws: ")
        );
    }
}
