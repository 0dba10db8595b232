//! `POST /token?grant_type=web3`: a wallet's signed Sign-In-with-Ethereum or Sign-In-with-Solana
//! message signs in (or up) the user of that address, with upstream's checks in upstream's order
//! (`internal/api/web3.go`): the chain on, the message's size and the signature's shape, the
//! message, the signature, the URI (HTTPS or localhost, an allowed redirect), the domain (the
//! URI's), then the times. Like upstream, the same signed message signs in again while it is
//! valid; an app that wants each message used once remembers them (the starter's server does).

use base64::Engine;
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use super::external::{NewIdentity, sign_up_with_identity};
use crate::{
    config::Web3Chain,
    error::{ApiError, ApiResult, ErrorCode},
    redirect, sessions,
    state::AppState,
    store::{self, User},
    web3::{self, Chain, Message},
};

/// The provider of Web3 identities (`web3:<chain>:<address>`).
const PROVIDER: &str = "web3";

/// Signs in with `message` signed as `signature` on `chain` (the body's values, strings when
/// given); returns the session.
pub async fn grant(
    state: &AppState,
    chain: Option<&Value>,
    message: Option<&Value>,
    signature: Option<&Value>,
) -> ApiResult<Value> {
    let config = &state.config.web3;
    if !config.ethereum.enabled && !config.solana.enabled {
        return Err(disabled("Web3 provider is disabled"));
    }
    let (chain, message, signature) = (text(chain)?, text(message)?, text(signature)?);
    let (chain, settings) = match chain.unwrap_or_default() {
        "ethereum" => (Chain::Ethereum, &config.ethereum),
        "solana" => (Chain::Solana, &config.solana),
        _ => {
            return Err(ApiError::bad_request(
                ErrorCode::Web3UnsupportedChain,
                "Unsupported chain",
            ));
        }
    };
    if !settings.enabled {
        return Err(disabled(&format!(
            "{} Web3 provider is disabled",
            chain.title()
        )));
    }
    let raw = message.unwrap_or_default();
    if raw.len() < 64 {
        return Err(ApiError::validation("message is too short"));
    }
    if raw.len() > 20 * 1024 {
        return Err(ApiError::validation("message must not exceed 20KB"));
    }
    let signature = decode_signature(chain, signature.unwrap_or_default())?;
    let message = web3::parse(chain, raw).map_err(ApiError::validation)?;
    let signed = match chain {
        Chain::Ethereum => signature
            .as_slice()
            .try_into()
            .is_ok_and(|bytes| message.signed_by_ethereum_address(bytes)),
        Chain::Solana => message.signed_by_solana_address(&signature),
    };
    if !signed {
        return Err(invalid_grant("Signature does not match address in message"));
    }
    check_origin(state, chain, &message)?;
    check_times(chain, settings, &message)?;

    let mut tx = state.db.write.begin().await?;
    let user = wallet_user(state, &mut tx, chain, &message).await?;
    if user.is_banned() {
        return Err(ApiError::bad_request(
            ErrorCode::UserBanned,
            "User is banned",
        ));
    }
    let session = sessions::start(state, &mut tx, &user, "web3").await?;
    tx.commit().await?;
    Ok(session)
}

/// A body field that must be a string when present (upstream's typed parameters).
fn text(value: Option<&Value>) -> ApiResult<Option<&str>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(ApiError::bad_request(
            ErrorCode::BadJson,
            "Could not parse request body as JSON: chain, message and signature are strings",
        )),
    }
}

fn disabled(message: &str) -> ApiError {
    ApiError::unprocessable(ErrorCode::Web3ProviderDisabled, message)
}

fn invalid_grant(description: impl Into<String>) -> ApiError {
    ApiError::oauth("invalid_grant", description)
}

