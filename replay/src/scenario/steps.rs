//! Steps that several scenarios share: sign in, call the API, copy the
//! token, log out, and replay the copy until the back end rejects it.

use std::time::Duration;

use tokio::time::Instant;

use super::{Context, Recorder, StepRecord, Stop};
use crate::api::ApiReply;
use crate::expect::{Expected, Outcome};
use crate::metrics::{CaughtBy, Snapshot};
use crate::oidc::SignedIn;
use crate::secret::{Secret, fingerprint};

/// First pause between replays; it doubles up to [`MAX_REPLAY_PAUSE`].
const FIRST_REPLAY_PAUSE: Duration = Duration::from_millis(25);
/// Maximum pause between replays. It bounds how late after the real
/// revocation the first rejection is observed.
const MAX_REPLAY_PAUSE: Duration = Duration::from_millis(500);

/// Signs the user in and records step `sign-in` (the token endpoint's
/// status), noting whether the access token carries the session claim.
pub(super) async fn sign_in(
    context: &Context,
    recorder: &mut Recorder<'_>,
) -> Result<SignedIn, Stop> {
    let step = StepRecord::new("sign-in", "sign in: authorization code + PKCE")
        .expect(recorder.expected("sign-in", Expected::status(200)));

    match context.oidc.sign_in().await {
        Ok(user) => {
            let note = match &user.claims.session_id {
                Some(session) => format!("okta_sid present (session {})", fingerprint(session)),
                None => {
                    "no okta_sid claim: Okta issued the token without the hook's patch".to_owned()
                }
            };
            recorder.push(step.outcome(Outcome::new(user.status, None)).note(note))?;
            Ok(user)
        }
        Err(failure) => {
            let step = step.outcome(failure.outcome).note(failure.detail);
            Err(recorder.push_and_stop(step, "sign-in gave no tokens"))
        }
    }
}

/// Calls `GET /api/profile` with `token` and records it as `id`.
pub(super) async fn call(
    context: &Context,
    recorder: &mut Recorder<'_>,
    id: &'static str,
    action: &'static str,
    token: &Secret,
    default: Expected,
) -> Result<ApiReply, Stop> {
    let step = StepRecord::new(id, action).expect(recorder.expected(id, default));

    match context.api.profile(token.expose()).await {
        Ok(reply) => {
            let step = step.outcome(reply.outcome());
            let step = match reply_note(&reply) {
                Some(note) => step.note(note),
                None => step,
            };
            recorder.push(step)?;
            Ok(reply)
        }
        Err(error) => Err(recorder.push_and_stop(
            transport_failure(step, &error),
            "the back end did not answer",
        )),
    }
}

/// Records step `copy`: the attacker keeps the access token.
pub(super) fn copy(recorder: &mut Recorder<'_>, user: &SignedIn) -> Result<Secret, Stop> {
    let jti = user.claims.jti.as_deref().unwrap_or("-");
    let note = format!("sha256 {}, jti {jti}", user.access_token.fingerprint());
    recorder.push(StepRecord::new("copy", "attacker copies the access token").note(note))?;
    Ok(user.access_token.clone())
}

/// Logs the user out at Okta's end-session endpoint and records it as `id`.
pub(super) async fn logout(
    context: &Context,
    recorder: &mut Recorder<'_>,
    id: &'static str,
    user: &SignedIn,
) -> Result<(), Stop> {
    let step = StepRecord::new(id, "log out at Okta's /v1/logout")
        .expect(recorder.expected(id, Expected::status(302)));

    match context.oidc.logout(user).await {
        Ok(status) => recorder.push(step.outcome(Outcome::new(status, None))),
        Err(failure) => Err(recorder.push_and_stop(
            step.outcome(failure.outcome).note(failure.detail),
            "logout failed",
        )),
    }
}

/// Replays `token` on `GET /api/profile` until the back end rejects it or
/// the revocation deadline passes, and records step `replay` with the
/// time since `ended_at` and the path that caught it.
pub(super) async fn replay(
    context: &Context,
    recorder: &mut Recorder<'_>,
    token: &Secret,
    ended_at: Instant,
    before: Option<Snapshot>,
) -> Result<(), Stop> {
    let step = StepRecord::new("replay", "attacker replays the copy on GET /api/profile")
        .expect(recorder.expected("replay", Expected::rejected(401, "session_ended")));
    let deadline = ended_at + context.timing.revocation_deadline;
    let mut pause = FIRST_REPLAY_PAUSE;
    let mut accepted = 0_u32;

    let (reply, took) = loop {
        let reply = match context.api.profile(token.expose()).await {
            Ok(reply) => reply,
            Err(error) => {
                return Err(recorder.push_and_stop(
                    transport_failure(step, &error),
                    "the back end did not answer",
                ));
            }
        };
        let now = Instant::now();
        if !reply.is_allowed() || now >= deadline {
            break (reply, now - ended_at);
        }

        accepted += 1;
        // Polling is the attack itself: each accepted replay is a request
        // the attacker got through.
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause * 2).min(MAX_REPLAY_PAUSE);
    };

    let step = step.outcome(reply.outcome());
    if reply.is_allowed() {
        let note = format!(
            "still accepted {} s after the session ended ({})",
            context.timing.revocation_deadline.as_secs(),
            replays(accepted)
        );
        return recorder.push(step.note(note));
    }

    let after = Snapshot::read(&context.api).await;
    let path = CaughtBy::attribute(before, after);
    let mut note = format!("{} before the rejection", replays(accepted));
    if let Some(detail) = reply_note(&reply) {
        note = format!("{note}; {detail}");
    }
    recorder.push(step.took(took).caught_by(Some(path)).note(note))
}

/// Records a step whose request got no response.
pub(super) fn transport_failure(step: StepRecord, error: &dyn std::error::Error) -> StepRecord {
    step.outcome(Outcome {
        status: None,
        reason: Some("transport_error".to_owned()),
    })
    .note(error.to_string())
}

/// Describes what a reply adds to its status and reason: `Retry-After`.
fn reply_note(reply: &ApiReply) -> Option<String> {
    reply
        .retry_after
        .map(|seconds| format!("Retry-After {seconds} s"))
}

fn replays(accepted: u32) -> String {
    match accepted {
        1 => "1 replay accepted".to_owned(),
        count => format!("{count} replays accepted"),
    }
}
