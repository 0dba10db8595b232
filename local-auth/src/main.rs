//! The `local-auth` binary: reads `LOCAL_AUTH_*` configuration, prints the URLs and keys, serves
//! until Ctrl-C.

use std::process::ExitCode;

use local_auth::{Config, LocalAuth};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    let api = TcpListener::bind(config.api_addr).await?;
    let mailbox = TcpListener::bind(config.mailbox_addr).await?;
    let issuer = config.issuer();
    let mailbox_url = format!("http://{}", mailbox.local_addr()?);
    let server = LocalAuth::start(config).await?;
    let keys = server.api_keys();
    tracing::info!("auth API:        {issuer}");
    tracing::info!("mailbox:         {mailbox_url}");
    tracing::info!("publishable key: {}", keys.publishable);
    tracing::info!("secret key:      {}", keys.secret);
    server
        .serve(api, mailbox, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
