//! `stack`: run the local demo (mock-okta, the token inline hook and, once
//! built, the back end) from already-built binaries, until Ctrl-C.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tracing_subscriber::EnvFilter;

use demo_stack::demo::{self, DemoConfig, DemoPorts};
use demo_stack::{Stack, StackOptions, StopReason};

/// Exit code when a service exited on its own.
const EXIT_SERVICE_DIED: u8 = 1;
/// Exit code when the stack could not start.
const EXIT_START_FAILED: u8 = 2;

/// Start the session-linked token demo on 127.0.0.1 and supervise it.
///
/// Every service is checked, started in order, waited for until ready, and
/// stopped together on Ctrl-C, SIGTERM, or when one of them exits.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Exit codes: 0 after Ctrl-C or SIGTERM, 1 when a service exited on its own, \
                  2 when the stack could not start (missing binary, port in use, readiness timeout)."
)]
struct Args {
    /// Port of the Okta emulator (its org URL is http://127.0.0.1:PORT).
    #[arg(long, env = "DEMO_MOCK_OKTA_PORT", default_value_t = 9400, value_parser = clap::value_parser!(u16).range(1..))]
    mock_okta_port: u16,

    /// Port of the token inline hook service.
    #[arg(long, env = "DEMO_HOOK_PORT", default_value_t = 9401, value_parser = clap::value_parser!(u16).range(1..))]
    hook_port: u16,

    /// Port of the back-end API.
    #[arg(long, env = "DEMO_BACKEND_PORT", default_value_t = 9402, value_parser = clap::value_parser!(u16).range(1..))]
    backend_port: u16,

    /// Port of the single-page app.
    #[arg(long, env = "DEMO_SPA_PORT", default_value_t = 9403, value_parser = clap::value_parser!(u16).range(1..))]
    spa_port: u16,

    /// Directory that contains the built binaries.
    #[arg(long, env = "DEMO_BIN_DIR", default_value = "target/debug")]
    bin_dir: PathBuf,

    /// Directory of the built single-page app (frontend/build.sh writes it);
    /// without its index.html the app is skipped.
    #[arg(long, env = "DEMO_SPA_DIST", default_value = demo::DEFAULT_SPA_DIST)]
    spa_dist: PathBuf,

    /// Seconds each service has to become ready.
    #[arg(long, env = "DEMO_READY_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    ready_timeout_secs: u64,

    /// Milliseconds between SIGTERM and SIGKILL when stopping.
    #[arg(long, env = "DEMO_STOP_GRACE_MS", default_value_t = 5000)]
    stop_grace_ms: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    init_tracing();

    match run(args).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("stack: error: {error:#}");
            ExitCode::from(EXIT_START_FAILED)
        }
    }
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Listen before starting anything, so a Ctrl-C during start-up is seen.
    let mut sigint = signal(SignalKind::interrupt()).context("failed to listen for SIGINT")?;
    let mut sigterm = signal(SignalKind::terminate()).context("failed to listen for SIGTERM")?;

    // Removed when `work_dir` drops at the end of this function.
    let work_dir = tempfile::Builder::new()
        .prefix("demo-stack-")
        .tempdir()
        .context("failed to create a temporary directory for generated files")?;
    let config = DemoConfig {
        bin_dir: args.bin_dir,
        ports: DemoPorts {
            mock_okta: args.mock_okta_port,
            hook: args.hook_port,
            backend: args.backend_port,
            spa: args.spa_port,
        },
        work_dir: work_dir.path().to_path_buf(),
        ready_timeout: Duration::from_secs(args.ready_timeout_secs),
        spa_dist: args.spa_dist,
    };
    let composition = demo::compose(&config)?;

    let options = StackOptions {
        stop_grace: Duration::from_millis(args.stop_grace_ms),
        ..StackOptions::default()
    };
    let mut specs = composition.specs.clone();
    if !std::io::stdout().is_terminal() {
        // Colour codes would clutter a log file; tracing-subscriber and most
        // CLI libraries honour NO_COLOR.
        for spec in &mut specs {
            spec.env.push(("NO_COLOR".to_owned(), "1".to_owned()));
        }
    }

    let started = tokio::select! {
        started = Stack::start(specs, options) => started,
        name = next_signal(&mut sigint, &mut sigterm) => {
            // Dropping the unfinished start-up sends SIGKILL to every
            // process group it created.
            eprintln!("stack: {name} during start-up; stopped");
            return Ok(ExitCode::SUCCESS);
        }
    };
    let stack = match started {
        Ok(stack) => stack,
        Err(error) => {
            eprintln!("stack: error: {error}");
            print_last_lines(error.service().unwrap_or("?"), error.last_lines());
            return Ok(ExitCode::from(EXIT_START_FAILED));
        }
    };

    print!("{}", demo::summary(&composition, &config.ports));

    let (reason, _stopped) = stack
        .run_until(async {
            let name = next_signal(&mut sigint, &mut sigterm).await;
            tracing::info!(signal = name, "shutdown requested");
        })
        .await;

    match reason {
        StopReason::Requested => {
            eprintln!("stack: stopped every service");
            Ok(ExitCode::SUCCESS)
        }
        StopReason::ServiceExited(exit) => {
            eprintln!("stack: error: {exit}; stopped the other services");
            print_last_lines(&exit.service, &exit.last_lines);
            Ok(ExitCode::from(EXIT_SERVICE_DIED))
        }
    }
}

/// Waits for SIGINT or SIGTERM and returns its name.
async fn next_signal(sigint: &mut Signal, sigterm: &mut Signal) -> &'static str {
    tokio::select! {
        _ = sigint.recv() => "SIGINT",
        _ = sigterm.recv() => "SIGTERM",
    }
}

fn print_last_lines(service: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    eprintln!("stack: last {} output lines of {service}:", lines.len());
    for line in lines {
        eprintln!("  {service} | {line}");
    }
}

fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
