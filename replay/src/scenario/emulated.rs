//! Scenarios that need mock-okta's control API: session expiry, a token
//! inline hook that is down, and a rate-limited Sessions API.

use std::time::Duration;

use tokio::time::Instant;

use super::steps::{self, transport_failure};
use super::{Context, Recorder, StepRecord, Stop};
use crate::emulator::{ControlError, ControlReply, Emulator};
use crate::expect::{Expected, Outcome};
use crate::metrics::Snapshot;

/// Pause between recovery attempts when the back end sends no `Retry-After`.
const RECOVERY_PAUSE: Duration = Duration::from_millis(500);

/// Scenario `session-expiry`: sign in, call, copy the token, expire the
/// session (Okta sends no event for that), replay.
pub(super) async fn session_expiry(
    context: &Context,
    recorder: &mut Recorder<'_>,
) -> Result<(), Stop> {
    let emulator = emulator(context)?;
    let user = steps::sign_in(context, recorder).await?;
    steps::call(
        context,
        recorder,
        "call",
        "call GET /api/profile as the user",
        &user.access_token,
        Expected::allowed(),
    )
    .await?;
    let copy = steps::copy(recorder, &user)?;

    let step = StepRecord::new("expire", "mock-okta: expire the session (no event)")
        .expect(recorder.expected("expire", Expected::status(204)));
    let Some(session_id) = user.claims.session_id.as_deref() else {
        let step = step
            .note("the access token has no okta_sid claim; is the token inline hook configured?");
        return Err(recorder.push_and_stop(step, "no session id"));
    };

    let before = Snapshot::read(&context.api).await;
    let reply = emulator.expire_session(session_id).await;
    control_step(recorder, step, reply)?;
    let ended_at = Instant::now();

    steps::replay(context, recorder, &copy, ended_at, before).await
}

/// Scenario `hook-down`: make the token inline hook unreachable, sign in
/// (Okta fails open and issues a token without `okta_sid`), call (rejected
/// as `not_session_bound`), then repair the hook.
pub(super) async fn hook_down(context: &Context, recorder: &mut Recorder<'_>) -> Result<(), Stop> {
    let emulator = emulator(context)?;
    let step = StepRecord::new(
        "break-hook",
        "mock-okta: make the token inline hook unreachable",
    )
    .expect(recorder.expected("break-hook", Expected::status(200)));
    let hooks = match emulator.inline_hook_ids().await {
        Ok(hooks) if !hooks.is_empty() => hooks,
        Ok(_) => {
            let step = step.note("mock-okta has no token inline hook configured");
            return Err(recorder.push_and_stop(step, "no inline hook"));
        }
        Err(error) => {
            return Err(
                recorder.push_and_stop(transport_failure(step, &error), "control API failed")
            );
        }
    };

    let mut broken = Vec::new();
    let mut last = Ok(ControlReply {
        status: 0,
        body: serde_json::Value::Null,
    });
    for hook in &hooks {
        last = emulator.break_inline_hook(hook).await;
        if last.as_ref().is_ok_and(|reply| reply.status == 200) {
            broken.push(hook.clone());
        }
    }
    let result = match control_step(
        recorder,
        step.note(format!("hooks {}", hooks.join(", "))),
        last,
    ) {
        Ok(()) => sign_in_without_hook(context, recorder).await,
        Err(stop) => Err(stop),
    };

    // Repair whatever was broken, even when a step above failed, so that
    // later scenarios and a running demo get their hook back.
    let step = StepRecord::new("repair-hook", "mock-okta: clear the hook's faults")
        .expect(recorder.expected("repair-hook", Expected::status(200)));
    let mut last = Ok(ControlReply {
        status: 200,
        body: serde_json::Value::Null,
    });
    for hook in &broken {
        last = emulator.repair_inline_hook(hook).await;
    }
    let repaired = control_step(recorder, step, last);
    result.and(repaired)
}

async fn sign_in_without_hook(context: &Context, recorder: &mut Recorder<'_>) -> Result<(), Stop> {
    let user = steps::sign_in(context, recorder).await?;
    let rejected = Expected::rejected(401, "not_session_bound");
    steps::call(
        context,
        recorder,
        "call",
        "call GET /api/profile with that token",
        &user.access_token,
        rejected,
    )
    .await?;
    Ok(())
}

