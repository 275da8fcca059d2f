//! `mock-okta`: run the Okta emulator.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use mock_okta::Config;

/// An Okta emulator for tests and demos (custom authorization servers,
/// Sessions API, System Log, hooks). Loopback only.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9400", env = "MOCK_OKTA_LISTEN")]
    listen: SocketAddr,

    /// TOML file that seeds users, clients, authorization servers and API
    /// tokens. Without it the embedded demo org is used.
    #[arg(long, env = "MOCK_OKTA_CONFIG")]
    config: Option<PathBuf>,

    /// Log as JSON lines instead of human-readable text.
    #[arg(long)]
    log_json: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    init_tracing(args.log_json);

    let config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::embedded_default(),
    };
    let source = args.config.as_ref().map_or_else(
        || "embedded default".to_owned(),
        |p| p.display().to_string(),
    );

    let running = mock_okta::start(config, args.listen)
        .await
        .context("mock-okta failed to start")?;
    // Orchestrators wait for this exact line before using the emulator.
    tracing::info!(config = %source, "mock-okta serving org URL {}", running.base_url);

    tokio::signal::ctrl_c()
        .await
        .context("failed to listen for Ctrl-C")?;
    tracing::info!("mock-okta stopping");
    drop(running);
    Ok(())
}

fn init_tracing(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
