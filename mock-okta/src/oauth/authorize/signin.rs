//! The sign-in form: the pending authorize request waits server-side under
//! a random id that the form carries in a hidden field. A correct password
//! starts an Okta session, sets the `sid` cookie and redirects with a code.
//! A wrong one shows the form again with a 401.

use std::time::{Duration, SystemTime};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::request::AuthorizeRequest;
use super::{client_ip, expired, issue_code, response};
use crate::config::UserConfig;
use crate::ids;
use crate::oauth::params::Params;
use crate::oauth::{SIGN_IN_PATH, cookie, html};
use crate::sessions::display_name;
use crate::state::{MockOkta, SharedState, UserStatus, fingerprint};
use crate::syslog::LogEvent;

/// How long the sign-in form stays usable.
const PENDING_LIFETIME: Duration = Duration::from_secs(600);

/// Okta's message for any failed password sign-in, which does not reveal
/// whether the username exists.
const SIGN_IN_FAILED: &str = "Unable to sign in";

/// An authorize request waiting for the user to sign in.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub request: AuthorizeRequest,
    pub expires_at: SystemTime,
}

/// Stores `request` as pending and renders the sign-in form (200).
pub fn show_form(state: &MockOkta, request: AuthorizeRequest) -> Response {
    let now = state.clock.now();
    let request_id = ids::opaque_secret();
    let username = request.login_hint.clone().unwrap_or_default();
    let client_id = request.client_id.clone();
    {
        let mut store = state.store();
        store
            .pending_sign_ins
            .retain(|_, pending| pending.expires_at > now);
        store.pending_sign_ins.insert(
            request_id.clone(),
            PendingSignIn {
                request,
                expires_at: now + PENDING_LIFETIME,
            },
        );
    }
    tracing::info!(client = %client_id, "authorize: no session, sign-in form shown");
    render(
        state,
        &client_id,
        &request_id,
        &username,
        StatusCode::OK,
        None,
    )
}

/// `POST /login/signin`: checks the credentials of a pending sign-in.
pub async fn sign_in(State(state): State<SharedState>, request: Request) -> Response {
    let ip = client_ip(&request);
    let params = match Params::from_form(request).await {
        Ok(params) => params,
        Err(error) => {
            tracing::info!(%error, "sign-in form unreadable");
            return html::error_page(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &error.to_string(),
            );
        }
    };

    let Some(request_id) = params.get("request_id") else {
        return html::error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The sign-in form is missing its 'request_id' field; start again from the application.",
        );
    };
    let pending = state.store().pending_sign_ins.get(request_id).cloned();
    let Some(pending) = pending.filter(|pending| !expired(&state, pending.expires_at)) else {
        tracing::info!("sign-in for an unknown or expired request");
        return html::error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "This sign-in request has expired or is unknown; start again from the application.",
        );
    };

    let username = params.get("username").unwrap_or_default();
    let password = params.get("password").unwrap_or_default();
    let Some(user) = check_credentials(&state, username, password) else {
        record_failure(&state, username, ip.as_deref());
        tracing::info!(client = %pending.request.client_id, "sign-in failed");
        return render(
            &state,
            &pending.request.client_id,
            request_id,
            username,
            StatusCode::UNAUTHORIZED,
            Some(SIGN_IN_FAILED),
        );
    };

    // The request id is single use: a second post of the same form must
    // not start a second session.
    if state.store().pending_sign_ins.remove(request_id).is_none() {
        return html::error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "This sign-in request was already completed; start again from the application.",
        );
    }
    let session = state.create_session(user, ip.as_deref());
    let code = issue_code(&state, &pending.request, &session);
    tracing::info!(
        client = %pending.request.client_id,
        user = %user.id,
        session = %fingerprint(&session.id),
        "sign-in succeeded"
    );

    let mut response = response::success(&pending.request.target(), &code);
    let secure = state.org_url.starts_with("https://");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie::set(&session.id, secure));
    response
}

/// Returns the active user whose login and password match.
fn check_credentials<'a>(
    state: &'a MockOkta,
    username: &str,
    password: &str,
) -> Option<&'a UserConfig> {
    let user = state.user_by_login(username)?;
    let presented = Sha256::digest(password.as_bytes());
    let expected = Sha256::digest(user.password.as_bytes());
    let password_matches: bool = presented.ct_eq(&expected).into();
    (password_matches && state.user_status(&user.id) == UserStatus::Active).then_some(user)
}

/// Records a failed `user.session.start`, as Okta does for a known user.
fn record_failure(state: &MockOkta, username: &str, ip: Option<&str>) {
    let Some(user) = state.user_by_login(username) else {
        return;
    };
    let mut event = LogEvent::new(
        "user.session.start",
        "User login to Okta",
        state.clock.now(),
    )
    .with_user_actor(&user.id, &user.login, &display_name(user))
    .with_debug("requestUri", SIGN_IN_PATH);
    event.outcome.result = "FAILURE".to_owned();
    event.outcome.reason = Some("INVALID_CREDENTIALS".to_owned());
    event.authentication_context.credential_type = Some("PASSWORD".to_owned());
    event.client.ip_address = ip.map(str::to_owned);
    state.system_log.record(event);
}

fn render(
    state: &MockOkta,
    client_id: &str,
    request_id: &str,
    username: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let client_name = state
        .client(client_id)
        .map_or(client_id, |client| client.name.as_str());
    let action = format!("{}{SIGN_IN_PATH}", state.org_url);
    html::sign_in_page(
        status,
        &html::SignInForm {
            action: &action,
            request_id,
            client_name,
            username,
            error,
        },
    )
}
