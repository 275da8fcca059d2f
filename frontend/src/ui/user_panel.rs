//! The signed-in user, from the verified ID token, and sign-out.

use leptos::prelude::*;

use super::AppState;
use crate::auth::{self, Provider};
use crate::jwt::time_claim;
use crate::time_format;

/// Shows who is signed in and offers sign-out. Focus moves to its
/// heading when it appears, right after sign-in.
#[component]
pub fn UserPanel(provider: StoredValue<Provider>, state: AppState) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(element) = heading.get() {
            let _ = element.focus();
        }
    });

    let claim = move |name: &'static str| {
        move || {
            state.session.with(|session| {
                session
                    .as_ref()
                    .and_then(|s| s.id_token.claim(name).map(str::to_owned))
                    .unwrap_or_else(|| "not provided".to_owned())
            })
        }
    };
    let signed_in_at = move || {
        state.session.with(|session| {
            session
                .as_ref()
                .and_then(|s| time_claim(s.id_token.claims(), "auth_time"))
                .map(time_format::utc)
                .unwrap_or_else(|| "not provided".to_owned())
        })
    };

    let sign_out = move |_| {
        let Some(session) = state.session.get_untracked() else {
            return;
        };
        if let Err(error) = provider.with_value(|p| auth::sign_out(p, &session)) {
            leptos::logging::warn!("demo-frontend: sign-out could not start: {error}");
            state.error.set(Some(error));
        }
    };

    view! {
        <section class="panel" aria-labelledby="user-heading" data-testid="user-panel">
            <h2 id="user-heading" tabindex="-1" node_ref=heading>"Signed in"</h2>
            <dl class="facts">
                <dt>"Name"</dt>
                <dd data-testid="user-name">{claim("name")}</dd>
                <dt>"Username"</dt>
                <dd data-testid="user-username">{claim("preferred_username")}</dd>
                <dt>"Email"</dt>
                <dd data-testid="user-email">{claim("email")}</dd>
                <dt>"Okta user id (sub)"</dt>
                <dd><code data-testid="user-sub">{claim("sub")}</code></dd>
                <dt>"Signed in at"</dt>
                <dd data-testid="user-auth-time">{signed_in_at}</dd>
            </dl>
            <p class="ok" data-testid="id-token-verified">
                "ID token verified: RS256 signature against the issuer's JWKS, and iss, aud, exp, iat and nonce."
            </p>
            <button type="button" data-testid="sign-out" on:click=sign_out>
                "Sign out (ends the Okta session)"
            </button>
        </section>
    }
}
