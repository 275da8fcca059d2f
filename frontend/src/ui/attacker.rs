//! The attacker's panel. It shares no state with the app: it has only the
//! back end's public URL and the token string in its notebook, and it
//! replays that string with its own requests.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::outcome::{CallState, OutcomeView};
use super::theft::STOLEN_EVENT;
use crate::api::{self, Route};
use crate::browser::{page, storage};
use crate::jwt::fingerprint;
use crate::problem::ApiOutcome;
use crate::replay::{
    AUTO_REPLAY_INTERVAL_MS, MAX_AUTO_REPLAYS, Revocation, SIGNED_OUT_AT_KEY, STOLEN_COPY_KEY,
    StolenCopy, parse_signed_out_at, revocation,
};
use crate::time_format;

/// One automatic replay, as listed.
#[derive(Debug, Clone, PartialEq)]
struct Attempt {
    number: u32,
    after_sign_out_ms: f64,
    summary: String,
}

/// The attacker's own state.
#[derive(Clone, Copy)]
struct Attacker {
    base: StoredValue<String>,
    token: RwSignal<String>,
    signed_out_at: RwSignal<Option<f64>>,
    auto_running: RwSignal<bool>,
    attempts: RwSignal<Vec<Attempt>>,
    revoked: RwSignal<Option<(Revocation, ApiOutcome)>>,
    gave_up: RwSignal<bool>,
    profile: RwSignal<CallState>,
    catalog: RwSignal<CallState>,
}

/// Replays the stolen copy against the back end.
#[component]
pub fn AttackerPanel(api_base_url: String) -> impl IntoView {
    let attacker = Attacker {
        base: StoredValue::new(api_base_url),
        token: RwSignal::new(String::new()),
        signed_out_at: RwSignal::new(None),
        auto_running: RwSignal::new(false),
        attempts: RwSignal::new(Vec::new()),
        revoked: RwSignal::new(None),
        gave_up: RwSignal::new(false),
        profile: RwSignal::new(CallState::Idle),
        catalog: RwSignal::new(CallState::Idle),
    };

    // After mounting: read the notebook, follow new thefts, and start
    // replaying when this page load follows a sign-out.
    Effect::new(move |_| {
        read_notebook(attacker);
        let listener =
            window_event_listener_untyped(STOLEN_EVENT, move |_| read_notebook(attacker));
        on_cleanup(move || listener.remove());

        if attacker.signed_out_at.get_untracked().is_some()
            && !attacker.token.get_untracked().is_empty()
        {
            attacker.auto_running.set(true);
            spawn_local(auto_replay(attacker));
        }
    });

    let forget = move |_| {
        storage::remove(STOLEN_COPY_KEY);
        storage::remove(SIGNED_OUT_AT_KEY);
        attacker.auto_running.set(false);
        attacker.token.set(String::new());
        attacker.signed_out_at.set(None);
        attacker.attempts.set(Vec::new());
        attacker.revoked.set(None);
        attacker.gave_up.set(false);
    };
    let edit = move |event| {
        let text = event_target_value(&event);
        attacker.token.set(text.trim().to_owned());
    };
    let has_token = move || !attacker.token.with(String::is_empty);

    view! {
        <section class="panel attacker" aria-labelledby="attacker-heading" data-testid="attacker-panel">
            <h2 id="attacker-heading">"Attacker"</h2>
            <p class="muted">
                "This panel shares nothing with the app. It sends only the copied token string, with its own requests."
            </p>
            <label for="attacker-token">"Stolen access token"</label>
            <textarea
                id="attacker-token"
                rows="4"
                spellcheck="false"
                data-testid="attacker-token"
                placeholder="Keep a stolen copy in the replay lab, or paste a token"
                prop:value=move || attacker.token.get()
                on:input=edit
            ></textarea>
            <p class="muted" data-testid="attacker-token-fingerprint">
                {move || {
                    attacker.token.with(|token| {
                        if token.is_empty() { "No stolen token yet.".to_owned() } else { format!("Fingerprint {}", fingerprint(token)) }
                    })
                }}
            </p>
            <RevocationView attacker=attacker/>
            <div class="actions">
                <button type="button" data-testid="attacker-replay-profile" disabled=move || !has_token() on:click=move |_| manual_replay(attacker, Route::Profile)>
                    "Replay against GET /api/profile"
                </button>
                <button type="button" data-testid="attacker-replay-catalog" disabled=move || !has_token() on:click=move |_| manual_replay(attacker, Route::Catalog)>
                    "Replay against GET /api/catalog"
                </button>
                <button type="button" data-testid="attacker-stop" disabled=move || !attacker.auto_running.get() on:click=move |_| attacker.auto_running.set(false)>
                    "Stop replaying"
                </button>
                <button type="button" data-testid="attacker-forget" on:click=forget>"Forget the copy"</button>
            </div>
            <h3>"GET /api/profile (live session)"</h3>
            <OutcomeView state=attacker.profile.into() test_id="attacker-result-profile".to_owned()/>
            <h3>"GET /api/catalog (token only)"</h3>
            <OutcomeView state=attacker.catalog.into() test_id="attacker-result-catalog".to_owned()/>
        </section>
    }
}

