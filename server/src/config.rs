//! Server configuration, read once from the environment at start-up.
//!
//! `cargo leptos` passes the `LEPTOS_*` variables (address, site root, bundle name) to the binary
//! it builds; the defaults match `[[workspace.metadata.leptos]]` in the workspace `Cargo.toml`.

use std::net::SocketAddr;

use leptos::config::{LeptosOptions, errors::LeptosConfigError, get_configuration};

/// Everything the server needs to start.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the site is served from and how its WASM bundle is named.
    pub leptos: LeptosOptions,
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A `LEPTOS_*` variable is malformed.
    #[error("invalid Leptos configuration: {0}")]
    Leptos(#[from] LeptosConfigError),
    /// The binary was built by plain `cargo`, so it does not know the name of its WASM bundle.
    #[error(
        "LEPTOS_OUTPUT_NAME is not set: build the server with `cargo leptos build` \
         (or set LEPTOS_OUTPUT_NAME to the bundle name, `app`)"
    )]
    MissingOutputName,
}

impl Config {
    /// Reads the configuration from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let leptos = get_configuration(None)?.leptos_options;
        if leptos.output_name.is_empty() {
            return Err(ConfigError::MissingOutputName);
        }
        Ok(Self { leptos })
    }

    /// The address to listen on (`LEPTOS_SITE_ADDR`).
    pub fn addr(&self) -> SocketAddr {
        self.leptos.site_addr
    }
}
