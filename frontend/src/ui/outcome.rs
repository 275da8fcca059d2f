//! The view of one back-end call: status, reason code, description,
//! `Retry-After`, the challenge and the body.

use leptos::prelude::*;

use crate::problem::{ApiOutcome, RetryAfter};

/// The state of one call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CallState {
    /// Not called yet.
    #[default]
    Idle,
    /// Request in flight.
    Pending,
    /// An HTTP response arrived.
    Done(ApiOutcome),
    /// No HTTP response: the back end is down or CORS failed.
    Unreachable(String),
}

/// Shows a call's state. `test_id` names the region; its parts get
/// `-status`, `-reason`, `-detail`, `-explanation`, `-retry-after`,
/// `-challenge`, `-body` and `-error` appended.
#[component]
pub fn OutcomeView(state: Signal<CallState>, test_id: String) -> impl IntoView {
    let id = test_id.clone();
    let body = move || match state.get() {
        CallState::Idle => view! { <p class="muted">"Not called yet."</p> }.into_any(),
        CallState::Pending => view! { <p class="muted">"Calling…"</p> }.into_any(),
        CallState::Unreachable(message) => view! {
            <p class="outcome-error" data-testid=format!("{id}-error")>
                <strong>"No response from the back end. "</strong>
                {message}
            </p>
        }
        .into_any(),
        CallState::Done(outcome) => outcome_details(&id, outcome).into_any(),
    };

    view! {
        <div class="outcome" role="status" aria-live="polite" data-testid=test_id>
            {body}
        </div>
    }
}

fn outcome_details(id: &str, outcome: ApiOutcome) -> impl IntoView + use<> {
    let verdict = if outcome.is_success() {
        "accepted"
    } else {
        "refused"
    };
    let status_text = format!("{} {}", outcome.status, outcome.title);
    let reason = outcome.reason.clone().unwrap_or_else(|| "none".to_owned());
    let detail = outcome.detail.clone().unwrap_or_else(|| "none".to_owned());
    let explanation = outcome.explanation().map(|text| {
        view! { <p class="explanation" data-testid=format!("{id}-explanation")>{text}</p> }
    });
    let retry_after = outcome.retry_after.clone().map(|value| {
        let text = match value {
            RetryAfter::Seconds(seconds) => format!("{seconds} s"),
            RetryAfter::Date(date) => date,
        };
        view! {
            <dt>"Retry-After"</dt>
            <dd data-testid=format!("{id}-retry-after")>{text}</dd>
        }
    });
    let challenge = outcome.www_authenticate.clone().map(|value| {
        view! {
            <dt>"WWW-Authenticate"</dt>
            <dd><code data-testid=format!("{id}-challenge")>{value}</code></dd>
        }
    });

    view! {
        <p class=format!("verdict verdict-{verdict}")>
            <span class="badge">{verdict}</span>
            " "
            <strong data-testid=format!("{id}-status")>{status_text}</strong>
        </p>
        <dl class="facts">
            <dt>"Reason"</dt>
            <dd><code data-testid=format!("{id}-reason")>{reason}</code></dd>
            <dt>"Description"</dt>
            <dd data-testid=format!("{id}-detail")>{detail}</dd>
            {retry_after}
            {challenge}
        </dl>
        {explanation}
        <details>
            <summary>"Response body"</summary>
            <pre data-testid=format!("{id}-body")>{outcome.body}</pre>
        </details>
    }
}
