//! The five scenarios the harness runs, each against the in-process
//! emulator and child processes pinned to one core.

pub mod economy;
pub mod http_overhead;
pub mod memory;
pub mod revocation;
pub mod token_decisions;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow};

use crate::loadgen::{LoadResult, RequestLine};
use crate::procs::{CLIENT_CORE, run_pinned};

/// Settings shared by every scenario.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Repository root (for `bench/node` and `bench/python`).
    pub repo: PathBuf,
    /// Scratch directory for token files, configurations and logs.
    pub work: PathBuf,
    /// Measured runs per scenario; tables show the median.
    pub runs: usize,
    /// Smaller counts and shorter windows, to check the harness quickly.
    pub quick: bool,
}

impl Settings {
    /// Returns `full` normally and `quick` in quick mode.
    pub fn pick<T>(&self, full: T, quick: T) -> T {
        if self.quick { quick } else { full }
    }
}

/// Runs a blocking function on tokio's blocking pool, so that the
/// in-process emulator keeps serving while a child runs.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| anyhow!("a blocking task failed: {error}"))?
}

/// Connections, timing and pacing of one load run.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub rate: Option<f64>,
    pub once: bool,
}

/// Writes `requests` to a file and runs the load generator (this
/// executable's `load` role) on the client core against `addr`.
pub async fn run_load(
    settings: &Settings,
    name: &str,
    addr: std::net::SocketAddr,
    requests: &[RequestLine],
    plan: &LoadPlan,
) -> anyhow::Result<LoadResult> {
    let path = settings.work.join(format!("requests-{name}.json"));
    write_json(&path, requests)?;

    let mut args = vec![
        "load".to_owned(),
        "--addr".to_owned(),
        addr.to_string(),
        "--requests".to_owned(),
        path.display().to_string(),
        "--connections".to_owned(),
        plan.connections.to_string(),
        "--warmup-ms".to_owned(),
        plan.warmup.as_millis().to_string(),
        "--duration-ms".to_owned(),
        plan.duration.as_millis().to_string(),
    ];
    if let Some(rate) = plan.rate {
        args.push("--rate".to_owned());
        args.push(rate.to_string());
    }
    if plan.once {
        args.push("--once".to_owned());
    }
    let program = std::env::current_exe().context("locating the bench executable")?;
    let timeout = plan.warmup + plan.duration + Duration::from_secs(30);
    let output = blocking(move || run_pinned(CLIENT_CORE, &program, &args, timeout)).await?;
    serde_json::from_str(output.trim())
        .with_context(|| format!("parsing the load result {output:?}"))
}

/// Writes `value` as JSON to `path`.
pub fn write_json<T: serde::Serialize + ?Sized>(path: &Path, value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string(value).context("serializing JSON")?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
