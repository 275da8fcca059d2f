//! Replays after the session ends at Okta: by the user's logout, or by an
//! administrator ending all of the user's sessions.

use tokio::time::Instant;

use super::steps::{self, transport_failure};
use super::{Context, Recorder, StepRecord, Stop};
use crate::expect::Expected;
use crate::metrics::Snapshot;

/// Scenario `logout`: sign in, call, copy the token, log out, replay.
pub(super) async fn after_logout(
    context: &Context,
    recorder: &mut Recorder<'_>,
) -> Result<(), Stop> {
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

    let before = Snapshot::read(&context.api).await;
    steps::logout(context, recorder, "logout", &user).await?;
    let ended_at = Instant::now();

    steps::replay(context, recorder, &copy, ended_at, before).await
}

/// Scenario `admin-end-sessions`: sign in, call, copy the token, an admin
/// calls `DELETE /api/v1/users/{id}/sessions`, replay.
pub(super) async fn after_admin_end(
    context: &Context,
    recorder: &mut Recorder<'_>,
) -> Result<(), Stop> {
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

    let step = StepRecord::new("end-sessions", "admin: DELETE /api/v1/users/{id}/sessions")
        .expect(recorder.expected("end-sessions", Expected::status(204)));
    // `run` skips this scenario when no API token is configured.
    let Some(admin) = &context.admin else {
        return Err(Stop("no Okta API token".to_owned()));
    };
    let Some(user_id) = user.claims.uid.as_deref() else {
        let step = step.note("the access token has no uid claim, so the user is unknown");
        return Err(recorder.push_and_stop(step, "no user id"));
    };

    let before = Snapshot::read(&context.api).await;
    match admin.end_user_sessions(user_id).await {
        Ok((outcome, detail)) => {
            let step = step.outcome(outcome);
            recorder.push(match detail {
                Some(detail) => step.note(detail),
                None => step.note(format!("user {user_id}, oauthTokens=false")),
            })?;
        }
        Err(error) => {
            return Err(
                recorder.push_and_stop(transport_failure(step, &error), "Okta did not answer")
            );
        }
    }
    let ended_at = Instant::now();

    steps::replay(context, recorder, &copy, ended_at, before).await
}