/// The signature's bytes: 130 hex digits (`0x` optional) for Ethereum; 64 bytes in base64, with
/// or without padding, standard or URL alphabet, for Solana.
fn decode_signature(chain: Chain, signature: &str) -> ApiResult<Vec<u8>> {
    match chain {
        Chain::Ethereum => {
            let hex = signature.strip_prefix("0x").unwrap_or(signature);
            if hex.len() != 130 {
                return Err(ApiError::validation(
                    "signature must be 65 bytes long, encoded as a 130 character-long hexadecimal string",
                ));
            }
            web3::decode_hex(hex).ok_or_else(|| {
                ApiError::validation("signature does not contain valid hexadecimal characters")
            })
        }
        Chain::Solana => {
            if signature.len() != 86 && signature.len() != 88 {
                return Err(ApiError::validation(
                    "signature must be 64 bytes encoded as base64 with or without padding",
                ));
            }
            let url_safe = signature
                .trim_end_matches('=')
                .replace('+', "-")
                .replace('/', "_");
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(url_safe)
                .map_err(|_| {
                    ApiError::validation("signature does not contain valid base64 characters")
                })
        }
    }
}

/// The message must be for this project: an HTTPS URI (or localhost) that is an allowed redirect,
/// and, off localhost, a domain that is the URI's host and allowed too.
fn check_origin(state: &AppState, chain: Chain, message: &Message) -> ApiResult<()> {
    let title = chain.title();
    let localhost = message.uri.host_str() == Some("localhost");
    if message.uri.scheme() != "https" && !localhost {
        return Err(invalid_grant(format!(
            "Signed {title} message is using URI which does not use HTTPS"
        )));
    }
    if !redirect::is_allowed(&state.config, message.uri.as_str()) {
        return Err(invalid_grant(format!(
            "Signed {title} message is using URI which is not allowed on this server, message was \
             signed for another app"
        )));
    }
    if !localhost {
        let host = match (message.uri.host_str(), message.uri.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => String::new(),
        };
        let domain_allowed =
            redirect::is_allowed(&state.config, &format!("https://{}/", message.domain));
        if host != message.domain || !domain_allowed {
            return Err(invalid_grant(format!(
                "Signed {title} message is using a Domain that does not match the one in URI \
                 which is not allowed on this server"
            )));
        }
    }
    Ok(())
}

/// Not before its `Not Before`, not after its `Expiration Time` (checked whether or not the
/// message has a `Not Before`; upstream checks an Ethereum message's expiry only with one), and
/// `Issued At` within the chain's maximum validity of now, either way.
fn check_times(chain: Chain, settings: &Web3Chain, message: &Message) -> ApiResult<()> {
    let title = chain.title();
    let now = Utc::now();
    if message.not_before.is_some_and(|at| now < at) {
        return Err(invalid_grant(format!(
            "Signed {title} message becomes valid in the future"
        )));
    }
    if message.expiration_time.is_some_and(|at| now > at) {
        return Err(invalid_grant(format!("Signed {title} message is expired")));
    }
    let window =
        TimeDelta::seconds(i64::try_from(settings.maximum_validity).unwrap_or(i64::MAX / 2));
    if now > message.issued_at + window {
        return Err(invalid_grant(format!(
            "{title} message was issued too long ago"
        )));
    }
    if now < message.issued_at - window {
        return Err(invalid_grant(format!(
            "{title} message was issued too far in the future"
        )));
    }
    Ok(())
}

/// The user of the wallet's identity (`web3:<chain>:<address>`), made on first sign-in: an
/// account without an email address.
async fn wallet_user(
    state: &AppState,
    tx: &mut SqliteConnection,
    chain: Chain,
    message: &Message,
) -> ApiResult<User> {
    let subject = format!("{PROVIDER}:{}:{}", chain.name(), message.address);
    let identity_data = json!({
        "sub": subject,
        "custom_claims": {
            "address": message.address,
            "chain": chain.name(),
            "network": message.chain_id.clone().unwrap_or_default(),
            "domain": message.domain,
            "statement": message.statement.clone().unwrap_or_default(),
        },
        "email_verified": false,
        "phone_verified": false,
    });
    if let Some(identity) = store::identity_by_provider(&mut *tx, PROVIDER, &subject).await? {
        store::record_identity_sign_in(&mut *tx, &identity.id, &identity_data, None).await?;
        return store::user_by_id(&mut *tx, &identity.user_id)
            .await?
            .ok_or_else(|| ApiError::internal("a user vanished inside its transaction"));
    }
    let identity = NewIdentity {
        provider: PROVIDER,
        subject: &subject,
        email: None,
        sso: false,
        data: &identity_data,
    };
    sign_up_with_identity(state, tx, &identity).await
}