/// Shows the sign-out stopwatch, the automatic replays and the refusal.
#[component]
fn RevocationView(attacker: Attacker) -> impl IntoView {
    let status = move || {
        let attempts = attacker.attempts.with(Vec::len);
        if let Some((measured, _)) = attacker.revoked.get() {
            format!(
                "Refused {} after sign-out, on replay {}.",
                time_format::delay(measured.delay_ms),
                measured.attempts
            )
        } else if attacker.auto_running.get() {
            format!(
                "Replaying against GET /api/profile every second since sign-out: {attempts} sent so far…"
            )
        } else if attacker.gave_up.get() {
            format!(
                "Still accepted after {attempts} replays; the lab stopped. The back end may cache verdicts longer, or the session was not ended."
            )
        } else if attacker.signed_out_at.get().is_some() {
            "Signed out; replay the copy to measure the revocation.".to_owned()
        } else {
            "Not signed out yet: the copy is still accepted wherever the real token is.".to_owned()
        }
    };
    let refusal = move || {
        attacker.revoked.get().map(|(_, outcome)| {
            view! {
                <OutcomeView state=Signal::derive(move || CallState::Done(outcome.clone())) test_id="attacker-refusal".to_owned()/>
            }
        })
    };
    let attempts = move || {
        attacker
            .attempts
            .get()
            .into_iter()
            .rev()
            .take(5)
            .map(|attempt| {
                view! {
                    <li>
                        {format!(
                            "#{} at +{}: {}",
                            attempt.number,
                            time_format::delay(attempt.after_sign_out_ms),
                            attempt.summary
                        )}
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <div class="revocation">
            <p role="status" aria-live="polite" data-testid="revocation-status">{status}</p>
            <p class="revocation-time" hidden=move || attacker.revoked.with(Option::is_none)>
                "Revocation took "
                <strong data-testid="revocation-time">
                    {move || attacker.revoked.get().map(|(measured, _)| time_format::delay(measured.delay_ms)).unwrap_or_default()}
                </strong>
            </p>
            {refusal}
            <ul class="attempts muted" data-testid="replay-attempts">{attempts}</ul>
        </div>
    }
}

fn read_notebook(attacker: Attacker) {
    if let Some(copy) = storage::get(STOLEN_COPY_KEY).and_then(|text| StolenCopy::from_json(&text))
    {
        attacker.token.set(copy.token);
    }
    let signed_out_at = storage::get(SIGNED_OUT_AT_KEY).and_then(|text| parse_signed_out_at(&text));
    attacker.signed_out_at.set(signed_out_at);
}

/// Replays against `/api/profile` once a second until the first refusal
/// or [`MAX_AUTO_REPLAYS`].
async fn auto_replay(attacker: Attacker) {
    let token = attacker.token.get_untracked();
    for number in 1..=MAX_AUTO_REPLAYS {
        if !attacker.auto_running.try_get_untracked().unwrap_or(false) {
            return;
        }
        let result = api::call(&attacker.base.get_value(), Route::Profile, &token).await;
        let at_ms = page::now_ms();
        let after = at_ms - attacker.signed_out_at.get_untracked().unwrap_or(at_ms);
        let summary = match &result {
            Ok(outcome) => outcome.headline(),
            Err(error) => format!("no response ({error})"),
        };
        attacker.attempts.update(|list| {
            list.push(Attempt {
                number,
                after_sign_out_ms: after,
                summary,
            })
        });

        match result {
            Ok(outcome) => {
                let refused = outcome.is_refusal();
                attacker.profile.set(CallState::Done(outcome.clone()));
                if refused {
                    record_refusal(attacker, outcome, at_ms, number);
                    attacker.auto_running.set(false);
                    return;
                }
            }
            Err(error) => attacker
                .profile
                .set(CallState::Unreachable(error.to_string())),
        }
        page::sleep_ms(AUTO_REPLAY_INTERVAL_MS).await;
    }
    attacker.auto_running.set(false);
    attacker.gave_up.set(true);
}

fn manual_replay(attacker: Attacker, route: Route) {
    let token = attacker.token.get_untracked();
    let target = match route {
        Route::Catalog => attacker.catalog,
        Route::Profile | Route::Transfers => attacker.profile,
    };
    target.set(CallState::Pending);
    spawn_local(async move {
        match api::call(&attacker.base.get_value(), route, &token).await {
            Ok(outcome) => {
                let at_ms = page::now_ms();
                if outcome.is_refusal() {
                    let sent = attacker.attempts.with_untracked(Vec::len) as u32 + 1;
                    record_refusal(attacker, outcome.clone(), at_ms, sent);
                }
                target.set(CallState::Done(outcome));
            }
            Err(error) => target.set(CallState::Unreachable(error.to_string())),
        }
    });
}

/// Keeps the first refusal after sign-out and stops the stopwatch, so a
/// reload does not measure again.
fn record_refusal(attacker: Attacker, outcome: ApiOutcome, at_ms: f64, attempts: u32) {
    if attacker.revoked.with_untracked(Option::is_some) {
        return;
    }
    if let Some(measured) = revocation(attacker.signed_out_at.get_untracked(), at_ms, attempts) {
        leptos::logging::log!(
            "demo-frontend: stolen copy refused {} ms after sign-out ({})",
            measured.delay_ms.round(),
            outcome.headline()
        );
        storage::remove(SIGNED_OUT_AT_KEY);
        attacker.revoked.set(Some((measured, outcome)));
    }
}
