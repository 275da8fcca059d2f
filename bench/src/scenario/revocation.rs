//! Scenario 4: time from logout to the first rejected replay of the
//! logged-out session's token, with an event hook pushing
//! `user.session.end` to the back end, and with polling only (the verdict
//! TTL bounds it).
//!
//! Logout is the emulator ending the session as `DELETE /api/v1/sessions/me`
//! does, which records `user.session.end`; the emulator delivers event
//! hooks as soon as the event is recorded.

use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use mock_okta::sessions::SessionEnd;

use super::Settings;
use crate::org::{Org, UNLIMITED_PER_MINUTE};
use crate::procs::{BackendOptions, free_loopback_addr, start_backend};
use crate::results::RevocationResult;
use crate::stats::median;

/// Verdict TTL of the polling run: the back end's default.
const POLLING_TTL_SECS: u64 = 30;

/// Pause between replays in the polling run; bounds the error of each
/// sample from above.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// Measures both modes.
pub async fn run(settings: &Settings) -> anyhow::Result<Vec<RevocationResult>> {
    let hook_trials = settings.pick(20, 5) * settings.runs;
    let poll_trials = settings.pick(10, 3);
    Ok(vec![
        with_event_hook(settings, hook_trials).await?,
        polling_only(settings, poll_trials).await?,
    ])
}

async fn with_event_hook(settings: &Settings, trials: usize) -> anyhow::Result<RevocationResult> {
    let backend_addr = free_loopback_addr()?;
    let hook_url = format!("http://{backend_addr}/okta/event-hooks");
    let org = Org::start(UNLIMITED_PER_MINUTE, Some(&hook_url)).await?;
    let ttl = 30;
    let _backend = start_backend(
        backend_addr,
        &BackendOptions {
            issuer: &org.issuer,
            org_url: &org.org_url,
            event_hooks: true,
            verdict_ttl_secs: ttl,
            max_sessions: 100_000,
        },
        &settings.work,
    )
    .await?;
    // Okta verifies a hook once before its first delivery; do it now so
    // that no sample includes it.
    let http = reqwest::Client::new();
    let verified = http
        .post(format!(
            "{}/mock/event-hooks/whobench00000000001/verify",
            org.org_url
        ))
        .send()
        .await
        .context("verifying the event hook")?;
    if !verified.status().is_success() {
        bail!(
            "the event hook did not verify: {}",
            verified.text().await.unwrap_or_default()
        );
    }

    let sessions = org.create_sessions(trials)?;
    let tokens = org.mint(&sessions, 1)?;
    let profile = format!("http://{backend_addr}/api/profile");
    let mut samples = Vec::new();
    let mut timed_out = 0;
    for minted in &tokens {
        expect_status(&http, &profile, &minted.token, 200).await?;
        let logged_out = Instant::now();
        end_session(&org, &minted.session_id)?;
        match first_rejection(
            &http,
            &profile,
            &minted.token,
            logged_out,
            Duration::ZERO,
            Duration::from_secs(10),
        )
        .await?
        {
            Some(latency) => samples.push(latency.as_secs_f64() * 1000.0),
            None => timed_out += 1,
        }
    }
    Ok(summary("event_hook", ttl, samples, timed_out))
}

/// Logs out `trials` sessions spread evenly over one TTL after their
/// verdicts were cached, and replays each every `POLL_INTERVAL`.
async fn polling_only(settings: &Settings, trials: usize) -> anyhow::Result<RevocationResult> {
    let org = Org::start(UNLIMITED_PER_MINUTE, None).await?;
    let backend_addr = free_loopback_addr()?;
    let _backend = start_backend(
        backend_addr,
        &BackendOptions {
            issuer: &org.issuer,
            org_url: &org.org_url,
            event_hooks: false,
            verdict_ttl_secs: POLLING_TTL_SECS,
            max_sessions: 100_000,
        },
        &settings.work,
    )
    .await?;
    let sessions = org.create_sessions(trials)?;
    let tokens = org.mint(&sessions, 1)?;
    let profile = format!("http://{backend_addr}/api/profile");
    let http = reqwest::Client::new();
    for minted in &tokens {
        expect_status(&http, &profile, &minted.token, 200).await?;
    }

    let ttl = Duration::from_secs(POLLING_TTL_SECS);
    let cached_at = Instant::now();
    let mut tasks = Vec::new();
    for (index, minted) in tokens.into_iter().enumerate() {
        let logout_at = cached_at + ttl.mul_f64(index as f64 / trials as f64);
        let state = org.state.clone();
        let http = http.clone();
        let profile = profile.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(logout_at.into()).await;
            let logged_out = Instant::now();
            state
                .end_session(&minted.session_id, SessionEnd::Logout)
                .ok_or_else(|| anyhow!("session {} was not live at logout", minted.session_id))?;
            first_rejection(
                &http,
                &profile,
                &minted.token,
                logged_out,
                POLL_INTERVAL,
                ttl + Duration::from_secs(10),
            )
            .await
        }));
    }
    let mut samples = Vec::new();
    let mut timed_out = 0;
    for task in tasks {
        match task.await.context("a polling trial failed")?? {
            Some(latency) => samples.push(latency.as_secs_f64() * 1000.0),
            None => timed_out += 1,
        }
    }
    Ok(summary("polling", POLLING_TTL_SECS, samples, timed_out))
}

fn end_session(org: &Org, session_id: &str) -> anyhow::Result<()> {
    org.state
        .end_session(session_id, SessionEnd::Logout)
        .map(|_| ())
        .ok_or_else(|| anyhow!("session {session_id} was not live at logout"))
}

async fn expect_status(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    expected: u16,
) -> anyhow::Result<()> {
    let status = http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?
        .status()
        .as_u16();
    if status != expected {
        bail!("GET {url} returned status {status}, expected {expected} before logout");
    }
    Ok(())
}

/// Replays `token` until the back end returns 401, pausing `interval`
/// between tries; returns the time since `since`, or `None` after `deadline`.
async fn first_rejection(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    since: Instant,
    interval: Duration,
    deadline: Duration,
) -> anyhow::Result<Option<Duration>> {
    loop {
        let status = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?
            .status()
            .as_u16();
        let elapsed = since.elapsed();
        match status {
            401 => return Ok(Some(elapsed)),
            200 => {}
            other => {
                bail!("GET {url} returned status {other} while waiting for the logout to apply")
            }
        }
        if elapsed > deadline {
            return Ok(None);
        }
        if !interval.is_zero() {
            tokio::time::sleep(interval).await;
        }
    }
}

fn summary(mode: &str, ttl: u64, samples: Vec<f64>, timed_out: usize) -> RevocationResult {
    RevocationResult {
        mode: mode.to_owned(),
        verdict_ttl_secs: ttl,
        median_ms: median(&samples).unwrap_or(f64::NAN),
        max_ms: samples.iter().copied().fold(f64::NAN, f64::max),
        samples_ms: samples,
        timed_out,
    }
}
