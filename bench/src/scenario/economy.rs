//! Scenario 3: Okta API economy. N clients over M sessions for T seconds
//! against the live-session route, counting the Sessions API calls the
//! emulator receives and its 429s, at Okta limits of 600 and 100 a minute.
//! The same load as hand-written middleware that calls the Sessions API on
//! every request is the comparison.

use std::time::Duration;

use super::{LoadPlan, Settings, run_load};
use crate::loadgen::{LoadResult, RequestLine};
use crate::org::{MintedToken, Org, SSWS_TOKEN};
use crate::procs::{BackendOptions, free_loopback_addr, start_backend};
use crate::results::{EconomyResult, EconomyRun};

/// Okta Sessions API limits per minute: this emulator's default, and a
/// free developer org's.
const LIMITS: [u32; 2] = [600, 100];

/// The load of one economy run.
#[derive(Debug, Clone, Copy)]
pub struct EconomyLoad {
    pub sessions: usize,
    pub clients: usize,
    pub rate: f64,
    pub duration: Duration,
}

/// Runs the guard and the per-request client at each limit.
pub async fn run(
    org: &Org,
    settings: &Settings,
    load: EconomyLoad,
) -> anyhow::Result<Vec<EconomyResult>> {
    let session_ids = org.create_sessions(load.sessions)?;
    eprintln!("bench: API economy, minting {} tokens", load.sessions);
    let tokens = org.mint(&session_ids, 1)?;
    let plan = LoadPlan {
        connections: load.clients,
        warmup: Duration::ZERO,
        duration: load.duration,
        rate: Some(load.rate),
        once: false,
    };

    let mut results = Vec::new();
    for limit in LIMITS {
        for client in ["guard", "per_request"] {
            let mut runs = Vec::new();
            for run in 0..settings.runs {
                eprintln!(
                    "bench: API economy, {client} at {limit}/min, run {} of {}",
                    run + 1,
                    settings.runs
                );
                org.reset_session_limit(limit);
                let before = org.upstream.snapshot();
                let outcome = match client {
                    "guard" => guarded(org, settings, &tokens, &plan).await?,
                    _ => per_request(org, settings, &tokens, &plan).await?,
                };
                // Let calls still in flight when the load stopped land.
                tokio::time::sleep(Duration::from_millis(500)).await;
                let after = org.upstream.snapshot();
                runs.push(EconomyRun {
                    upstream_calls: after.0 - before.0,
                    upstream_429: after.1 - before.1,
                    responses: outcome.statuses,
                });
            }
            results.push(EconomyResult {
                client: client.to_owned(),
                limit_per_minute: limit,
                sessions: load.sessions,
                clients: load.clients,
                rate: load.rate,
                seconds: load.duration.as_secs_f64(),
                runs,
            });
        }
    }
    Ok(results)
}

/// Sends the load to the back end's live-session route, with a fresh
/// guard (empty caches).
async fn guarded(
    org: &Org,
    settings: &Settings,
    tokens: &[MintedToken],
    plan: &LoadPlan,
) -> anyhow::Result<LoadResult> {
    let addr = free_loopback_addr()?;
    let _backend = start_backend(
        addr,
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
    let requests: Vec<RequestLine> = tokens
        .iter()
        .map(|minted| RequestLine::bearer("/api/profile", &minted.token))
        .collect();
    run_load(settings, "economy-guard", addr, &requests, plan).await
}

/// Sends the load as hand-written middleware would: a
/// `GET /api/v1/sessions/{id}` to the emulator for every request.
async fn per_request(
    org: &Org,
    settings: &Settings,
    tokens: &[MintedToken],
    plan: &LoadPlan,
) -> anyhow::Result<LoadResult> {
    let addr = org
        .org_url
        .trim_start_matches("http://")
        .parse()
        .map_err(|error| {
            anyhow::anyhow!("the org URL {} has no socket address: {error}", org.org_url)
        })?;
    let requests: Vec<RequestLine> = tokens
        .iter()
        .map(|minted| RequestLine {
            path: format!("/api/v1/sessions/{}", minted.session_id),
            authorization: format!("SSWS {SSWS_TOKEN}"),
        })
        .collect();
    run_load(settings, "economy-per-request", addr, &requests, plan).await
}
