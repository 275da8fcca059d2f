//! `bench`: the benchmark harness and its child roles (the single-core
//! decision measurement, the load generator and the unguarded server).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Benchmarks of session-guard next to Okta's verifiers and hand-written
/// Sessions API calls.
#[derive(Debug, Parser)]
#[command(name = "bench")]
struct Args {
    #[command(subcommand)]
    command: Role,
}

#[derive(Debug, Subcommand)]
enum Role {
    /// Measure token decisions of the guard, the floor and jsonwebtoken on
    /// this process's core; prints JSON.
    Decisions {
        /// Token file written by the harness.
        #[arg(long)]
        tokens: PathBuf,
        /// JWKS file written by the harness.
        #[arg(long)]
        jwks: PathBuf,
        /// Minimum time per scenario, in milliseconds.
        #[arg(long, default_value_t = 2000)]
        min_ms: u64,
    },
    /// Send HTTP load to one route; prints JSON.
    Load {
        /// Server address, IP:PORT on loopback.
        #[arg(long)]
        addr: SocketAddr,
        /// Request path, for example /api/catalog.
        #[arg(long)]
        path: String,
        /// JSON file with an array of bearer tokens, used in turn.
        #[arg(long)]
        tokens: PathBuf,
        /// Keep-alive connections.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Warm-up before the measurement window, in milliseconds.
        #[arg(long, default_value_t = 1000)]
        warmup_ms: u64,
        /// Measurement window, in milliseconds.
        #[arg(long, default_value_t = 8000)]
        duration_ms: u64,
        /// Requests per second over all connections; without it, back to back.
        #[arg(long)]
        rate: Option<f64>,
    },
    /// Serve the back end's routes without the guard.
    BaselineServer {
        /// Address to bind, IP:PORT.
        #[arg(long)]
        listen: SocketAddr,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match run(args.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(role: Role) -> anyhow::Result<()> {
    match role {
        Role::Decisions { tokens, jwks, min_ms } => {
            let results = bench::decisions::measure(&tokens, &jwks, Duration::from_millis(min_ms))?;
            println!("{}", serde_json::to_string(&results)?);
            Ok(())
        }
        Role::Load {
            addr,
            path,
            tokens,
            connections,
            warmup_ms,
            duration_ms,
            rate,
        } => {
            let text = std::fs::read_to_string(&tokens)
                .with_context(|| format!("reading {}", tokens.display()))?;
            let tokens: Vec<String> = serde_json::from_str(&text).context("parsing the token list")?;
            let spec = bench::loadgen::LoadSpec {
                addr,
                path,
                tokens,
                connections,
                warmup: Duration::from_millis(warmup_ms),
                duration: Duration::from_millis(duration_ms),
                rate,
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let result = runtime.block_on(bench::loadgen::run(&spec))?;
            println!("{}", serde_json::to_string(&result)?);
            Ok(())
        }
        Role::BaselineServer { listen } => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(bench::baseline::serve(listen))
        }
    }
}
