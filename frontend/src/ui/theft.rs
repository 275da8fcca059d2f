//! The app side of the replay lab: hand a copy of the access token to
//! the attacker, then sign out.

use leptos::prelude::*;

use super::AppState;
use crate::browser::{page, storage};
use crate::jwt::fingerprint;
use crate::replay::{STOLEN_COPY_KEY, StolenCopy};

/// DOM event fired on `window` when a stolen copy is written, so that the
/// attacker panel rereads its notebook.
pub const STOLEN_EVENT: &str = "replay-lab-stolen";

/// Explains the lab and copies the token into the attacker's notebook.
#[component]
pub fn TheftPanel(state: AppState) -> impl IntoView {
    let status = RwSignal::new(None::<String>);

    let steal = move |_| {
        let Some(token) = state
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.access_token.clone()))
        else {
            return;
        };
        let copy = StolenCopy {
            token,
            stolen_at_ms: page::now_ms(),
        };
        match storage::set(STOLEN_COPY_KEY, &copy.to_json()) {
            Ok(()) => {
                page::announce(STOLEN_EVENT);
                status.set(Some(format!(
                    "The attacker now holds a copy of access token {}. Next: sign out, then watch the attacker panel.",
                    fingerprint(&copy.token)
                )));
            }
            Err(error) => status.set(Some(format!("The copy could not be kept: {error}"))),
        }
    };

    view! {
        <section class="panel" aria-labelledby="lab-heading" data-testid="replay-lab">
            <h2 id="lab-heading">"Replay lab"</h2>
            <ol>
                <li>"Keep a stolen copy of the current access token."</li>
                <li>"Sign out. Okta ends the session; the copy keeps its valid signature and expiry."</li>
                <li>"The attacker panel replays the copy every second and measures how long the back end took to refuse it."</li>
            </ol>
            <button type="button" data-testid="steal-token" on:click=steal>"Keep a stolen copy"</button>
            <p role="status" aria-live="polite" data-testid="steal-status">{move || status.get().unwrap_or_default()}</p>
        </section>
    }
}
