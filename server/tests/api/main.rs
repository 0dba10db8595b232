//! Integration tests of the server: the whole router, in-process or on a real socket.

mod assets;
mod auth_app;
mod auth_pages;
mod config;
mod forwarding;
mod health;
mod helpers;
mod instances;
mod notes;
mod oauth_server;
mod pages;
mod passkeys;
mod security;
mod session_layer;
mod third_party;
