//! The banner for sign-in, refresh and sign-out failures.

use leptos::prelude::*;

use crate::auth::AuthError;

/// Shows the current error, moves focus to it, and lets the user
/// dismiss it.
#[component]
pub fn ErrorBanner(error: RwSignal<Option<AuthError>>) -> impl IntoView {
    let banner = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if error.with(Option::is_some)
            && let Some(element) = banner.get()
        {
            let _ = element.focus();
        }
    });

    view! {
        <div class="error-region" role="alert" tabindex="-1" node_ref=banner>
            {move || {
                error
                    .get()
                    .map(|failure| {
                        view! {
                            <section class="panel panel-error" data-testid="auth-error" data-error-code=failure.code()>
                                <h2>{failure.title()}</h2>
                                <p data-testid="auth-error-message">{failure.to_string()}</p>
                                <button type="button" data-testid="dismiss-error" on:click=move |_| error.set(None)>
                                    "Dismiss"
                                </button>
                            </section>
                        }
                    })
            }}
        </div>
    }
}
