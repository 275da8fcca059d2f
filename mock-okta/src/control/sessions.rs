//! Control API: sessions.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::api::extract::{OktaJson, OktaPath};
use crate::api::session_resource::{SessionAddress, SessionResource};
use crate::error::OktaError;
use crate::sessions::SessionEnd;
use crate::state::{SessionStatus, SharedState, fingerprint};

/// `POST /mock/sessions`: whose session to create.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    #[serde(default)]
    pub login: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
}

/// `PUT /mock/sessions/{id}/status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetStatus {
    /// `ACTIVE`, `MFA_REQUIRED` or `MFA_ENROLL`.
    pub status: String,
}

/// `POST /mock/users/{userId}/sessions/end`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndUserSessions {
    /// Also revoke the user's access and refresh tokens.
    #[serde(default)]
    pub oauth_tokens: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EndedSessions {
    pub ended: usize,
}

pub async fn list(State(state): State<SharedState>) -> Json<Vec<SessionResource>> {
    let now = state.clock.now();
    let idle = state.idle_timeout();
    let mut sessions: Vec<_> = state
        .store()
        .sessions
        .values()
        .filter(|session| session.expires_at(idle) > now)
        .cloned()
        .collect();
    sessions.sort_by_key(|session| session.created_at);

    Json(
        sessions
            .iter()
            .map(|session| state.session_resource(session, SessionAddress::ById))
            .collect(),
    )
}

pub async fn create(
    State(state): State<SharedState>,
    OktaJson(body): OktaJson<CreateSession>,
) -> Result<(StatusCode, Json<SessionResource>), OktaError> {
    let user = match (&body.login, &body.user_id) {
        (Some(login), None) => state
            .user_by_login(login)
            .ok_or_else(|| OktaError::not_found(login, "User"))?,
        (None, Some(id)) => state
            .user_by_id(id)
            .ok_or_else(|| OktaError::not_found(id, "User"))?,
        _ => {
            return Err(OktaError::validation(
                "give exactly one of login or user_id, for example {\"login\": \"demo@example.com\"}",
            ));
        }
    };
    let session = state.create_session(user, Some("127.0.0.1"));
    Ok((
        StatusCode::CREATED,
        Json(state.session_resource(&session, SessionAddress::ById)),
    ))
}

pub async fn expire(
    State(state): State<SharedState>,
    OktaPath(session_id): OktaPath<String>,
) -> Result<StatusCode, OktaError> {
    let now = state.clock.now();
    let idle = state.idle_timeout();
    let mut store = state.store();
    let session = store
        .live_session(&session_id, now, idle)
        .ok_or_else(|| OktaError::not_found(&session_id, "Session"))?;

    // One millisecond in the past: the session is expired at `now` already.
    session.max_expires_at = now.checked_sub(Duration::from_millis(1)).unwrap_or(now);
    tracing::info!(session = %fingerprint(&session_id), "session expired by the control API");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn end(
    State(state): State<SharedState>,
    OktaPath(session_id): OktaPath<String>,
) -> Result<StatusCode, OktaError> {
    state
        .end_session(&session_id, SessionEnd::Logout)
        .ok_or_else(|| OktaError::not_found(&session_id, "Session"))?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn set_status(
    State(state): State<SharedState>,
    OktaPath(session_id): OktaPath<String>,
    OktaJson(body): OktaJson<SetStatus>,
) -> Result<Json<SessionResource>, OktaError> {
    let status = parse_status(&body.status)?;
    let now = state.clock.now();
    let idle = state.idle_timeout();
    let session = {
        let mut store = state.store();
        let session = store
            .live_session(&session_id, now, idle)
            .ok_or_else(|| OktaError::not_found(&session_id, "Session"))?;
        session.status = status;
        session.clone()
    };
    tracing::info!(session = %fingerprint(&session_id), status = status.as_okta(), "session status set");
    Ok(Json(state.session_resource(&session, SessionAddress::ById)))
}

pub async fn end_user_sessions(
    State(state): State<SharedState>,
    OktaPath(user_id): OktaPath<String>,
    OktaJson(body): OktaJson<EndUserSessions>,
) -> Result<Json<EndedSessions>, OktaError> {
    if state.user_by_id(&user_id).is_none() {
        return Err(OktaError::not_found(&user_id, "User"));
    }
    let ended = state.end_user_sessions(&user_id, body.oauth_tokens);
    Ok(Json(EndedSessions { ended }))
}

fn parse_status(value: &str) -> Result<SessionStatus, OktaError> {
    [
        SessionStatus::Active,
        SessionStatus::MfaRequired,
        SessionStatus::MfaEnroll,
    ]
    .into_iter()
    .find(|status| status.as_okta() == value)
    .ok_or_else(|| {
        OktaError::validation(format!(
            "status: {value:?} is not a session status; use ACTIVE, MFA_REQUIRED or MFA_ENROLL"
        ))
    })
}
