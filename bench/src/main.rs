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
    /// Run every scenario and rewrite docs/benchmarks.md, its plot and
    /// docs/benchmarks/results.json.
    Run {
        /// Repository root.
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        /// Measured runs per scenario (tables show medians).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Small counts and short windows, to check the harness; the
        /// figures are not comparable and the docs are not rewritten.
        #[arg(long)]
        quick: bool,
        /// Start measuring once the one-minute load average is below this.
        #[arg(long, default_value_t = 1.5)]
        max_load: f64,
        /// Maximum wait for that load, in minutes, after which the harness
        /// measures anyway.
        #[arg(long, default_value_t = 20)]
        max_wait_mins: u64,
        /// Requests per second of the fixed-rate HTTP runs.
        #[arg(long, default_value_t = 5000.0)]
        fixed_rate: f64,
        /// Sessions cached in the memory scenario.
        #[arg(long, default_value_t = 100_000)]
        memory_sessions: usize,
        /// Scenarios to run, comma-separated; docs are rewritten only when
        /// all of them run.
        #[arg(
            long,
            value_enum,
            value_delimiter = ',',
            default_value = "decisions,http,economy,revocation,memory"
        )]
        scenarios: Vec<bench::harness::Scenario>,
    },
    /// Rewrite docs/benchmarks.md and its plot from docs/benchmarks/results.json,
    /// after a change to the report generator.
    Render {
        /// Repository root.
        #[arg(long, default_value = ".")]
        repo: PathBuf,
    },
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
    /// Send HTTP load to a server; prints JSON.
    Load {
        /// Server address, IP:PORT on loopback.
        #[arg(long)]
        addr: SocketAddr,
        /// JSON file with an array of {"path", "authorization"} requests,
        /// sent in turn.
        #[arg(long)]
        requests: PathBuf,
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
        /// Send each request once, then stop.
        #[arg(long)]
        once: bool,
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
    // The emulator warns on every request over its rate limit, which the
    // economy scenario provokes thousands of times on purpose.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,mock_okta=error"));
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
        Role::Run {
            repo,
            runs,
            quick,
            max_load,
            max_wait_mins,
            fixed_rate,
            memory_sessions,
            scenarios,
        } => {
            anyhow::ensure!(runs >= 1, "--runs must be at least 1, got {runs}");
            let options = bench::harness::RunOptions {
                repo,
                runs,
                quick,
                max_load,
                max_wait: Duration::from_secs(max_wait_mins * 60),
                fixed_rate,
                memory_sessions,
                write_docs: !quick,
                scenarios,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let results = runtime.block_on(bench::harness::run(options))?;
            println!("{}", bench::report::markdown(&results));
            Ok(())
        }
        Role::Render { repo } => {
            let path = repo.join("docs/benchmarks/results.json");
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}; run `just bench` first", path.display()))?;
            let results = serde_json::from_str(&text)
                .with_context(|| format!("parsing {}", path.display()))?;
            bench::report::write_pages(&repo, &results)
        }
        Role::Decisions {
            tokens,
            jwks,
            min_ms,
        } => {
            let results = bench::decisions::measure(&tokens, &jwks, Duration::from_millis(min_ms))?;
            println!("{}", serde_json::to_string(&results)?);
            Ok(())
        }
        Role::Load {
            addr,
            requests,
            connections,
            warmup_ms,
            duration_ms,
            rate,
            once,
        } => {
            let text = std::fs::read_to_string(&requests)
                .with_context(|| format!("reading {}", requests.display()))?;
            let requests = serde_json::from_str(&text).context("parsing the request list")?;
            let spec = bench::loadgen::LoadSpec {
                addr,
                requests,
                connections,
                warmup: Duration::from_millis(warmup_ms),
                duration: Duration::from_millis(duration_ms),
                rate,
                once,
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let result = runtime.block_on(bench::loadgen::run(&spec))?;
            println!("{}", serde_json::to_string(&result)?);
            Ok(())
        }
        Role::BaselineServer { listen } => {
            // The runtime `#[tokio::main]` gives demo-backend: multi-thread,
            // one worker per core the process may use.
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(bench::baseline::serve(listen))
        }
    }
}
