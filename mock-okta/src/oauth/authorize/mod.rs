//! `/v1/authorize`: the authorization code flow with PKCE.
//!
//! A valid request with a live Okta session (the `sid` cookie) gets a code
//! at once (SSO) and the session's idle timer restarts. Without one, the
//! user sees the sign-in form ([`signin`]), unless `prompt=none` asked for
//! no interaction, which gets `login_required`. A `sid` cookie naming an
//! ended or expired session counts as no session.

mod request;
mod response;
mod signin;

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::params::Params;
use super::{Reject, cookie, find_server, html};
use crate::clock::epoch_seconds;
use crate::error::OAuthError;
use crate::ids;
use crate::state::{AuthorizationCode, MockOkta, Session, SharedState, fingerprint};

pub use request::AuthorizeRequest;
pub(crate) use response::found;
pub use signin::{PendingSignIn, sign_in};

use request::{AuthorizeError, Prompt};

/// Okta's authorization code lifetime: 300 seconds.
const CODE_LIFETIME: Duration = Duration::from_secs(300);

/// How long a spent or expired code is remembered, so that a replay within
/// this time still revokes the tokens issued from it.
const CODE_RETENTION: Duration = Duration::from_secs(600);

/// `GET /oauth2/{authServerId}/v1/authorize`
pub async fn authorize_get(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    request: Request,
) -> Result<Response, Reject> {
    let headers = request.headers().clone();
    let params = Params::from_query(request.uri().query()).map_err(bad_params_page)?;
    authorize(&state, &server_id, &headers, &params)
}

/// `POST /oauth2/{authServerId}/v1/authorize`: the same parameters in a
/// form body; query parameters are ignored, as Okta allows none.
pub async fn authorize_post(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    request: Request,
) -> Result<Response, Reject> {
    let headers = request.headers().clone();
    let params = Params::from_form(request).await.map_err(bad_params_page)?;
    authorize(&state, &server_id, &headers, &params)
}

fn authorize(
    state: &MockOkta,
    server_id: &str,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Reject> {
    let server = find_server(state, server_id)?;
    let request = match request::parse(state, server, params) {
        Ok(request) => request,
        Err(error) => return Ok(reject(server_id, params, error)),
    };

    let session = cookie::session_id(headers)
        .and_then(|id| state.live_session(&id))
        .filter(|_| request.prompt != Prompt::Login)
        .filter(|session| within_max_age(state, session, request.max_age));

    match session {
        Some(session) => {
            // Reusing the session counts as activity, as in Okta.
            let session = state.touch_session(&session.id).unwrap_or(session);
            tracing::info!(
                server = %server.id,
                client = %request.client_id,
                session = %fingerprint(&session.id),
                "authorize: live session reused"
            );
            let code = issue_code(state, &request, &session);
            Ok(response::success(&request.target(), &code))
        }
        None if request.prompt == Prompt::None => {
            tracing::info!(client = %request.client_id, "authorize: prompt=none without a session");
            let error = OAuthError::new(
                StatusCode::BAD_REQUEST,
                "login_required",
                "The client specified not to prompt, but the user is not logged in.",
            );
            Ok(response::error(&request.target(), &error))
        }
        None => Ok(signin::show_form(state, request)),
    }
}

/// Tells whether the session's last password entry is within `max_age`.
fn within_max_age(state: &MockOkta, session: &Session, max_age: Option<u64>) -> bool {
    let Some(max_age) = max_age else {
        return true;
    };
    let age = state
        .clock
        .now()
        .duration_since(session.last_password_verification)
        .unwrap_or_default();
    age <= Duration::from_secs(max_age)
}

/// Stores a single-use code for `request` signed in through `session`.
fn issue_code(state: &MockOkta, request: &AuthorizeRequest, session: &Session) -> String {
    let now = state.clock.now();
    let code = ids::opaque_secret();
    let record = AuthorizationCode {
        client_id: request.client_id.clone(),
        auth_server_id: request.server_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        scopes: request.scopes.clone(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        code_challenge_method: request.code_challenge_method.clone(),
        session_id: session.id.clone(),
        user_id: session.user_id.clone(),
        auth_time: epoch_seconds(session.last_password_verification),
        expires_at: now + CODE_LIFETIME,
        used: false,
        family: ids::base62(24),
        protocol_request: request.protocol_request(),
    };

    let mut store = state.store();
    store
        .codes
        .retain(|_, code| code.expires_at + CODE_RETENTION > now);
    store.codes.insert(code.clone(), record);
    tracing::debug!(
        client = %request.client_id,
        session = %fingerprint(&session.id),
        code = %fingerprint(&code),
        "authorization code issued"
    );
    code
}

/// Returns whether `expires_at` has passed at the emulator's time.
fn expired(state: &MockOkta, expires_at: SystemTime) -> bool {
    expires_at <= state.clock.now()
}

fn reject(server_id: &str, params: &Params, error: AuthorizeError) -> Response {
    let client = params.get("client_id").unwrap_or("-");
    match error {
        AuthorizeError::Page {
            status,
            error,
            description,
        } => {
            tracing::info!(server = %server_id, client, error, %description, "authorize rejected (error page)");
            html::error_page(status, error, &description)
        }
        AuthorizeError::Redirect { target, error } => {
            tracing::info!(
                server = %server_id,
                client,
                error = error.error,
                description = %error.description,
                "authorize rejected (redirected to the client)"
            );
            response::error(&target, &error)
        }
    }
}

fn bad_params_page(error: super::params::ParamsError) -> Reject {
    tracing::info!(%error, "authorize parameters unreadable");
    let status = match error {
        super::params::ParamsError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    Reject::from(html::error_page(
        status,
        "invalid_request",
        &error.to_string(),
    ))
}

/// Returns the client's IP address, when the server was started with
/// connection info (as [`crate::start`] does).
fn client_ip(request: &Request) -> Option<String> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip().to_string())
}
