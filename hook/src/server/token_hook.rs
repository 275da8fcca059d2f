//! `POST /okta/token-inline-hook`.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::body::{Rejection, TOKEN_HOOK_BODY_LIMIT, read_limited};
use crate::auth::AuthError;
use crate::decision::{Decision, Denial};
use crate::secret::fingerprint;
use crate::wire::{
    HookCommand, PayloadError, TOKEN_HOOK_EVENT_TYPE, TokenHookRequest, TokenHookResponse,
    parse_json,
};

/// Handles one token inline hook call.
///
/// Returns `401`, `413` or `400` before deciding, then `204` (no change)
/// or `200` with commands or Okta's error object.
pub async fn handle(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();

    match handle_authenticated(&state, &headers, body, started).await {
        Ok(response) => response,
        Err(rejection) => {
            state.metrics.token_hook_call(
                "unknown",
                rejection.label(),
                started.elapsed().as_secs_f64(),
            );
            rejection.into_response()
        }
    }
}

async fn handle_authenticated(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    started: Instant,
) -> Result<Response, Rejection> {
    // One deadline covers authentication (a JWKS fetch in bearer mode) and
    // the decision, so the whole call stays inside Okta's 3 s budget.
    let deadline = tokio::time::Instant::from_std(started) + state.deadline;

    let authenticated = tokio::time::timeout_at(deadline, state.hook_auth.authenticate(headers))
        .await
        .unwrap_or_else(|_| {
            Err(AuthError::JwksUnavailable(
                "deadline passed during authentication".into(),
            ))
        });
    if let Err(error) = authenticated {
        tracing::warn!(endpoint = "token_hook", reason = error.label(), %error, "call rejected: not authenticated");
        state.metrics.auth_failure("token_hook", error.label());
        return Err(Rejection::Unauthenticated);
    }

    let bytes = read_limited(headers, body, TOKEN_HOOK_BODY_LIMIT)
        .await
        .inspect_err(|rejection| {
            tracing::warn!(
                endpoint = "token_hook",
                ?rejection,
                "call rejected: body not readable"
            );
        })?;
    let request = parse_request(&bytes).inspect_err(|rejection| {
        tracing::warn!(
            endpoint = "token_hook",
            ?rejection,
            "call rejected: invalid body"
        );
    })?;

    let grant = state.linker.grant(&request);
    let now = chrono::Utc::now().timestamp();
    let decision = tokio::time::timeout_at(deadline, state.linker.decide(&request, grant, now))
        .await
        .unwrap_or(Decision::Deny(Denial::DeadlineExceeded));

    let response = render(state, &request, &decision);
    let elapsed = started.elapsed();
    state
        .metrics
        .token_hook_call(grant.label, decision.label(), elapsed.as_secs_f64());

    let session = match &decision {
        Decision::Stamp { session_id } => fingerprint(session_id.as_bytes()),
        _ => String::from("-"),
    };
    let level_is_info = !matches!(decision, Decision::Deny(_));
    if level_is_info {
        tracing::info!(
            event_id = %request.event_id,
            grant = grant.label,
            outcome = decision.label(),
            %session,
            elapsed_us = elapsed.as_micros(),
            "token hook responded"
        );
    } else {
        tracing::warn!(
            event_id = %request.event_id,
            grant = grant.label,
            outcome = decision.label(),
            elapsed_us = elapsed.as_micros(),
            "token hook denied the token"
        );
    }
    Ok(response)
}

fn parse_request(bytes: &[u8]) -> Result<TokenHookRequest, Rejection> {
    let request: TokenHookRequest = parse_json(bytes).map_err(Rejection::InvalidBody)?;

    if request.event_type != TOKEN_HOOK_EVENT_TYPE {
        return Err(Rejection::InvalidBody(PayloadError {
            path: "eventType".to_owned(),
            message: format!(
                "{:?} is not {TOKEN_HOOK_EVENT_TYPE}; register this endpoint as a token inline hook",
                request.event_type
            ),
        }));
    }
    Ok(request)
}

/// Builds the response. The claim goes only into tokens Okta is minting in
/// this call: Okta's rule is that commands apply to requested tokens only.
fn render(state: &AppState, request: &TokenHookRequest, decision: &Decision) -> Response {
    match decision {
        Decision::NoClaim => StatusCode::NO_CONTENT.into_response(),
        // Okta reads the error object only from a `200` response.
        Decision::Deny(denial) => Json(TokenHookResponse::error(denial.summary())).into_response(),
        Decision::Stamp { session_id } => {
            let mut commands = Vec::with_capacity(2);
            if request.data.access.is_some() {
                commands.push(HookCommand::add_claim(
                    HookCommand::ACCESS_PATCH,
                    &state.claim_name,
                    session_id.as_str(),
                ));
            }
            if state.id_token && request.data.identity.is_some() {
                commands.push(HookCommand::add_claim(
                    HookCommand::IDENTITY_PATCH,
                    &state.claim_name,
                    session_id.as_str(),
                ));
            }

            if commands.is_empty() {
                StatusCode::NO_CONTENT.into_response()
            } else {
                Json(TokenHookResponse::commands(commands)).into_response()
            }
        }
    }
}
