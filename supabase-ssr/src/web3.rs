//! Signing in with a wallet (`/token?grant_type=web3`): the chains, as Supabase Auth names them.
//! Shared by the server, the browser build and local-auth, as the error codes are.

use serde::{Deserialize, Serialize};

/// A chain wallets sign in from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Chain {
    /// Ethereum: EIP-4361 messages, `personal_sign` signatures (secp256k1).
    Ethereum,
    /// Solana: Sign-In-with-Solana messages, ed25519 signatures.
    Solana,
}

impl Chain {
    /// Both chains.
    pub const ALL: [Self; 2] = [Self::Ethereum, Self::Solana];

    /// The chain as the auth server names it (the grant's `chain`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ethereum => "ethereum",
            Self::Solana => "solana",
        }
    }

    /// The chain the auth server calls `name` (surrounding blanks aside).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|chain| chain.name() == name.trim())
    }

    /// The chain's name for people (and in the sign-in message's first line).
    pub fn title(self) -> &'static str {
        match self {
            Self::Ethereum => "Ethereum",
            Self::Solana => "Solana",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Chain;

    #[test]
    fn chains_read_as_the_auth_server_names_them() {
        assert_eq!(Chain::parse(" solana "), Some(Chain::Solana));
        assert_eq!(Chain::parse("ethereum"), Some(Chain::Ethereum));
        assert_eq!(Chain::parse("Ethereum"), None);
        assert_eq!(Chain::parse("bitcoin"), None);
        assert_eq!(Chain::Ethereum.title(), "Ethereum");
    }
}
