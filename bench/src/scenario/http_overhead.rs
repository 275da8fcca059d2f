//! Scenario 2: the back end's token-only and live-session routes against
//! the same routes without the guard, at saturation and at a fixed rate.
//!
//! Both servers run on the server core, the load generator on the other
//! core. Each connection repeats its tokens, so after the warm-up every
//! guarded request is a cached decision, as for a client that reuses its
//! access token until it expires.

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
        duration: Duration::from_millis(settings.pick(8000, 1500)),
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
        let _backend = start_backend(
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
        let _baseline = start_baseline(baseline_addr, &settings.work).await?;

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
            for (server, addr) in [("unguarded", baseline_addr), ("guarded", backend_addr)] {
                let name = format!("{server}-{}", path.trim_start_matches("/api/"));
                let busy = run_load(settings, &name, addr, &requests, &saturation).await?;
                let paced = run_load(settings, &name, addr, &requests, &fixed).await?;
                record(&mut results, server, policy, fixed_rate, &busy, &paced);
            }
        }
    }

    for result in &mut results {
        result.saturation_median = median(&result.saturation_runs).unwrap_or(f64::NAN);
        result.fixed_median = LatencySummary::median_of(&result.fixed_runs);
    }
    Ok(results)
}

fn record(
    results: &mut Vec<HttpResult>,
    server: &str,
    route: &str,
    rate: f64,
    busy: &LoadResult,
    paced: &LoadResult,
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
                non_ok: 0,
            });
            results.len() - 1
        }
    };
    let entry = &mut results[index];
    entry.saturation_runs.push(busy.per_second);
    if let Some(latency) = paced.latency {
        entry.fixed_runs.push(latency);
    }
    for load in [busy, paced] {
        entry.non_ok += load.errors;
        entry.non_ok += load
            .statuses
            .iter()
            .filter(|(status, _)| **status != 200)
            .map(|(_, count)| count)
            .sum::<u64>();
    }
}
