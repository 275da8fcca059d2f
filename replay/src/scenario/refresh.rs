//! Refresh after logout: the token inline hook links each refresh token to
//! the session it was issued under, and once that session has ended it
//! returns an error object, so Okta issues no token.

use super::steps;
use super::{Context, Recorder, StepRecord, Stop};
use crate::expect::{Expected, ExpectedStatus, Outcome};
use crate::secret::Secret;

/// OAuth error code of a token request that a token inline hook refused.
const HOOK_REFUSED: &str = "server_error";

/// Scenario `refresh-after-logout`: sign in with `offline_access`, refresh
/// once (accepted), log out, refresh again (refused).
pub(super) async fn after_logout(
    context: &Context,
    recorder: &mut Recorder<'_>,
) -> Result<(), Stop> {
    let user = steps::sign_in(context, recorder).await?;
    let Some(first) = user.refresh_token.clone() else {
        let step = StepRecord::new("refresh", "refresh while the session lives")
            .expect(recorder.expected("refresh", Expected::status(200)))
            .note("sign-in gave no refresh token; request offline_access and allow the refresh_token grant");
        return Err(recorder.push_and_stop(step, "no refresh token"));
    };

    let step = StepRecord::new("refresh", "refresh while the session lives")
        .expect(recorder.expected("refresh", Expected::status(200)));
    let latest = match context.oidc.refresh(&first).await {
        Ok(refreshed) => {
            let note = if refreshed.refresh_token.is_some() {
                "new tokens; the refresh token rotated"
            } else {
                "new tokens"
            };
            recorder.push(
                step.outcome(Outcome::new(refreshed.status, None))
                    .note(note),
            )?;
            // With rotation, only the newest refresh token still works.
            refreshed.refresh_token.unwrap_or(first)
        }
        Err(failure) => {
            let step = step.outcome(failure.outcome).note(failure.detail);
            return Err(recorder.push_and_stop(step, "refresh failed"));
        }
    };

    steps::logout(context, recorder, "logout", &user).await?;
    refresh_again(context, recorder, &latest).await
}

async fn refresh_again(
    context: &Context,
    recorder: &mut Recorder<'_>,
    refresh_token: &Secret,
) -> Result<(), Stop> {
    // mock-okta returns 500. Okta documents the error code, not the status.
    let status = if context.target.emulator.is_some() {
        ExpectedStatus::Exact(500)
    } else {
        ExpectedStatus::AnyError
    };
    let default = Expected {
        status,
        reason: Some(HOOK_REFUSED.to_owned()),
    };
    let step = StepRecord::new("refresh-again", "refresh after logout")
        .expect(recorder.expected("refresh-again", default));

    match context.oidc.refresh(refresh_token).await {
        Ok(refreshed) => recorder.push(
            step.outcome(Outcome::new(refreshed.status, None))
                .note("Okta issued new tokens after logout"),
        ),
        Err(failure) => recorder.push(step.outcome(failure.outcome).note(failure.detail)),
    }
}
