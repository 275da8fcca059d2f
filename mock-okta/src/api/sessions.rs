//! Sessions API handlers.
//!
//! - `GET /api/v1/sessions/{sessionId}`: the session, or `404 E0000007`
//!   once it ended or expired.
//! - `POST /api/v1/sessions/{sessionId}/lifecycle/refresh`: marks the
//!   session used now and returns it with the later `expiresAt`.
//! - `DELETE /api/v1/sessions/{sessionId}`: ends it (`user.session.end`).
//! - `DELETE /api/v1/users/{userId}/sessions?oauthTokens=`: ends every
//!   session of the user (`user.session.clear`), and with
//!   `oauthTokens=true` revokes the user's access and refresh tokens.
//! - `GET`, `DELETE /api/v1/sessions/me` and
//!   `POST /api/v1/sessions/me/lifecycle/refresh`: the same for the session
//!   named by the browser's `sid` cookie instead of an API token.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::extract::OktaPath;
use crate::api::session_resource::{SessionAddress, SessionResource};
use crate::error::OktaError;
use crate::sessions::{SESSION_COOKIE, SessionEnd, display_name};
use crate::state::{MockOkta, Session, SharedState, fingerprint};

impl MockOkta {
    /// Returns the Management API view of `session`.
    pub fn session_resource(&self, session: &Session, address: SessionAddress) -> SessionResource {
        let user_name = self
            .user_by_id(&session.user_id)
            .map_or_else(|| session.login.clone(), display_name);
        SessionResource::new(
            session,
            &self.org_url,
            self.idle_timeout(),
            &user_name,
            address,
        )
    }
}

pub async fn get_session(
    State(state): State<SharedState>,
    OktaPath(session_id): OktaPath<String>,
) -> Result<Json<SessionResource>, OktaError> {
    let session = state
        .live_session(&session_id)
        .ok_or_else(|| session_not_found(&session_id))?;
    Ok(Json(state.session_resource(&session, SessionAddress::ById)))
}

pub async fn refresh_session(
    State(state): State<SharedState>,
    OktaPath(session_id): OktaPath<String>,
) -> Result<Json<SessionResource>, OktaError> {
    let session = state
        .touch_session(&session_id)
        .ok_or_else(|| session_not_found(&session_id))?;
    tracing::info!(session = %fingerprint(&session_id), "session refreshed");
    Ok(Json(state.session_resource(&session, SessionAddress::ById)))
}

pub async fn revoke_session(
    State(state): State<SharedState>,
    OktaPath(session_id): OktaPath<String>,
) -> Result<StatusCode, OktaError> {
    state
        .end_session(&session_id, SessionEnd::AdminRevoke)
        .ok_or_else(|| session_not_found(&session_id))?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn revoke_user_sessions(
    State(state): State<SharedState>,
    OktaPath(user_id): OktaPath<String>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, OktaError> {
    let mut oauth_tokens = false;
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "oauthTokens" => oauth_tokens = parse_bool("oauthTokens", &value)?,
            // Remembered factors are not modelled; the value is still checked.
            "forgetDevices" => {
                parse_bool("forgetDevices", &value)?;
            }
            _ => {}
        }
    }

    if state.user_by_id(&user_id).is_none() {
        return Err(OktaError::not_found(&user_id, "User"));
    }
    state.end_user_sessions(&user_id, oauth_tokens);
    Ok(StatusCode::NO_CONTENT)
}

pub async fn get_current_session(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Json<SessionResource>, OktaError> {
    let session = current_session(&state, &headers)?;
    Ok(Json(
        state.session_resource(&session, SessionAddress::Current),
    ))
}

pub async fn refresh_current_session(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Json<SessionResource>, OktaError> {
    let session = current_session(&state, &headers)?;
    let session = state
        .touch_session(&session.id)
        .ok_or_else(|| session_not_found("me"))?;
    Ok(Json(
        state.session_resource(&session, SessionAddress::Current),
    ))
}

pub async fn end_current_session(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Response, OktaError> {
    let session = current_session(&state, &headers)?;
    state
        .end_session(&session.id, SessionEnd::Logout)
        .ok_or_else(|| session_not_found("me"))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Returns the live session named by the `sid` cookie, or `404 E0000007`,
/// which is Okta's response to `/api/v1/sessions/me` without a session.
fn current_session(state: &MockOkta, headers: &HeaderMap) -> Result<Session, OktaError> {
    let Some(session_id) = session_cookie(headers) else {
        tracing::debug!("no session cookie on /api/v1/sessions/me");
        return Err(session_not_found("me"));
    };
    state
        .live_session(&session_id)
        .ok_or_else(|| session_not_found("me"))
}

/// Returns the value of the session cookie, if the request carries one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim_matches('"').to_owned())
        .filter(|value| !value.is_empty())
}

fn session_not_found(session_id: &str) -> OktaError {
    OktaError::not_found(session_id, "Session")
}

/// Parses an Okta boolean query parameter (`true` or `false`).
fn parse_bool(name: &str, value: &str) -> Result<bool, OktaError> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(OktaError::validation(format!(
            "{name}: {value:?} is not a boolean; use true or false"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn session_cookie_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sid=102abc; b=2"),
        );
        assert_eq!(session_cookie(&headers), Some("102abc".to_owned()));
    }

    #[test]
    fn session_cookie_absent() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("sidx=1"));
        assert_eq!(session_cookie(&headers), None);
    }

    #[test]
    fn parse_bool_rejects_other_values() {
        assert!(parse_bool("oauthTokens", "yes").is_err());
        assert_eq!(parse_bool("oauthTokens", "TRUE").ok(), Some(true));
    }
}
