//! Buttons that call the back end with the app's access token.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::AppState;
use super::outcome::{CallState, OutcomeView};
use crate::api::{self, Route};

/// Renders one button and one result per route.
#[component]
pub fn ApiPanel(api_base_url: String, state: AppState) -> impl IntoView {
    let base = StoredValue::new(api_base_url.clone());
    let routes = Route::ALL
        .into_iter()
        .map(|route| {
            let call_state = RwSignal::new(CallState::Idle);
            let call = move |_| {
                let Some(token) = state
                    .session
                    .with_untracked(|s| s.as_ref().map(|s| s.access_token.clone()))
                else {
                    return;
                };
                call_state.set(CallState::Pending);
                spawn_local(async move {
                    let result = api::call(&base.get_value(), route, &token).await;
                    call_state.set(match result {
                        Ok(outcome) => CallState::Done(outcome),
                        Err(error) => {
                            leptos::logging::warn!(
                                "demo-frontend: {} failed: {error}",
                                route.label()
                            );
                            CallState::Unreachable(error.to_string())
                        }
                    });
                });
            };

            view! {
                <li class="route">
                    <div class="route-head">
                        <button
                            type="button"
                            data-testid=format!("call-{}", route.id())
                            disabled=move || call_state.with(|s| *s == CallState::Pending)
                            on:click=call
                        >
                            {route.label()}
                        </button>
                        <span class="muted">{route.policy()}</span>
                    </div>
                    <OutcomeView state=call_state.into() test_id=format!("result-{}", route.id())/>
                </li>
            }
        })
        .collect_view();

    view! {
        <section class="panel" aria-labelledby="api-heading" data-testid="api-panel">
            <h2 id="api-heading">"Call the back end"</h2>
            <p class="muted">"Each call sends the access token as a bearer token to " <code>{api_base_url}</code> "."</p>
            <ul class="routes">{routes}</ul>
        </section>
    }
}
