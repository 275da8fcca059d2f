//! The whole benchmark: wait for a quiet machine, run every scenario, then
//! write `docs/benchmarks.md`, its plot and the raw figures.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::machine;
use crate::org::{Org, UNLIMITED_PER_MINUTE};
use crate::report;
use crate::results::Results;
use crate::scenario::economy::EconomyLoad;
use crate::scenario::{Settings, economy, http_overhead, memory, revocation, token_decisions};

/// Options of `bench run`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub repo: PathBuf,
    pub runs: usize,
    pub quick: bool,
    /// Wait until the one-minute load average is below this.
    pub max_load: f64,
    pub max_wait: Duration,
    /// Requests per second of the fixed-rate HTTP runs.
    pub fixed_rate: f64,
    /// Sessions cached in the memory scenario.
    pub memory_sessions: usize,
    /// Whether to rewrite the files under `docs/`; without it the
    /// results are only printed.
    pub write_docs: bool,
    /// Scenarios to run; the docs are rewritten only when all ran.
    pub scenarios: Vec<Scenario>,
}

/// One of the five measured scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    Decisions,
    Http,
    Economy,
    Revocation,
    Memory,
}

/// Records the load average as a scenario starts.
fn note_load(results: &mut Results, scenario: &str) -> anyhow::Result<()> {
    let load = machine::load_average()?;
    results
        .machine
        .scenario_loads
        .push((scenario.to_owned(), load));
    Ok(())
}

/// Runs every scenario and writes the report.
pub async fn run(options: RunOptions) -> anyhow::Result<Results> {
    let work = std::env::temp_dir().join(format!("session-guard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    eprintln!("bench: scratch directory {}", work.display());
    let settings = Settings {
        repo: options.repo.clone(),
        work: work.clone(),
        runs: options.runs,
        quick: options.quick,
    };

    let mut results = Results {
        machine: machine::describe(),
        runs: options.runs,
        ..Results::default()
    };
    let max_wait = options.max_wait;
    let max_load = options.max_load;
    let (load, why) = tokio::task::spawn_blocking(move || {
        machine::wait_for_quiet(max_load, Duration::from_secs(30), max_wait)
    })
    .await
    .context("the load wait failed")??;
    eprintln!("bench: {why}");
    results.machine.load_at_start = load;
    results.machine.load_wait = why;

    let selected = |scenario: Scenario| options.scenarios.contains(&scenario);
    let org = Org::start(UNLIMITED_PER_MINUTE, None).await?;
    let token_set = token_decisions::mint_token_set(&org, &settings)?;
    if selected(Scenario::Decisions) {
        note_load(&mut results, "decisions")?;
        results.decisions =
            Some(token_decisions::run(&token_set, &settings, &mut results.notes).await?);
    }
    if selected(Scenario::Http) {
        note_load(&mut results, "http")?;
        results.http =
            http_overhead::run(&org, &token_set.tokens, &settings, options.fixed_rate).await?;
    }
    if selected(Scenario::Economy) {
        note_load(&mut results, "economy")?;
        let economy_load = EconomyLoad {
            sessions: settings.pick(10_000, 500),
            clients: settings.pick(100, 20),
            rate: settings.pick(1000.0, 200.0),
            duration: Duration::from_secs(settings.pick(30, 5)),
        };
        results.economy = economy::run(&org, &settings, economy_load).await?;
    }
    if selected(Scenario::Revocation) {
        note_load(&mut results, "revocation")?;
        results.revocation = revocation::run(&settings).await?;
    }
    if selected(Scenario::Memory) {
        note_load(&mut results, "memory")?;
        let memory_sessions = settings.pick(options.memory_sessions, 2_000);
        results.memory = Some(memory::run(&org, &settings, memory_sessions).await?);
    }
    results.machine.load_at_end = machine::load_average()?;

    let all = [
        Scenario::Decisions,
        Scenario::Http,
        Scenario::Economy,
        Scenario::Revocation,
        Scenario::Memory,
    ];
    if options.write_docs && all.iter().all(|scenario| selected(*scenario)) {
        report::write(&options.repo, &results)?;
    }
    std::fs::remove_dir_all(&work).with_context(|| format!("removing {}", work.display()))?;
    Ok(results)
}
