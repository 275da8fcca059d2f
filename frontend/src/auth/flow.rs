//! Sign-in (authorization code + PKCE), refresh with rotation, and
//! RP-initiated sign-out.

use crate::auth::{AuthError, Provider, Session};
use crate::browser::http::{self, HttpRequest};
use crate::browser::{page, random, storage, webcrypto};
use crate::jwt::fingerprint;
use crate::oidc::authorize::{Callback, CallbackError, PendingSignIn, parse_callback};
use crate::oidc::id_token::{self, Expectations, NonceRule, VerifiedIdToken};
use crate::oidc::logout;
use crate::oidc::token::{TokenResponse, code_exchange_form, parse_token_response, refresh_form};
use crate::pkce;
use crate::replay;

/// sessionStorage key of the sign-in in progress.
const PENDING_SIGN_IN_KEY: &str = "demo-frontend.pending-sign-in";

/// sessionStorage key of the `state` sent with `/v1/logout`.
const LOGOUT_STATE_KEY: &str = "demo-frontend.logout-state";

/// Starts a sign-in: stores the PKCE verifier, `state` and `nonce`, then
/// sends the browser to Okta's authorize endpoint.
///
/// # Errors
/// [`AuthError::Browser`] when randomness, storage or navigation fails.
pub fn begin_sign_in(provider: &Provider) -> Result<(), AuthError> {
    let pending = PendingSignIn::new(
        &random::random_bytes()?,
        &random::random_bytes()?,
        &random::random_bytes()?,
        page::now_ms(),
    );
    let url = pending.authorize_url(&provider.metadata, &provider.config)?;
    let stored = serde_json::to_string(&pending).unwrap_or_default();
    storage::set(PENDING_SIGN_IN_KEY, &stored)?;

    leptos::logging::log!("demo-frontend: sign-in started, redirecting to the authorize endpoint");
    page::navigate(&url)?;
    Ok(())
}

/// Completes a sign-in from the callback's query: checks `state`,
/// exchanges the code with the verifier, and validates the ID token.
/// The pending sign-in is removed whatever the outcome, so a callback
/// URL cannot be replayed.
///
/// # Errors
/// [`AuthError`]: Okta's `error`, a bad callback, a token endpoint
/// error, or an ID token that fails validation.
pub async fn complete_sign_in(provider: &Provider, query: &str) -> Result<Session, AuthError> {
    let callback = parse_callback(query);
    let pending: Option<PendingSignIn> =
        storage::take(PENDING_SIGN_IN_KEY).and_then(|text| serde_json::from_str(&text).ok());
    let Some(pending) = pending else {
        // Okta's own error is more useful than "no sign-in started".
        let error = match callback {
            Callback::Error {
                error, description, ..
            } => CallbackError::Okta { error, description },
            _ => CallbackError::NoPendingSignIn,
        };
        return Err(error.into());
    };
    let code = pending.accept(callback, page::now_ms())?;

    let form = code_exchange_form(&code, &pending.code_verifier, &provider.config);
    let response = token_request(provider, form).await?;
    let raw_id_token = response.id_token.clone().ok_or(AuthError::MissingIdToken)?;
    let expected = Expectations {
        issuer: &provider.config.issuer,
        client_id: &provider.config.client_id,
        nonce: NonceRule::Equals(&pending.nonce),
        subject: None,
        now_secs: page::now_secs(),
    };
    let id_token = verify_id_token(provider, &raw_id_token, &expected).await?;

    leptos::logging::log!(
        "demo-frontend: signed in (access token {}, refresh token {})",
        fingerprint(&response.access_token),
        response
            .refresh_token
            .as_deref()
            .map(fingerprint)
            .unwrap_or_else(|| "none".to_owned())
    );
    Ok(Session::new(
        response,
        id_token,
        pending.nonce,
        page::now_secs(),
    ))
}

