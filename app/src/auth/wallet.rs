//! Signing in with a browser wallet: the message a wallet signs (EIP-4361 for Ethereum, its
//! Sign-In-with-Solana twin), and, in the browser, asking `window.ethereum` (EIP-1193) or
//! `window.solana` to sign it. The signature goes to a server function, which has the auth server
//! check it (`/token?grant_type=web3`); nothing here decides anything.

#[cfg(feature = "hydrate")]
pub use browser::*;
pub use supabase_ssr::web3::Chain;

/// What the wallet is asked to sign, in the format the auth server reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageParts<'a> {
    /// The chain.
    pub chain: Chain,
    /// The page's host (and port): the domain asking.
    pub host: &'a str,
    /// The page's origin, the URI the sign-in is for.
    pub origin: &'a str,
    /// The wallet's address.
    pub address: &'a str,
    /// The network (an EIP-155 chain id for Ethereum); none for Solana wallets, which do not say.
    pub network: Option<&'a str>,
    /// A random nonce.
    pub nonce: &'a str,
    /// Now, RFC 3339.
    pub issued_at: &'a str,
}

/// The `Nonce:` of a sign-in message, when it has one.
pub fn message_nonce(message: &str) -> Option<&str> {
    message
        .lines()
        .find_map(|line| line.trim().strip_prefix("Nonce:"))
        .map(str::trim)
        .filter(|nonce| !nonce.is_empty())
}

/// The sign-in message of `parts`.
pub fn sign_in_message(parts: &MessageParts<'_>) -> String {
    let MessageParts {
        chain,
        host,
        origin,
        address,
        network,
        nonce,
        issued_at,
    } = parts;
    let mut message = format!(
        "{host} wants you to sign in with your {} account:\n{address}\n\n\
         Sign in to {host}.\n\nURI: {origin}/\nVersion: 1\n",
        chain.title()
    );
    if let Some(network) = network {
        message.push_str(&format!("Chain ID: {network}\n"));
    }
    message.push_str(&format!("Nonce: {nonce}\nIssued At: {issued_at}"));
    message
}

#[cfg(feature = "hydrate")]
mod browser {
    use base64::Engine;
    use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::{Chain, MessageParts, sign_in_message};

