//! `session-hook`: serve the Okta token inline hook and event hook receiver.
//!
//! Exit codes: 0 after a clean stop, 2 for invalid configuration, 1 for
//! any other failure.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use session_hook::{Config, StartError};
use tracing_subscriber::EnvFilter;

/// Okta token inline hook linking access tokens to the Okta session.
#[derive(Debug, Parser)]
#[command(name = "session-hook", version)]
struct Args {
    /// TOML configuration file; overrides the embedded demo defaults.
    /// `SESSION_HOOK_*` environment variables override both.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

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

    let config = match Config::load(args.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("session-hook: error: {error}");
            return ExitCode::from(2);
        }
    };
    if args.check {
        println!("session-hook: configuration is valid");
        return ExitCode::SUCCESS;
    }

    match run(&config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("session-hook: error: {error:#}");
            let config_error = error
                .downcast_ref::<StartError>()
                .is_some_and(|start| matches!(start, StartError::Config(_)));
            ExitCode::from(if config_error { 2 } else { 1 })
        }
    }
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

#[tokio::main]
async fn run(config: &Config) -> anyhow::Result<()> {
    let service = session_hook::start(config).await?;
    tracing::info!(
        store = %config.store_path().display(),
        claim = %config.claims.name,
        "session-hook started"
    );

    shutdown_signal().await;
    tracing::info!("shutdown requested");
    service.shutdown().await?;
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
