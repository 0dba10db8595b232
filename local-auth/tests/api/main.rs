//! Integration tests of local-auth's API against a server on port 0.

mod admin;
mod anonymous;
mod captcha;
mod config_keys;
mod durability;
mod errors;
mod helpers;
mod hooks;
mod identities;
mod links;
mod metrics;
mod mfa;
mod mirror;
mod oauth;
mod persistence;
mod phone;
mod rate_limits;
mod security;
mod signup;
mod smtp;
mod sso;
mod templates;
mod third_party;
mod token;
mod user;
mod web3;
