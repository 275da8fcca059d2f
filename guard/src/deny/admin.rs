//! Admin API of the deny list: add, list and remove entries.
//!
//! - `GET    {DENY_LIST_ADMIN_PATH}` lists unexpired entries.
//! - `POST   {DENY_LIST_ADMIN_PATH}` adds `{"jti", "reason", "expires_at"}`
//!   (`expires_at` is the token's `exp`, seconds since the Unix epoch).
//! - `DELETE {DENY_LIST_ADMIN_PATH}/{jti}` removes an entry.
//!
//! Every call needs `Authorization: Bearer <admin secret>`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;

use super::store::{DenyEntry, DenyList, DenyListError, epoch_seconds};
use crate::config::ConfigError;
use crate::guard::Guard;
use crate::http::rejection::problem;
use crate::secret::Secret;

/// Path of the admin API.
pub const DENY_LIST_ADMIN_PATH: &str = "/admin/deny-list";

struct AdminState {
    deny_list: Arc<DenyList>,
    secret: Secret,
    max_token_lifetime: Duration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddRequest {
    jti: String,
    #[serde(default)]
    reason: String,
    expires_at: u64,
}

impl Guard {
    /// Returns the deny list's admin API at [`DENY_LIST_ADMIN_PATH`].
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] when the configuration has no `deny_list`.
    pub fn deny_list_admin_router(&self) -> Result<Router, ConfigError> {
        let missing = || ConfigError::Invalid {
            setting: "deny_list",
            value: "absent".to_owned(),
            fix: "add a [deny_list] section with path and admin_secret",
        };
        let config = self.inner.config.deny_list.as_ref().ok_or_else(missing)?;
        let deny_list = self.inner.deny_list.clone().ok_or_else(missing)?;
        let state = Arc::new(AdminState {
            deny_list,
            secret: config.admin_secret.clone(),
            max_token_lifetime: Duration::from_secs(
                self.inner.config.session.max_token_lifetime_secs,
            ),
        });
        Ok(Router::new()
            .route(DENY_LIST_ADMIN_PATH, get(list).post(add))
            .route(&format!("{DENY_LIST_ADMIN_PATH}/{{jti}}"), delete(remove))
            .with_state(state))
    }
}

async fn list(State(state): State<Arc<AdminState>>, headers: HeaderMap) -> Response {
    if let Some(response) = reject_unauthorized(&state, &headers) {
        return response;
    }
    let entries = state.deny_list.list(SystemTime::now());
    Json(serde_json::json!({ "entries": entries })).into_response()
}

async fn add(
    State(state): State<Arc<AdminState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(response) = reject_unauthorized(&state, &headers) {
        return response;
    }
    let request: AddRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return problem(
                StatusCode::BAD_REQUEST,
                &format!("the body must be {{\"jti\", \"reason\", \"expires_at\"}}: {error}"),
            );
        }
    };

    let now = SystemTime::now();
    let entry = DenyEntry {
        jti: request.jti,
        reason: request.reason,
        added_at: epoch_seconds(now),
        expires_at: request.expires_at,
    };
    let deny_list = state.deny_list.clone();
    let stored = entry.clone();
    let max_lifetime = state.max_token_lifetime;
    // redb commits with an fsync: keep it off the async workers.
    let result =
        tokio::task::spawn_blocking(move || deny_list.add(stored, now, max_lifetime)).await;
    match result {
        Ok(Ok(())) => (StatusCode::CREATED, Json(entry)).into_response(),
        Ok(Err(error)) => store_error(&error),
        Err(error) => {
            tracing::error!(%error, "deny list write task failed");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the deny list could not be written",
            )
        }
    }
}

async fn remove(
    State(state): State<Arc<AdminState>>,
    headers: HeaderMap,
    Path(jti): Path<String>,
) -> Response {
    if let Some(response) = reject_unauthorized(&state, &headers) {
        return response;
    }
    let deny_list = state.deny_list.clone();
    let result = tokio::task::spawn_blocking(move || deny_list.remove(&jti)).await;
    match result {
        Ok(Ok(true)) => StatusCode::NO_CONTENT.into_response(),
        Ok(Ok(false)) => problem(StatusCode::NOT_FOUND, "no deny list entry has this jti"),
        Ok(Err(error)) => store_error(&error),
        Err(error) => {
            tracing::error!(%error, "deny list write task failed");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the deny list could not be written",
            )
        }
    }
}

fn store_error(error: &DenyListError) -> Response {
    match error {
        DenyListError::Invalid(detail) => problem(StatusCode::UNPROCESSABLE_ENTITY, detail),
        other => {
            tracing::error!(error = %other, "deny list storage failed");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the deny list could not be written",
            )
        }
    }
}

/// Checks `Authorization: Bearer <admin secret>` in constant time; returns
/// the 401 response when it is missing or wrong.
fn reject_unauthorized(state: &AdminState, headers: &HeaderMap) -> Option<Response> {
    let presented = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, secret)| secret.trim());
    if presented.is_some_and(|secret| state.secret.matches(secret.as_bytes())) {
        return None;
    }
    tracing::warn!("deny list admin call with a missing or wrong secret");
    let mut response = problem(
        StatusCode::UNAUTHORIZED,
        "the admin bearer secret is missing or wrong",
    );
    response.headers_mut().insert(
        http::header::WWW_AUTHENTICATE,
        http::HeaderValue::from_static("Bearer realm=\"deny-list-admin\""),
    );
    Some(response)
}
