//! The page: start-up, the signed-out and signed-in views, and the
//! attacker panel beside them.

mod api_panel;
mod attacker;
mod error_banner;
mod outcome;
mod sign_in;
mod theft;
mod token_panel;
mod user_panel;

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::{self, AuthError, Provider, Session};
use crate::browser::page;

use api_panel::ApiPanel;
use attacker::AttackerPanel;
use error_banner::ErrorBanner;
use sign_in::SignInPanel;
use theft::TheftPanel;
use token_panel::TokenPanel;
use user_panel::UserPanel;

/// Start-up progress.
#[derive(Debug, Clone, PartialEq)]
enum Boot {
    /// Fetching `config.json` and the discovery document.
    Loading,
    /// Start-up failed; the page offers a retry.
    Failed(AuthError),
    /// Ready to sign in.
    Ready(Box<Provider>),
}

/// The state the views share: the in-memory session and the messages
/// about it. The attacker panel gets none of it.
#[derive(Clone, Copy)]
pub(crate) struct AppState {
    /// The signed-in session, in memory only.
    pub session: RwSignal<Option<Session>>,
    /// The last sign-in, refresh or sign-out failure.
    pub error: RwSignal<Option<AuthError>>,
    /// This page load is the return from Okta's logout.
    pub signed_out: RwSignal<bool>,
    /// A callback is being exchanged for tokens.
    pub completing: RwSignal<bool>,
    /// The browser's clock, in seconds, updated every second.
    pub clock: RwSignal<i64>,
}

/// Renders the whole app.
#[component]
pub fn App() -> impl IntoView {
    let boot = RwSignal::new(Boot::Loading);
    let state = AppState {
        session: RwSignal::new(None),
        error: RwSignal::new(None),
        signed_out: RwSignal::new(false),
        completing: RwSignal::new(false),
        clock: RwSignal::new(page::now_secs()),
    };

    // Effects run after mounting, which is when tasks may be spawned.
    Effect::new(move |_| {
        start_clock(state.clock);
        spawn_local(start_up(boot, state));
    });

    let retry = move |_| {
        boot.set(Boot::Loading);
        spawn_local(start_up(boot, state));
    };

    let content = move || {
        match boot.get() {
        Boot::Loading => view! {
            <p role="status" data-testid="app-loading">"Loading the configuration and Okta's discovery document…"</p>
        }
        .into_any(),
        Boot::Failed(error) => view! {
            <StartupError error=error/>
            <button type="button" data-testid="retry-start" on:click=retry>"Try again"</button>
        }
        .into_any(),
        Boot::Ready(provider) => view! { <Ready provider=*provider state=state/> }.into_any(),
    }
    };

    view! {
        <a class="skip-link" href="#main">"Skip to the content"</a>
        <header class="page-header">
            <h1>"Session-linked access tokens"</h1>
            <p class="lead">
                "Okta stamps the session id into each access token. The back end checks with Okta that the session is still alive, so a token replayed after sign-out is refused."
            </p>
        </header>
        <main id="main" tabindex="-1">{content}</main>
    }
}

/// Loads the provider, then completes a sign-in callback or notices the
/// return from logout.
async fn start_up(boot: RwSignal<Boot>, state: AppState) {
    let provider = match auth::load_provider().await {
        Ok(provider) => provider,
        Err(error) => {
            leptos::logging::warn!("demo-frontend: start-up failed: {error}");
            boot.set(Boot::Failed(error));
            return;
        }
    };

    let path = page::path();
    let query = page::query();
    let callback_path = provider.config.redirect_uri.path().to_owned();
    boot.set(Boot::Ready(Box::new(provider.clone())));

    if path == callback_path {
        state.completing.set(true);
        let result = auth::complete_sign_in(&provider, &query).await;
        // The code is spent either way; keep it out of the address bar.
        page::replace_address("/");
        state.completing.set(false);
        match result {
            Ok(session) => state.session.set(Some(session)),
            Err(error) => {
                leptos::logging::warn!("demo-frontend: sign-in failed: {error}");
                state.error.set(Some(error));
            }
        }
    } else if auth::take_logout_return(&query) {
        page::replace_address(&path);
        state.signed_out.set(true);
    }
}

fn start_clock(clock: RwSignal<i64>) {
    let ticking =
        set_interval_with_handle(move || clock.set(page::now_secs()), Duration::from_secs(1));
    match ticking {
        Ok(handle) => on_cleanup(move || handle.clear()),
        Err(error) => leptos::logging::warn!("demo-frontend: clock not started: {error:?}"),
    }
}

/// Start-up failure, focused so that screen readers announce it.
#[component]
fn StartupError(error: AuthError) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(element) = heading.get() {
            let _ = element.focus();
        }
    });

    view! {
        <section class="panel panel-error" role="alert" data-testid="startup-error" data-error-code=error.code()>
            <h2 tabindex="-1" node_ref=heading>{error.title()}</h2>
            <p data-testid="startup-error-message">{error.to_string()}</p>
        </section>
    }
}

/// Renders the page once the provider is known.
#[component]
fn Ready(provider: Provider, state: AppState) -> impl IntoView {
    let provider = StoredValue::new(provider);
    let signed_in = Memo::new(move |_| state.session.with(Option::is_some));
    let config = provider.with_value(|p| p.config.clone());

    view! {
        <ErrorBanner error=state.error/>
        <Show when=move || state.signed_out.get()>
            <p class="notice" role="status" data-testid="signed-out-notice">
                "You are signed out: Okta ended the session. Any copy of the old access token should now be refused by the live-session routes."
            </p>
        </Show>
        <div class="layout">
            <div class="column">
                <Show
                    when=move || signed_in.get()
                    fallback=move || view! { <SignInPanel provider=provider state=state/> }
                >
                    <UserPanel provider=provider state=state/>
                    <TokenPanel provider=provider state=state/>
                    <ApiPanel api_base_url=provider.with_value(|p| p.config.api_base_url.clone()) state=state/>
                    <TheftPanel state=state/>
                </Show>
            </div>
            <div class="column">
                <AttackerPanel api_base_url=config.api_base_url.clone()/>
            </div>
        </div>
        <footer class="config-summary" data-testid="config-summary">
            <p>
                "Issuer " <code data-testid="config-issuer">{config.issuer.clone()}</code>
                " · client " <code>{config.client_id.clone()}</code>
                " · back end " <code data-testid="config-api">{config.api_base_url.clone()}</code>
                " · session claim " <code>{config.session_claim.clone()}</code>
            </p>
        </footer>
    }
}