    /// Why the wallet gave no signature.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum WalletError {
        /// The person closed or refused the prompt.
        Refused,
        /// The wallet answered something this page does not understand.
        Failed(String),
    }

    impl std::fmt::Display for WalletError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(match self {
                Self::Refused => "The wallet did not sign. Try again when you are ready.",
                Self::Failed(_) => "Your wallet could not sign the sign-in message.",
            })
        }
    }

    fn get(target: &JsValue, name: &str) -> Option<JsValue> {
        Reflect::get(target, &name.into())
            .ok()
            .filter(|value| !value.is_undefined() && !value.is_null())
    }

    fn function(target: &JsValue, name: &str) -> Option<Function> {
        get(target, name).and_then(|value| value.dyn_into::<Function>().ok())
    }

    /// The chain's wallet object on the page, when it has the methods signing needs.
    fn wallet(chain: Chain) -> Option<JsValue> {
        let window: JsValue = leptos::prelude::window().into();
        match chain {
            Chain::Ethereum => {
                get(&window, "ethereum").filter(|wallet| function(wallet, "request").is_some())
            }
            Chain::Solana => {
                get(&window, "solana").filter(|wallet| function(wallet, "signMessage").is_some())
            }
        }
    }

    /// Whether the page has a wallet for `chain`.
    pub fn available(chain: Chain) -> bool {
        wallet(chain).is_some()
    }

    fn failure(error: JsValue) -> WalletError {
        // EIP-1193's 4001 and the Solana wallets' "User rejected" both mean the person said no.
        let code = get(&error, "code").and_then(|code| code.as_f64());
        let message = get(&error, "message")
            .and_then(|message| message.as_string())
            .unwrap_or_default();
        if code == Some(4001.0) || message.to_lowercase().contains("reject") {
            WalletError::Refused
        } else {
            WalletError::Failed(format!("{error:?}"))
        }
    }

    async fn settle(value: JsValue) -> Result<JsValue, WalletError> {
        match value.dyn_into::<Promise>() {
            Ok(promise) => JsFuture::from(promise).await.map_err(failure),
            Err(value) => Ok(value),
        }
    }

    /// `wallet.request({ method, params })` (EIP-1193).
    async fn request(
        wallet: &JsValue,
        method: &str,
        params: &[JsValue],
    ) -> Result<JsValue, WalletError> {
        let call = Object::new();
        Reflect::set(&call, &"method".into(), &method.into()).map_err(failure)?;
        if !params.is_empty() {
            let list: Array = params.iter().collect();
            Reflect::set(&call, &"params".into(), &list).map_err(failure)?;
        }
        let request = function(wallet, "request")
            .ok_or_else(|| WalletError::Failed("request is missing".into()))?;
        settle(request.call1(wallet, &call).map_err(failure)?).await
    }

    fn page() -> (String, String) {
        let location = leptos::prelude::window().location();
        (
            location.host().unwrap_or_default(),
            location.origin().unwrap_or_default(),
        )
    }

    /// Asks the page's `chain` wallet to sign a sign-in message for this page with the server's
    /// `nonce`; the message and the signature as the auth server takes it (hex for Ethereum,
    /// base64 for Solana).
    pub async fn sign(chain: Chain, nonce: &str) -> Result<(String, String), WalletError> {
        let wallet = wallet(chain).ok_or_else(|| WalletError::Failed("no wallet".into()))?;
        let (host, origin) = page();
        let issued_at = js_sys::Date::new_0()
            .to_iso_string()
            .as_string()
            .unwrap_or_default();
        match chain {
            Chain::Ethereum => {
                let accounts = request(&wallet, "eth_requestAccounts", &[]).await?;
                let address = Array::from(&accounts)
                    .get(0)
                    .as_string()
                    .ok_or(WalletError::Refused)?;
                let network = request(&wallet, "eth_chainId", &[])
                    .await?
                    .as_string()
                    .and_then(|hex| u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok())
                    .ok_or_else(|| WalletError::Failed("eth_chainId".into()))?
                    .to_string();
                let message = sign_in_message(&MessageParts {
                    chain,
                    host: &host,
                    origin: &origin,
                    address: &address,
                    network: Some(&network),
                    nonce,
                    issued_at: &issued_at,
                });
                let hex: String = message.bytes().map(|byte| format!("{byte:02x}")).collect();
                let signature = request(
                    &wallet,
                    "personal_sign",
                    &[format!("0x{hex}").into(), address.into()],
                )
                .await?
                .as_string()
                .ok_or_else(|| WalletError::Failed("personal_sign".into()))?;
                Ok((message, signature))
            }
            Chain::Solana => {
                let public_key = match function(&wallet, "connect") {
                    Some(connect) => {
                        let connected = settle(connect.call0(&wallet).map_err(failure)?).await?;
                        get(&connected, "publicKey").or_else(|| get(&wallet, "publicKey"))
                    }
                    None => get(&wallet, "publicKey"),
                }
                .ok_or(WalletError::Refused)?;
                let address = function(&public_key, "toBase58")
                    .and_then(|to_base58| to_base58.call0(&public_key).ok())
                    .and_then(|address| address.as_string())
                    .ok_or_else(|| WalletError::Failed("publicKey".into()))?;
                let message = sign_in_message(&MessageParts {
                    chain,
                    host: &host,
                    origin: &origin,
                    address: &address,
                    network: None,
                    nonce,
                    issued_at: &issued_at,
                });
                let sign = function(&wallet, "signMessage")
                    .ok_or_else(|| WalletError::Failed("signMessage".into()))?;
                let bytes = Uint8Array::from(message.as_bytes());
                let signed = settle(
                    sign.call2(&wallet, &bytes, &"utf8".into())
                        .map_err(failure)?,
                )
                .await?;
                // Wallets answer the bytes, or `{ signature }` (Phantom).
                let signature = get(&signed, "signature").unwrap_or(signed);
                let signature = signature
                    .dyn_into::<Uint8Array>()
                    .map_err(|_| WalletError::Failed("signMessage".into()))?
                    .to_vec();
                Ok((
                    message,
                    base64::engine::general_purpose::STANDARD.encode(signature),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_the_format_the_auth_server_reads() {
        let parts = MessageParts {
            chain: Chain::Ethereum,
            host: "localhost:3000",
            origin: "http://localhost:3000",
            address: "0x1111111111111111111111111111111111111111",
            network: Some("1"),
            nonce: "00ff",
            issued_at: "2026-12-07T10:00:00.000Z",
        };
        assert_eq!(
            sign_in_message(&parts),
            "localhost:3000 wants you to sign in with your Ethereum account:\n\
             0x1111111111111111111111111111111111111111\n\nSign in to localhost:3000.\n\n\
             URI: http://localhost:3000/\nVersion: 1\nChain ID: 1\nNonce: 00ff\n\
             Issued At: 2026-12-07T10:00:00.000Z"
        );
        let solana = sign_in_message(&MessageParts {
            chain: Chain::Solana,
            network: None,
            ..parts
        });
        assert!(
            solana.starts_with("localhost:3000 wants you to sign in with your Solana account:")
        );
        assert!(!solana.contains("Chain ID"));
        assert_eq!(message_nonce(&solana), Some("00ff"));
        assert_eq!(message_nonce("no nonce here"), None);
        assert_eq!(message_nonce("Nonce:   \nIssued At: now"), None);
    }
}
