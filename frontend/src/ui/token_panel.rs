//! The access token decoded, its session claim highlighted, its expiry
//! counting down, and refresh with rotation.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::AppState;
use crate::auth::{self, Provider};
use crate::claims_view::{SessionBinding, claim_rows, session_binding};
use crate::jwt::fingerprint;
use crate::time_format;

/// Seconds before expiry at which the panel refreshes on its own.
const AUTO_REFRESH_SECS: i64 = 30;

/// Shows the access token and offers refresh.
#[component]
pub fn TokenPanel(provider: StoredValue<Provider>, state: AppState) -> impl IntoView {
    let session_claim = provider.with_value(|p| p.config.session_claim.clone());
    let refreshing = RwSignal::new(false);
    let refresh_note = RwSignal::new(None::<String>);
    // Fingerprint of the access token already auto-refreshed, so that a
    // failed attempt is not repeated every second.
    let auto_refreshed = RwSignal::new(None::<String>);

    let run_refresh = move || {
        let Some(session) = state.session.get_untracked() else {
            return;
        };
        refreshing.set(true);
        spawn_local(async move {
            let result = auth::refresh(&provider.get_value(), &session).await;
            refreshing.set(false);
            match result {
                Ok(next) => {
                    let note = match &next.last_rotation {
                        Some((old, new)) => format!(
                            "Refreshed (refresh #{}); the refresh token rotated from {old} to {new}.",
                            next.refresh_count
                        ),
                        None => format!(
                            "Refreshed (refresh #{}); Okta returned the same refresh token.",
                            next.refresh_count
                        ),
                    };
                    refresh_note.set(Some(note));
                    state.session.set(Some(next));
                }
                Err(error) => {
                    leptos::logging::warn!("demo-frontend: refresh failed: {error}");
                    refresh_note.set(Some(format!("Refresh failed: {error}")));
                    state.error.set(Some(error));
                }
            }
        });
    };

    // Refresh once when the access token is about to expire.
    Effect::new(move |_| {
        let now = state.clock.get();
        let due = state.session.with(|session| {
            session.as_ref().and_then(|s| {
                let near = s.expires_at_secs - now <= AUTO_REFRESH_SECS;
                let print = fingerprint(&s.access_token);
                let fresh =
                    auto_refreshed.with_untracked(|done| done.as_deref() != Some(print.as_str()));
                (near && s.refresh_token.is_some() && fresh).then_some(print)
            })
        });
        if let Some(print) = due
            && !refreshing.get_untracked()
        {
            auto_refreshed.set(Some(print));
            run_refresh();
        }
    });

    let countdown = move || {
        let now = state.clock.get();
        state.session.with(|session| {
            session
                .as_ref()
                .map(|s| time_format::countdown(s.expires_at_secs, now))
        })
    };
    let countdown_text = move || countdown().map(|c| c.text).unwrap_or_default();
    let countdown_class = move || match countdown() {
        Some(c) if c.expired => "countdown expired",
        Some(c) if c.urgent => "countdown urgent",
        _ => "countdown",
    };

    let claim_name = session_claim.clone();
    let binding = move || {
        let binding = state.session.with(|session| {
            session
                .as_ref()
                .map(|s| session_binding(&s.access_claims, &claim_name))
        });
        match binding {
            Some(SessionBinding::Bound(id)) => view! {
                <p class="binding" data-testid="session-binding" data-bound="true">
                    "Bound to Okta session " <mark><code data-testid="session-id">{id}</code></mark>
                </p>
            }
            .into_any(),
            _ => view! {
                <p class="binding warning" data-testid="session-binding" data-bound="false">
                    "This token has no " <code>{claim_name.clone()}</code>
                    " claim, so the live-session routes reject it as not_session_bound. Check the token inline hook."
                </p>
            }
            .into_any(),
        }
    };

    let rows =
        move || {
            let rows = state
                .session
                .with(|session| {
                    session
                        .as_ref()
                        .map(|s| claim_rows(&s.access_claims, &session_claim))
                })
                .unwrap_or_default();
            rows.into_iter()
            .map(|row| {
                let class = if row.session { "claim session-claim" } else { "claim" };
                let test_id = format!("claim-{}", row.name);
                let value = if row.session {
                    view! { <mark data-testid="session-claim-value">{row.value}</mark> }.into_any()
                } else {
                    view! { <span>{row.value}</span> }.into_any()
                };
                view! {
                    <tr class=class data-testid=test_id data-session-claim=row.session.to_string()>
                        <th scope="row"><code>{row.name}</code></th>
                        <td>{value}</td>
                        <td class="muted">{row.note.unwrap_or_default()}</td>
                    </tr>
                }
            })
            .collect_view()
        };

    let header = move || {
        state.session.with(|session| {
            session
                .as_ref()
                .and_then(|s| serde_json::to_string_pretty(&s.access_header).ok())
                .unwrap_or_default()
        })
    };
    let raw = move || {
        state.session.with(|s| {
            s.as_ref()
                .map(|s| s.access_token.clone())
                .unwrap_or_default()
        })
    };
    let print = move || {
        state.session.with(|s| {
            s.as_ref()
                .map(|s| fingerprint(&s.access_token))
                .unwrap_or_default()
        })
    };
    let has_refresh = move || {
        state
            .session
            .with(|s| s.as_ref().is_some_and(|s| s.refresh_token.is_some()))
    };

    view! {
        <section class="panel" aria-labelledby="token-heading" data-testid="token-panel">
            <h2 id="token-heading">"Access token"</h2>
            <p class=countdown_class data-testid="token-expiry">{countdown_text}</p>
            {binding}
            <table class="claims" data-testid="token-claims">
                <caption>"Claims, decoded in the browser (the back end verifies the signature)"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Claim"</th>
                        <th scope="col">"Value"</th>
                        <th scope="col">"Note"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <details>
                <summary>"Header and raw token"</summary>
                <pre data-testid="token-header">{header}</pre>
                <p>"SHA-256 fingerprint: " <code data-testid="token-fingerprint">{print}</code></p>
                <label for="raw-token">"Compact access token"</label>
                <textarea id="raw-token" readonly rows="4" data-testid="raw-token" prop:value=raw></textarea>
            </details>
            <div class="actions">
                <button
                    type="button"
                    data-testid="refresh-tokens"
                    disabled=move || !has_refresh() || refreshing.get()
                    on:click=move |_| run_refresh()
                >
                    {move || if refreshing.get() { "Refreshing…" } else { "Refresh tokens" }}
                </button>
                <Show when=move || !has_refresh()>
                    <span class="muted" data-testid="no-refresh-token">
                        "No refresh token: add offline_access to the scopes in config.json."
                    </span>
                </Show>
            </div>
            <p role="status" aria-live="polite" data-testid="refresh-status">
                {move || refresh_note.get().unwrap_or_default()}
            </p>
        </section>
    }
}
