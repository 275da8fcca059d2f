//! User lifecycle actions that end every session of a user and record the
//! System Log event receivers listen for: suspend, deactivate, lock, and
//! Universal Logout.
//!
//! Routes (SSWS-protected under the Management API's `users` bucket, like
//! Okta's):
//! - `POST /api/v1/users/{userId}/lifecycle/suspend` (`user.lifecycle.suspend`)
//! - `POST /api/v1/users/{userId}/lifecycle/unsuspend`
//! - `POST /api/v1/users/{userId}/lifecycle/deactivate` (`user.lifecycle.deactivate`)
//! - `POST /api/v1/users/{userId}/lifecycle/activate`
//! - `POST /api/v1/users/{userId}/lifecycle/unlock`
//!
//! and on the control API, for what Okta triggers itself:
//! - `POST /mock/users/{userId}/lock` (`user.account.lock`, as after too
//!   many failed sign-ins)
//! - `POST /mock/users/{userId}/universal-logout`
//!   (`user.authentication.universal_logout`)

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use crate::error::OktaError;
use crate::sessions::display_name;
use crate::state::{MockOkta, SharedState, UserStatus};
use crate::syslog::LogEvent;

/// A lifecycle action on a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    Suspend,
    Unsuspend,
    Deactivate,
    Activate,
    Lock,
    Unlock,
    UniversalLogout,
}

impl UserAction {
    /// Returns the status after the action, and the event recorded, if any.
    fn effect(self) -> (UserStatus, Option<(&'static str, &'static str)>) {
        match self {
            UserAction::Suspend => (
                UserStatus::Suspended,
                Some(("user.lifecycle.suspend", "Suspend Okta user")),
            ),
            UserAction::Deactivate => (
                UserStatus::Deprovisioned,
                Some(("user.lifecycle.deactivate", "Deactivate Okta user")),
            ),
            UserAction::Lock => (
                UserStatus::LockedOut,
                Some(("user.account.lock", "Max sign in attempts exceeded")),
            ),
            UserAction::UniversalLogout => (
                UserStatus::Active,
                Some((
                    "user.authentication.universal_logout",
                    "User universal logout",
                )),
            ),
            UserAction::Unsuspend | UserAction::Activate | UserAction::Unlock => {
                (UserStatus::Active, None)
            }
        }
    }

    /// Whether the action ends the user's sessions and revokes their tokens.
    fn ends_sessions(self) -> bool {
        matches!(
            self,
            UserAction::Suspend
                | UserAction::Deactivate
                | UserAction::Lock
                | UserAction::UniversalLogout
        )
    }
}

impl MockOkta {
    /// Returns the user's status (`ACTIVE` unless changed by an action).
    pub fn user_status(&self, user_id: &str) -> UserStatus {
        self.store()
            .user_status
            .get(user_id)
            .copied()
            .unwrap_or(UserStatus::Active)
    }

    /// Applies `action` to the user: sets the status, ends every session
    /// and revokes OAuth tokens where the action does, and records the event.
    /// Returns `false` if the user does not exist.
    pub fn apply_user_action(&self, user_id: &str, action: UserAction) -> bool {
        let Some(user) = self.user_by_id(user_id).cloned() else {
            return false;
        };
        let (status, event) = action.effect();

        let ended = {
            let mut store = self.store();
            store.user_status.insert(user.id.clone(), status);
            if action.ends_sessions() {
                let ids: Vec<String> = store
                    .sessions
                    .values()
                    .filter(|s| s.user_id == user.id)
                    .map(|s| s.id.clone())
                    .collect();
                for id in &ids {
                    store.sessions.remove(id);
                }
                for token in store.refresh_tokens.values_mut() {
                    if token.user_id == user.id {
                        token.revoked = true;
                    }
                }
                for token in store.access_tokens.values_mut() {
                    if token.user_id.as_deref() == Some(user.id.as_str()) {
                        token.revoked = true;
                    }
                }
                ids.len()
            } else {
                0
            }
        };

        if let Some((event_type, message)) = event {
            let event = LogEvent::new(event_type, message, self.clock.now()).with_user_target(
                &user.id,
                &user.login,
                &display_name(&user),
            );
            self.system_log.record(event);
        }
        tracing::info!(user = %user.id, ?action, ?status, sessions_ended = ended, "user lifecycle action");
        true
    }
}

pub fn router() -> Router<SharedState> {
    Router::new()
        .route(
            "/api/v1/users/{user_id}/lifecycle/suspend",
            post(|s, p| act(s, p, UserAction::Suspend)),
        )
        .route(
            "/api/v1/users/{user_id}/lifecycle/unsuspend",
            post(|s, p| act(s, p, UserAction::Unsuspend)),
        )
        .route(
            "/api/v1/users/{user_id}/lifecycle/deactivate",
            post(|s, p| act(s, p, UserAction::Deactivate)),
        )
        .route(
            "/api/v1/users/{user_id}/lifecycle/activate",
            post(|s, p| act(s, p, UserAction::Activate)),
        )
        .route(
            "/api/v1/users/{user_id}/lifecycle/unlock",
            post(|s, p| act(s, p, UserAction::Unlock)),
        )
        .route(
            "/mock/users/{user_id}/lock",
            post(|s, p| act(s, p, UserAction::Lock)),
        )
        .route(
            "/mock/users/{user_id}/universal-logout",
            post(|s, p| act(s, p, UserAction::UniversalLogout)),
        )
}

async fn act(
    State(state): State<SharedState>,
    Path(user_id): Path<String>,
    action: UserAction,
) -> Response {
    if !state.apply_user_action(&user_id, action) {
        return OktaError::not_found(&user_id, "User").into_response();
    }
    let status = state.user_status(&user_id);
    (
        StatusCode::OK,
        Json(json!({ "id": user_id, "status": status })),
    )
        .into_response()
}