/// Redeems the refresh token for new tokens. Okta rotates the refresh
/// token of a public client on each use.
///
/// # Errors
/// [`AuthError::NoRefreshToken`], a token endpoint error (such as
/// `invalid_grant` once the Okta session or the token has ended), or a
/// refreshed ID token that fails validation.
pub async fn refresh(provider: &Provider, session: &Session) -> Result<Session, AuthError> {
    let refresh_token = session
        .refresh_token
        .as_deref()
        .ok_or(AuthError::NoRefreshToken)?;
    let response = token_request(provider, refresh_form(refresh_token, &provider.config)).await?;

    let id_token = match response.id_token.clone() {
        Some(raw) => {
            let expected = Expectations {
                issuer: &provider.config.issuer,
                client_id: &provider.config.client_id,
                nonce: NonceRule::AbsentOrEquals(&session.nonce),
                subject: Some(session.id_token.subject()),
                now_secs: page::now_secs(),
            };
            verify_id_token(provider, &raw, &expected).await?
        }
        None => session.id_token.clone(),
    };

    let next = session.refreshed(response, id_token, page::now_secs());
    leptos::logging::log!(
        "demo-frontend: tokens refreshed (access token {}, rotated {})",
        fingerprint(&next.access_token),
        next.last_rotation.is_some()
    );
    Ok(next)
}

/// Signs out at Okta: stores a logout `state` and the replay lab's
/// sign-out time, then sends the browser to `/v1/logout` with
/// `id_token_hint` and `post_logout_redirect_uri`. The in-memory tokens
/// go with the page.
///
/// # Errors
/// [`AuthError::Browser`] when randomness, storage or navigation fails.
pub fn sign_out(provider: &Provider, session: &Session) -> Result<(), AuthError> {
    let state = pkce::encode_random(&random::random_bytes()?);
    let url = logout::logout_url(
        &provider.metadata.logout_endpoint(),
        session.id_token.raw(),
        &provider.config.post_logout_redirect_uri,
        &state,
    )
    .map_err(|error| {
        AuthError::Browser(crate::browser::BrowserError {
            what: "logout URL",
            message: error.to_string(),
        })
    })?;

    storage::set(LOGOUT_STATE_KEY, &state)?;
    storage::set(replay::SIGNED_OUT_AT_KEY, &page::now_ms().to_string())?;
    leptos::logging::log!("demo-frontend: signing out through the logout endpoint");
    page::navigate(&url)?;
    Ok(())
}

/// Tells whether this page load is the return from `/v1/logout` started
/// by this tab (its `state` matches), and removes the stored `state`.
pub fn take_logout_return(query: &str) -> bool {
    let Some(returned) = logout::returned_state(query) else {
        return false;
    };
    storage::take(LOGOUT_STATE_KEY).is_some_and(|sent| sent == returned)
}

async fn token_request(provider: &Provider, form: String) -> Result<TokenResponse, AuthError> {
    let request = HttpRequest::post_form(provider.metadata.token_endpoint.clone(), form);
    let response = http::send(request)
        .await
        .map_err(AuthError::TokenUnreachable)?;
    parse_token_response(response.status, &response.body).map_err(|error| {
        leptos::logging::warn!("demo-frontend: token request failed: {error}");
        AuthError::Token(error)
    })
}

/// Validates an ID token: key from the JWKS, RS256 signature with
/// WebCrypto, then the claims.
async fn verify_id_token(
    provider: &Provider,
    raw: &str,
    expected: &Expectations<'_>,
) -> Result<VerifiedIdToken, AuthError> {
    let response = http::send(HttpRequest::get(provider.metadata.jwks_uri.clone()))
        .await
        .map_err(AuthError::TokenUnreachable)?;
    if response.status != 200 {
        return Err(AuthError::OktaStatus {
            url: provider.metadata.jwks_uri.clone(),
            status: response.status,
        });
    }
    let jwks = id_token::parse_jwks(&response.body)?;

    let unverified = id_token::prepare(raw, &jwks)?;
    let signature_valid = webcrypto::verify_rs256(
        unverified.key(),
        unverified.signing_input(),
        unverified.signature(),
    )
    .await?;
    let verified = unverified
        .finish(signature_valid, expected)
        .map_err(|error| {
            leptos::logging::warn!("demo-frontend: ID token rejected: {error}");
            AuthError::IdToken(error)
        })?;
    Ok(verified)
}
