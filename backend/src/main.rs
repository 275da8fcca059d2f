//! `demo-backend`: serve the demo API protected by the session guard.
//!
//! Exit codes: 0 after a clean stop, 2 for invalid configuration, 1 for
//! any other failure.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use demo_backend::{Config, StartError};
use tracing_subscriber::EnvFilter;

/// Demo API whose routes require a live Okta session behind the access token.
#[derive(Debug, Parser)]
#[command(name = "demo-backend", version)]
struct Args {
    /// TOML configuration file for an Okta org (see okta.example.toml). It
    /// replaces the embedded emulator org; `DEMO_BACKEND_*` environment
    /// variables override both.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Address to bind, overriding `listen` (IP:PORT).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,

    /// Validate the configuration and exit.
    #[arg(long)]
    check: bool,

    /// Log as JSON lines instead of text.
    #[arg(long)]
    log_json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_tracing(args.log_json);

    let mut config = match Config::load(args.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("demo-backend: error: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if args.check {
        println!("demo-backend: configuration is valid");
        return ExitCode::SUCCESS;
    }

    match run(&config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("demo-backend: error: {error:#}");
            let config_error = error
                .downcast_ref::<StartError>()
                .is_some_and(|start| matches!(start, StartError::Guard(_) | StartError::Router(_)));
            ExitCode::from(if config_error { 2 } else { 1 })
        }
    }
}

fn init_tracing(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour codes only on a terminal: orchestrators read the log as text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn run(config: &Config) -> anyhow::Result<()> {
    let token = config.guard.token.as_ref();
    tracing::info!(
        issuer = token.map_or("-", |token| token.issuer.as_str()),
        org = %config.guard.okta.org_url,
        session_claim = %config.guard.session_claim,
        cors_origins = config.cors.allowed_origins.len(),
        "demo-backend starting"
    );
    let backend = demo_backend::start(config).await?;

    shutdown_signal().await;
    tracing::info!("shutdown requested");
    backend.shutdown().await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };

    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