/// Scenario `rate-limited`: sign in, make the Sessions API return 429,
/// call (503 `okta_rate_limited` with `Retry-After`), clear the fault,
/// then call again after `Retry-After` until the back end recovers.
pub(super) async fn rate_limited(
    context: &Context,
    recorder: &mut Recorder<'_>,
) -> Result<(), Stop> {
    let emulator = emulator(context)?;
    // A fresh session: the back end has no cached verdict for it, so the
    // next call must ask Okta.
    let user = steps::sign_in(context, recorder).await?;

    let step = StepRecord::new("rate-limit", "mock-okta: Sessions API returns 429")
        .expect(recorder.expected("rate-limit", Expected::status(201)));
    let reply = emulator.rate_limit_sessions().await;
    let fault = reply
        .as_ref()
        .ok()
        .and_then(|reply| reply.body.get("id"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    control_step(recorder, step, reply)?;
    let Some(fault) = fault else {
        return Err(Stop("mock-okta returned no fault id".to_owned()));
    };

    let limited = Expected::rejected(503, "okta_rate_limited");
    let called = steps::call(
        context,
        recorder,
        "call",
        "call GET /api/profile",
        &user.access_token,
        limited,
    )
    .await;

    // Clear the fault even when the call went wrong.
    let step = StepRecord::new("clear", "mock-okta: remove the 429 fault")
        .expect(recorder.expected("clear", Expected::status(204)));
    control_step(recorder, step, emulator.remove_fault(&fault).await)?;
    let cleared_at = Instant::now();
    let called = called?;

    recover(
        context,
        recorder,
        &user.access_token,
        called.retry_after,
        cleared_at,
    )
    .await
}

/// Calls again, honouring `Retry-After`, until the back end allows the
/// token or the recovery deadline passes; records step `recover`.
async fn recover(
    context: &Context,
    recorder: &mut Recorder<'_>,
    token: &crate::secret::Secret,
    retry_after: Option<u64>,
    cleared_at: Instant,
) -> Result<(), Stop> {
    let step = StepRecord::new("recover", "call again after Retry-After")
        .expect(recorder.expected("recover", Expected::allowed()));
    let deadline = cleared_at + context.timing.recovery_deadline;
    let mut wait = retry_after.map_or(RECOVERY_PAUSE, Duration::from_secs);
    let mut attempts = 0_u32;

    loop {
        let now = Instant::now();
        if now + wait > deadline {
            let note = format!(
                "not recovered within {} s; next Retry-After {} s",
                context.timing.recovery_deadline.as_secs(),
                wait.as_secs()
            );
            let step = step.outcome(Outcome {
                status: None,
                reason: Some("not_recovered".to_owned()),
            });
            return recorder.push(step.note(note));
        }
        tokio::time::sleep(wait).await;

        attempts += 1;
        let reply = match context.api.profile(token.expose()).await {
            Ok(reply) => reply,
            Err(error) => {
                return Err(recorder.push_and_stop(
                    transport_failure(step, &error),
                    "the back end did not answer",
                ));
            }
        };
        if reply.is_allowed() {
            let note = match attempts {
                1 => "first call after Retry-After allowed".to_owned(),
                count => format!("allowed on call {count}, each after its Retry-After"),
            };
            return recorder.push(
                step.outcome(reply.outcome())
                    .took(cleared_at.elapsed())
                    .note(note),
            );
        }
        wait = reply
            .retry_after
            .map_or(RECOVERY_PAUSE, Duration::from_secs);
    }
}

fn emulator(context: &Context) -> Result<&Emulator, Stop> {
    // `run` skips emulator-only scenarios against a real org.
    context
        .target
        .emulator
        .as_ref()
        .ok_or_else(|| Stop("mock-okta's control API is not available".to_owned()))
}

/// Records a control API call as `step`.
fn control_step(
    recorder: &mut Recorder<'_>,
    step: StepRecord,
    reply: Result<ControlReply, ControlError>,
) -> Result<(), Stop> {
    match reply {
        Ok(reply) => recorder.push(step.outcome(Outcome::new(reply.status, None))),
        Err(error) => {
            Err(recorder.push_and_stop(transport_failure(step, &error), "control API failed"))
        }
    }
}
