//! Control API: the clock, signing keys, rate limits, faults and reset.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::api::extract::{OktaJson, OktaPath};
use crate::clock::okta_timestamp;
use crate::error::OktaError;
use crate::faults::{Fault, FaultRequest};
use crate::ratelimit::Bucket;
use crate::state::{SharedState, Store};

/// Largest single clock step: ten years, far past every lifetime Okta
/// allows, and small enough that no timestamp overflows.
const MAX_ADVANCE_SECONDS: u64 = 10 * 365 * 24 * 3600;

/// The emulator clock.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClockState {
    /// The emulator's current time, in Okta's timestamp format.
    pub now: String,
    /// Seconds since the Unix epoch on the emulator clock.
    pub now_epoch_seconds: i64,
    /// How far the emulator clock is ahead of the system clock, in seconds.
    pub offset_seconds: u64,
}

/// `POST /mock/clock/advance`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    pub seconds: u64,
}

/// An authorization server's signing keys.
#[derive(Debug, Serialize, Deserialize)]
pub struct KeysState {
    /// The `kid` that signs new tokens.
    pub signing_kid: String,
    /// Every `kid` in the JWKS (`/v1/keys`) now.
    pub published_kids: Vec<String>,
}

pub async fn clock(State(state): State<SharedState>) -> Json<ClockState> {
    Json(clock_state(&state))
}

pub async fn advance_clock(
    State(state): State<SharedState>,
    OktaJson(body): OktaJson<AdvanceClock>,
) -> Result<Json<ClockState>, OktaError> {
    if body.seconds > MAX_ADVANCE_SECONDS {
        return Err(OktaError::validation(format!(
            "seconds: {} is more than {MAX_ADVANCE_SECONDS} (ten years); advance in smaller steps",
            body.seconds
        )));
    }
    state.clock.advance(Duration::from_secs(body.seconds));
    tracing::info!(seconds = body.seconds, "clock advanced");
    Ok(Json(clock_state(&state)))
}

pub async fn reset_clock(State(state): State<SharedState>) -> Json<ClockState> {
    state.clock.reset();
    tracing::info!("clock reset to system time");
    Json(clock_state(&state))
}

fn clock_state(state: &SharedState) -> ClockState {
    let now = state.clock.now();
    ClockState {
        now: okta_timestamp(now),
        now_epoch_seconds: crate::clock::epoch_seconds(now),
        offset_seconds: state.clock.offset().as_secs(),
    }
}

pub async fn keys(
    State(state): State<SharedState>,
    OktaPath(server_id): OktaPath<String>,
) -> Result<Json<KeysState>, OktaError> {
    let now = state.clock.now();
    let rings = state.key_rings();
    let ring = rings
        .get(&server_id)
        .ok_or_else(|| OktaError::not_found(&server_id, "AuthorizationServer"))?;
    Ok(Json(KeysState {
        signing_kid: ring.active().kid.clone(),
        published_kids: ring.jwks(now).into_iter().map(|jwk| jwk.kid).collect(),
    }))
}

/// Rotates the server's keys: the published next key starts signing, the
/// signing key stays published for the server's `key_overlap_seconds`.
pub async fn rotate_keys(
    State(state): State<SharedState>,
    OktaPath(server_id): OktaPath<String>,
) -> Result<Json<KeysState>, OktaError> {
    let overlap = state
        .auth_server(&server_id)
        .map(|server| Duration::from_secs(server.key_overlap_seconds))
        .ok_or_else(|| OktaError::not_found(&server_id, "AuthorizationServer"))?;
    let now = state.clock.now();

    let mut rings = state.key_rings();
    let ring = rings
        .get_mut(&server_id)
        .ok_or_else(|| OktaError::not_found(&server_id, "AuthorizationServer"))?;
    let signing_kid = ring.rotate(now, overlap).map_err(|error| {
        tracing::error!(%error, server = %server_id, "key rotation failed");
        OktaError::internal()
    })?;
    let published_kids: Vec<String> = ring.jwks(now).into_iter().map(|jwk| jwk.kid).collect();

    tracing::info!(server = %server_id, %signing_kid, ?published_kids, "signing keys rotated");
    Ok(Json(KeysState {
        signing_kid,
        published_kids,
    }))
}

pub async fn rate_limits(State(state): State<SharedState>) -> Json<BTreeMap<Bucket, u32>> {
    Json(state.rate_limiter.limits())
}

/// Returns how many requests each bucket counted since start-up or the
/// last reset, allowed or rate-limited, so a test can assert how often a
/// client called an endpoint.
pub async fn request_counts(State(state): State<SharedState>) -> Json<BTreeMap<Bucket, u64>> {
    Json(state.rate_limiter.request_counts())
}

/// Changes the per-minute limits of the buckets given, keeping the others.
pub async fn set_rate_limits(
    State(state): State<SharedState>,
    OktaJson(changes): OktaJson<BTreeMap<Bucket, u32>>,
) -> Result<Json<BTreeMap<Bucket, u32>>, OktaError> {
    if let Some((bucket, _)) = changes.iter().find(|(_, limit)| **limit == 0) {
        return Err(OktaError::validation(format!(
            "{}: a limit must be at least 1 request per minute",
            bucket.name()
        )));
    }
    state.rate_limiter.set_limits(&changes);
    Ok(Json(state.rate_limiter.limits()))
}

pub async fn faults(State(state): State<SharedState>) -> Json<Vec<Fault>> {
    Json(state.faults.list())
}

pub async fn add_fault(
    State(state): State<SharedState>,
    OktaJson(request): OktaJson<FaultRequest>,
) -> Result<(StatusCode, Json<Fault>), OktaError> {
    let fault = state
        .faults
        .add(request)
        .map_err(|error| OktaError::validation(error.to_string()))?;
    Ok((StatusCode::CREATED, Json(fault)))
}

pub async fn clear_faults(State(state): State<SharedState>) -> StatusCode {
    state.faults.clear();
    StatusCode::NO_CONTENT
}

pub async fn remove_fault(
    State(state): State<SharedState>,
    OktaPath(fault_id): OktaPath<String>,
) -> Result<StatusCode, OktaError> {
    if state.faults.remove(&fault_id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(OktaError::not_found(&fault_id, "Fault"))
    }
}

/// Returns the emulator to its start-up state: no sessions, codes, tokens,
/// log events or faults, configured rate limits with fresh windows and
/// request counts, the system clock, and event and inline hooks without
/// faults or call records.
///
/// Signing keys keep their rotation state: a new key set would change the
/// `kid`s under every verifier's JWKS cache.
pub async fn reset(State(state): State<SharedState>) -> StatusCode {
    *state.store() = Store::default();
    state.system_log.clear();
    state.faults.clear();
    state.rate_limiter.reset(&state.config);
    state.clock.reset();
    state.event_hooks().reset();
    state.inline_hooks.reset();
    tracing::info!("emulator state reset");
    StatusCode::NO_CONTENT
}
