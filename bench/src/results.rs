//! The figures of one harness run, as stored in `docs/benchmarks/results.json`
//! and rendered into `docs/benchmarks.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::stats::LatencySummary;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Results {
    pub machine: MachineInfo,
    pub runs: usize,
    pub decisions: Option<DecisionResults>,
    pub http: Vec<HttpResult>,
    pub economy: Vec<EconomyResult>,
    pub revocation: Vec<RevocationResult>,
    pub memory: Option<MemoryResult>,
    /// Peers or scenarios that did not run, and why.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MachineInfo {
    pub date_utc: String,
    pub cpu: String,
    pub cores: usize,
    pub kernel: String,
    pub rustc: String,
    pub node: String,
    pub python: String,
    /// One-minute load average when the measurements started, and why
    /// they started (quiet machine or end of the wait).
    pub load_at_start: f64,
    pub load_wait: String,
    pub load_at_end: f64,
    /// One-minute load average at the start of each scenario.
    pub scenario_loads: Vec<(String, f64)>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DecisionResults {
    pub sessions: usize,
    pub tokens: usize,
    pub token_bytes: usize,
    pub rows: Vec<DecisionRow>,
}

/// Decisions per second of one verifier or guard path, per run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionRow {
    pub scenario: String,
    pub version: String,
    pub runs: Vec<f64>,
    pub median: f64,
}

/// One route of one server under load.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HttpResult {
    /// `guarded` (demo-backend) or `unguarded` (the baseline server).
    pub server: String,
    pub route: String,
    pub saturation_runs: Vec<f64>,
    pub saturation_median: f64,
    pub fixed_rate: f64,
    pub fixed_runs: Vec<LatencySummary>,
    pub fixed_median: Option<LatencySummary>,
    /// Server CPU time per request at saturation, in microseconds, per run.
    pub cpu_us_per_request_runs: Vec<f64>,
    /// Responses other than 200 over all runs (expected 0).
    pub non_ok: u64,
}

/// Sessions API traffic of one client kind at one Okta limit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EconomyResult {
    /// `guard` (demo-backend's live-session route) or `per_request`
    /// (a hand-written Sessions API call on every request).
    pub client: String,
    pub limit_per_minute: u32,
    pub sessions: usize,
    pub clients: usize,
    pub rate: f64,
    pub seconds: f64,
    pub runs: Vec<EconomyRun>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EconomyRun {
    pub upstream_calls: u64,
    pub upstream_429: u64,
    /// Responses the clients got, by HTTP status.
    pub responses: BTreeMap<u16, u64>,
}

/// Time from logout to the first rejected replay.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevocationResult {
    /// `event_hook` or `polling`.
    pub mode: String,
    pub verdict_ttl_secs: u64,
    pub samples_ms: Vec<f64>,
    pub median_ms: f64,
    pub max_ms: f64,
    /// Trials that saw no rejection before their deadline.
    pub timed_out: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemoryResult {
    pub sessions: usize,
    pub rss_idle_kib: Vec<u64>,
    pub rss_loaded_kib: Vec<u64>,
    pub upstream_calls: Vec<u64>,
    pub ok_responses: Vec<u64>,
}
