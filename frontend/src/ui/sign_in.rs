//! The signed-out view: what signing in does, and the button.

use leptos::prelude::*;

use super::AppState;
use crate::auth::{self, Provider};

/// Offers sign-in, or shows that a callback is being completed.
#[component]
pub fn SignInPanel(provider: StoredValue<Provider>, state: AppState) -> impl IntoView {
    let sign_in = move |_| {
        state.error.set(None);
        if let Err(error) = provider.with_value(auth::begin_sign_in) {
            leptos::logging::warn!("demo-frontend: sign-in could not start: {error}");
            state.error.set(Some(error));
        }
    };
    let scopes = provider.with_value(|p| p.config.scope_parameter());

    view! {
        <section class="panel" aria-labelledby="sign-in-heading" data-testid="sign-in-panel">
            <h2 id="sign-in-heading">"Sign in"</h2>
            <Show
                when=move || state.completing.get()
                fallback=move || {
                    view! {
                        <p>
                            "Sign in with the authorization code flow and PKCE. The emulator's demo user is "
                            <code>"demo@example.com"</code> " with password " <code>"Demo-Passw0rd!"</code> "."
                        </p>
                        <p class="muted">"Requested scopes: " <code data-testid="requested-scopes">{scopes.clone()}</code></p>
                        <button type="button" class="primary" data-testid="sign-in" on:click=sign_in>
                            "Sign in with Okta"
                        </button>
                        <p class="muted">
                            "Tokens are kept in memory only: reloading the page forgets them, and signing in again skips the password while the Okta session lasts."
                        </p>
                    }
                }
            >
                <p role="status" data-testid="sign-in-progress">"Completing sign-in: exchanging the code and checking the ID token…"</p>
            </Show>
        </section>
    }
}
