//! `mock-okta`: run the Okta emulator.
//!
//! Exit codes: 0 after a clean stop (Ctrl-C or SIGTERM), 1 when the
//! emulator cannot start (unreadable or invalid configuration, address in
//! use), 2 for invalid command-line arguments.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use mock_okta::config::ConfigError;
use mock_okta::{Config, StartError};

/// The embedded demo configuration, printed by `--print-default-config`.
const DEFAULT_CONFIG: &str = include_str!("default.toml");

/// An Okta emulator for tests and demos (custom authorization servers,
/// Sessions API, System Log, hooks). Loopback only.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 picks a free port (the ready line shows
    /// which).
    #[arg(long, default_value = "127.0.0.1:9400", env = "MOCK_OKTA_LISTEN")]
    listen: SocketAddr,

    /// TOML file that seeds users, clients, authorization servers and API
    /// tokens. Without it the embedded demo org is used.
    #[arg(long, env = "MOCK_OKTA_CONFIG")]
    config: Option<PathBuf>,

    /// Log as JSON lines instead of human-readable text.
    #[arg(long)]
    log_json: bool,

    /// Print the embedded demo configuration (a starting point for
    /// --config) and exit.
    #[arg(long)]
    print_default_config: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.print_default_config {
        print!("{DEFAULT_CONFIG}");
        return ExitCode::SUCCESS;
    }
    init_tracing(args.log_json);

    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let message = error_chain(&error);
            tracing::error!(error = %message, "mock-okta failed");
            eprintln!("mock-okta: error: {message}");
            if let Some(hint) = hint(&error) {
                eprintln!("mock-okta: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (config, source) = match &args.config {
        Some(path) => (Config::from_file(path)?, path.display().to_string()),
        None => (Config::embedded_default(), "embedded default".to_owned()),
    };
    if !args.listen.ip().is_loopback() {
        tracing::warn!(
            listen = %args.listen,
            "listening beyond loopback: the demo secrets are reachable from other hosts; the control API still answers loopback clients only"
        );
    }

    let running = mock_okta::start(config, args.listen)
        .await
        .context("mock-okta failed to start")?;
    // Orchestrators wait for this exact line before using the emulator.
    tracing::info!(config = %source, "mock-okta serving org URL {}", running.base_url);

    stop_signal().await?;
    tracing::info!("mock-okta stopping");
    drop(running);
    Ok(())
}

/// Waits for Ctrl-C or, on Unix, SIGTERM.
async fn stop_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate =
            signal(SignalKind::terminate()).context("failed to listen for SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("failed to listen for Ctrl-C")?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("failed to listen for Ctrl-C")?;
    Ok(())
}

/// Joins the error and its causes with ": ", skipping a cause whose text an
/// outer message already includes (several error types embed their source).
fn error_chain(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let message = cause.to_string();
        if text.contains(message.as_str()) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&message);
    }
    text
}

/// Returns a "consider ..." line for failures whose fix is likely.
fn hint(error: &anyhow::Error) -> Option<String> {
    if let Some(StartError::Bind { addr, source }) = error.downcast_ref::<StartError>()
        && source.kind() == std::io::ErrorKind::AddrInUse
    {
        return Some(format!(
            "consider stopping the process that uses port {} or passing --listen 127.0.0.1:0 for a free port",
            addr.port()
        ));
    }
    match error.downcast_ref::<ConfigError>() {
        Some(ConfigError::Parse { .. }) => Some(
            "consider comparing the file with `mock-okta --print-default-config`, which shows every key with a valid value"
                .to_owned(),
        ),
        Some(ConfigError::Read { .. }) => {
            Some("consider checking the --config path, or omit --config for the embedded demo org".to_owned())
        }
        _ => None,
    }
}

fn init_tracing(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal());
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
