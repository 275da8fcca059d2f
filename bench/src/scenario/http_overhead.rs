//! Scenario 2: the back end's token-only and live-session routes against
//! the same routes without the guard, at saturation and at a fixed rate.
//!
//! Both servers run on the server core, the load generator on the other
//! core. Each connection repeats its tokens, so after the warm-up every
//! guarded request is a cached decision, as for a client that reuses its
//! access token until it expires.
//!
//! Other work on the machine drifts over seconds, so each run measures
//! the two servers in the order unguarded, guarded, guarded, unguarded
//! (ABBA) and compares the means of each server's two windows.

use std::time::Duration;

use super::{LoadPlan, Settings, run_load};
use crate::loadgen::{LoadResult, RequestLine};
use crate::org::{MintedToken, Org};
use crate::procs::{BackendOptions, free_loopback_addr, start_backend, start_baseline};
use crate::results::HttpResult;
use crate::stats::{LatencySummary, median};

/// Routes measured: the path and its policy name in the tables.
const ROUTES: [(&str, &str); 2] = [
    ("/api/catalog", "token only"),
    ("/api/profile", "live session"),
];

/// One window of one server: its name, the saturation and fixed-rate
/// results, and the server's CPU time per request at saturation (µs).
type Window<'a> = (&'a str, LoadResult, LoadResult, f64);

/// Tokens the load cycles through (of the decision scenario's set).
const TOKENS: usize = 1000;

/// Runs every route on both servers `settings.runs` times.
pub async fn run(
    org: &Org,
    tokens: &[MintedToken],
    settings: &Settings,
    fixed_rate: f64,
) -> anyhow::Result<Vec<HttpResult>> {
    let saturation = LoadPlan {
        connections: 32,
        warmup: Duration::from_millis(settings.pick(1000, 300)),
        duration: Duration::from_millis(settings.pick(4000, 1000)),
        rate: None,
        once: false,
    };
    let fixed = LoadPlan {
        connections: 16,
        rate: Some(fixed_rate),
        ..saturation.clone()
    };

    let mut results: Vec<HttpResult> = Vec::new();
    for run in 0..settings.runs {
        eprintln!("bench: HTTP overhead, run {} of {}", run + 1, settings.runs);
        let backend_addr = free_loopback_addr()?;
        let backend = start_backend(
            backend_addr,
            &BackendOptions {
                issuer: &org.issuer,
                org_url: &org.org_url,
                event_hooks: false,
                verdict_ttl_secs: 30,
                max_sessions: 100_000,
            },
            &settings.work,
        )
        .await?;
        let baseline_addr = free_loopback_addr()?;
        let baseline = start_baseline(baseline_addr, &settings.work).await?;

        for (path, policy) in ROUTES {
            // The tokens are grouped by session, so a stride spreads the
            // chosen ones over every session.
            let stride = (tokens.len() / TOKENS).max(1);
            let requests: Vec<RequestLine> = tokens
                .iter()
                .step_by(stride)
                .take(TOKENS)
                .map(|minted| RequestLine::bearer(path, &minted.token))
                .collect();
            let order = [
                ("unguarded", baseline_addr, &baseline),
                ("guarded", backend_addr, &backend),
                ("guarded", backend_addr, &backend),
                ("unguarded", baseline_addr, &baseline),
            ];
            let mut windows: Vec<Window> = Vec::new();
            for (server, addr, process) in order {
                let name = format!("{server}-{}", path.trim_start_matches("/api/"));
                let cpu_before = process.cpu_seconds()?;
                let busy = run_load(settings, &name, addr, &requests, &saturation).await?;
                let cpu = process.cpu_seconds()? - cpu_before;
                let cpu_us_per_request = cpu * 1e6 / busy.total_responses.max(1) as f64;
                windows.push((server, busy, LoadResult::default(), cpu_us_per_request));
            }
            for (index, (server, addr, _)) in order.into_iter().enumerate() {
                let name = format!("{server}-{}", path.trim_start_matches("/api/"));
                windows[index].2 = run_load(settings, &name, addr, &requests, &fixed).await?;
            }
            for server in ["unguarded", "guarded"] {
                let mine: Vec<&Window> =
                    windows.iter().filter(|window| window.0 == server).collect();
                record(&mut results, server, policy, fixed_rate, &mine);
            }
        }
    }

    for result in &mut results {
        result.saturation_median = median(&result.saturation_runs).unwrap_or(f64::NAN);
        result.fixed_median = LatencySummary::median_of(&result.fixed_runs);
    }
    Ok(results)
}

/// Adds one run of `server` on `route`: the mean throughput and the
/// field-wise mean latency of its windows.
fn record(
    results: &mut Vec<HttpResult>,
    server: &str,
    route: &str,
    rate: f64,
    windows: &[&Window],
) {
    let index = match results
        .iter()
        .position(|r| r.server == server && r.route == route)
    {
        Some(index) => index,
        None => {
            results.push(HttpResult {
                server: server.to_owned(),
                route: route.to_owned(),
                saturation_runs: Vec::new(),
                saturation_median: f64::NAN,
                fixed_rate: rate,
                fixed_runs: Vec::new(),
                fixed_median: None,
                cpu_us_per_request_runs: Vec::new(),
                non_ok: 0,
            });
            results.len() - 1
        }
    };
    let entry = &mut results[index];
    let throughput: Vec<f64> = windows.iter().map(|window| window.1.per_second).collect();
    entry
        .saturation_runs
        .push(throughput.iter().sum::<f64>() / throughput.len().max(1) as f64);
    let cpu: Vec<f64> = windows.iter().map(|window| window.3).collect();
    entry
        .cpu_us_per_request_runs
        .push(cpu.iter().sum::<f64>() / cpu.len().max(1) as f64);
    let latencies: Vec<LatencySummary> = windows
        .iter()
        .filter_map(|window| window.2.latency)
        .collect();
    // The median of two summaries is their mean.
    if let Some(latency) = LatencySummary::median_of(&latencies) {
        entry.fixed_runs.push(latency);
    }
    for window in windows {
        for load in [&window.1, &window.2] {
            entry.non_ok += load.errors;
            entry.non_ok += load
                .statuses
                .iter()
                .filter(|(status, _)| **status != 200)
                .map(|(_, count)| count)
                .sum::<u64>();
        }
    }
}
