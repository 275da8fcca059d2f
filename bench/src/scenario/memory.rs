//! Scenario 5: resident size of the back end with a given number of
//! cached sessions (one token per session, so the decision cache has as
//! many entries as the session cache).

use std::time::Duration;

use anyhow::bail;

use super::{LoadPlan, Settings, run_load};
use crate::loadgen::RequestLine;
use crate::org::{Org, UNLIMITED_PER_MINUTE};
use crate::procs::{BackendOptions, free_loopback_addr, start_backend};
use crate::results::MemoryResult;

/// Fills a fresh back end with `sessions` live-session verdicts, once per
/// run, and reads its resident size before and after.
pub async fn run(org: &Org, settings: &Settings, sessions: usize) -> anyhow::Result<MemoryResult> {
    org.reset_session_limit(UNLIMITED_PER_MINUTE);
    let session_ids = org.create_sessions(sessions)?;
    eprintln!("bench: memory, minting {sessions} tokens");
    let tokens = org.mint(&session_ids, 1)?;
    let requests: Vec<RequestLine> = tokens
        .iter()
        .map(|minted| RequestLine::bearer("/api/profile", &minted.token))
        .collect();
    let plan = LoadPlan {
        connections: 32,
        warmup: Duration::ZERO,
        // A bound, not a target: the run ends when every request was sent.
        duration: Duration::from_secs(600),
        rate: None,
        once: true,
    };

    let mut result = MemoryResult {
        sessions,
        rss_idle_kib: Vec::new(),
        rss_loaded_kib: Vec::new(),
        upstream_calls: Vec::new(),
        ok_responses: Vec::new(),
    };
    for run in 0..settings.runs {
        eprintln!("bench: memory, run {} of {}", run + 1, settings.runs);
        let addr = free_loopback_addr()?;
        let backend = start_backend(
            addr,
            &BackendOptions {
                issuer: &org.issuer,
                org_url: &org.org_url,
                event_hooks: false,
                // Long enough that no verdict expires while the cache fills.
                verdict_ttl_secs: 300,
                max_sessions: sessions,
            },
            &settings.work,
        )
        .await?;
        let idle = backend.rss_kib()?;

        let before = org.upstream.snapshot();
        let load = run_load(settings, "memory", addr, &requests, &plan).await?;
        let after = org.upstream.snapshot();
        let ok = load.statuses.get(&200).copied().unwrap_or(0);
        if ok as usize != sessions {
            bail!(
                "only {ok} of {sessions} requests were allowed (statuses {:?}, errors {}); see the back end log",
                load.statuses,
                load.errors
            );
        }

        result.rss_idle_kib.push(idle);
        result.rss_loaded_kib.push(backend.rss_kib()?);
        result.upstream_calls.push(after.0 - before.0);
        result.ok_responses.push(ok);
    }
    Ok(result)
}
