//! The library against a real local-auth on port 0: the client's calls, token verification and
//! the axum extractors.

mod client;
mod extractors;
mod helpers;
mod jwt;
mod third_party;
mod wire;
