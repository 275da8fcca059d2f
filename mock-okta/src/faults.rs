//! Faults injected into Okta's endpoints for resilience tests: added
//! latency, a 5xx status, a 429, or a connection closed without a response.
//!
//! A fault targets an endpoint bucket (see [`Bucket`]) or a path prefix and
//! applies to the next `count` matching requests, or to every one until it
//! is cleared. The latencies of all matching latency faults add up, and
//! then the request goes on to the endpoint or to a terminal fault. Of the
//! terminal faults (status, rate limit, drop), the oldest matching one
//! applies. The control API (`/mock/…`) is never faulted, so that faults
//! can always be cleared.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::error::OktaError;
use crate::ratelimit::{Bucket, too_many_requests};
use crate::serve::ConnectionAbort;
use crate::state::SharedState;
use crate::syslog::lock;

/// Largest latency one fault may add, in milliseconds.
pub const MAX_LATENCY_MS: u64 = 120_000;

/// The action of a fault, as the control API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Waits `latency_ms`, then serves the request.
    Latency,
    /// Answers with `status` (500 to 599) and Okta's `E0000009` body.
    Status,
    /// Answers `429` with `E0000047` and exhausted `X-Rate-Limit-*` headers.
    RateLimit,
    /// Closes the connection without a response.
    Drop,
}

/// A fault as the control API accepts it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    /// Bucket name, for example `sessions`; exclusive with `path_prefix`.
    #[serde(default)]
    pub bucket: Option<Bucket>,
    /// Path prefix, for example `/oauth2/default/v1/keys`.
    #[serde(default)]
    pub path_prefix: Option<String>,
    pub kind: FaultKind,
    /// Required for `latency`.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Required for `status`.
    #[serde(default)]
    pub status: Option<u16>,
    /// How many matching requests it applies to; absent means until cleared.
    #[serde(default)]
    pub count: Option<u32>,
}

/// An active fault, as the control API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<Bucket>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    pub kind: FaultKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Matching requests it still applies to; `null` means until cleared.
    pub remaining: Option<u32>,
    /// Requests it has applied to so far.
    pub applied: u32,
}

impl Fault {
    fn matches(&self, path: &str) -> bool {
        match (&self.bucket, &self.path_prefix) {
            (Some(bucket), _) => Bucket::for_path(path) == Some(*bucket),
            (None, Some(prefix)) => path.starts_with(prefix.as_str()),
            (None, None) => false,
        }
    }
}

/// A fault request that cannot be used; the message names the field and
/// the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidFault(pub String);

impl FaultRequest {
    /// Checks the fields that `kind` needs and the bounds.
    ///
    /// # Errors
    /// The first problem, naming the field and the fix.
    pub fn validate(&self) -> Result<(), InvalidFault> {
        let invalid = |message: &str| Err(InvalidFault(message.to_owned()));
        match (&self.bucket, &self.path_prefix) {
            (Some(_), Some(_)) => return invalid("give either bucket or path_prefix, not both"),
            (None, None) => {
                return invalid(
                    "a fault needs a target: bucket (for example \"sessions\") or path_prefix (for example \"/api/v1/sessions\")",
                );
            }
            (None, Some(prefix)) if !prefix.starts_with('/') => {
                return invalid("path_prefix must start with '/'");
            }
            (None, Some(prefix)) if prefix.starts_with("/mock") => {
                return invalid(
                    "path_prefix must not be under the control API (/mock/...), which is never faulted",
                );
            }
            _ => {}
        }
        if self.count == Some(0) {
            return invalid("count must be at least 1; omit it to apply the fault until cleared");
        }
        match self.kind {
            FaultKind::Latency => match self.latency_ms {
                None => return invalid("kind \"latency\" needs latency_ms"),
                Some(ms) if ms == 0 || ms > MAX_LATENCY_MS => {
                    return invalid("latency_ms must be between 1 and 120000");
                }
                Some(_) => {}
            },
            FaultKind::Status => match self.status {
                None => return invalid("kind \"status\" needs status (500 to 599)"),
                Some(status) if !(500..=599).contains(&status) => {
                    return invalid(
                        "status must be between 500 and 599; use kind \"rate_limit\" for 429",
                    );
                }
                Some(_) => {}
            },
            FaultKind::RateLimit | FaultKind::Drop => {}
        }
        if self.kind != FaultKind::Latency && self.latency_ms.is_some() {
            return invalid("latency_ms applies only to kind \"latency\"");
        }
        if self.kind != FaultKind::Status && self.status.is_some() {
            return invalid("status applies only to kind \"status\"");
        }
        Ok(())
    }
}

/// What to do with one request.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FaultPlan {
    pub delay: Duration,
    pub terminal: Option<Terminal>,
}

/// A fault that answers instead of the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminal {
    Status(StatusCode),
    RateLimit,
    Drop,
}

/// The active faults.
#[derive(Debug, Default)]
pub struct FaultTable {
    faults: Mutex<Vec<Fault>>,
    next_id: AtomicU64,
}

impl FaultTable {
    /// Adds a validated fault and returns it with its id.
    ///
    /// # Errors
    /// [`InvalidFault`] from [`FaultRequest::validate`].
    pub fn add(&self, request: FaultRequest) -> Result<Fault, InvalidFault> {
        request.validate()?;
        let id = format!("flt{}", self.next_id.fetch_add(1, Ordering::Relaxed) + 1);
        let fault = Fault {
            id,
            bucket: request.bucket,
            path_prefix: request.path_prefix,
            kind: request.kind,
            latency_ms: request.latency_ms,
            status: request.status,
            remaining: request.count,
            applied: 0,
        };
        tracing::info!(?fault, "fault added");
        lock(&self.faults).push(fault.clone());
        Ok(fault)
    }

    /// Returns the active faults, oldest first.
    pub fn list(&self) -> Vec<Fault> {
        lock(&self.faults).clone()
    }

    /// Removes one fault; returns whether it existed.
    pub fn remove(&self, id: &str) -> bool {
        let mut faults = lock(&self.faults);
        let before = faults.len();
        faults.retain(|fault| fault.id != id);
        before != faults.len()
    }

    /// Removes every fault.
    pub fn clear(&self) {
        lock(&self.faults).clear();
        tracing::info!("faults cleared");
    }

    /// Picks the faults for a request to `path` and counts them as applied;
    /// a fault whose count runs out is removed.
    pub fn plan(&self, path: &str) -> FaultPlan {
        let mut plan = FaultPlan::default();
        let mut faults = lock(&self.faults);

        for fault in faults.iter_mut().filter(|fault| fault.matches(path)) {
            let applies = match fault.kind {
                FaultKind::Latency => {
                    plan.delay += Duration::from_millis(fault.latency_ms.unwrap_or(0));
                    true
                }
                _ if plan.terminal.is_some() => false,
                FaultKind::Status => {
                    let status = fault
                        .status
                        .and_then(|code| StatusCode::from_u16(code).ok())
                        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    plan.terminal = Some(Terminal::Status(status));
                    true
                }
                FaultKind::RateLimit => {
                    plan.terminal = Some(Terminal::RateLimit);
                    true
                }
                FaultKind::Drop => {
                    plan.terminal = Some(Terminal::Drop);
                    true
                }
            };
            if applies {
                fault.applied += 1;
                fault.remaining = fault.remaining.map(|n| n.saturating_sub(1));
            }
        }
        faults.retain(|fault| fault.remaining != Some(0));
        plan
    }
}

/// Middleware: applies the faults that match the request's path.
pub async fn inject(State(state): State<SharedState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path == "/mock" || path.starts_with("/mock/") {
        return next.run(request).await;
    }
    let plan = state.faults.plan(&path);

    if !plan.delay.is_zero() {
        tracing::info!(
            delay_ms = plan.delay.as_millis() as u64,
            "injecting latency"
        );
        tokio::time::sleep(plan.delay).await;
    }

    match plan.terminal {
        None => next.run(request).await,
        Some(Terminal::Status(status)) => {
            tracing::info!(status = status.as_u16(), "injecting a server error");
            let mut error = OktaError::internal();
            error.status = status;
            error.into_response()
        }
        Some(Terminal::RateLimit) => {
            tracing::info!("injecting a 429");
            let bucket = Bucket::for_path(&path);
            let mut response = too_many_requests(bucket).into_response();
            if let Some(bucket) = bucket {
                let verdict = state
                    .rate_limiter
                    .exhausted(bucket, state.clock.now_epoch_seconds());
                verdict.write_headers(response.headers_mut());
            }
            response
        }
        Some(Terminal::Drop) => match request.extensions().get::<ConnectionAbort>() {
            Some(abort) => {
                tracing::info!("injecting a dropped connection");
                abort.abort();
                // The connection task drops this future with the connection.
                std::future::pending::<Response>().await
            }
            None => {
                // Only a router served by `crate::serve` can close its
                // connection; an in-process service gets a 502 instead.
                tracing::warn!("drop fault on a request without a connection; answering 502");
                let mut error = OktaError::internal();
                error.status = StatusCode::BAD_GATEWAY;
                error.into_response()
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(kind: FaultKind) -> FaultRequest {
        FaultRequest {
            bucket: Some(Bucket::Sessions),
            path_prefix: None,
            kind,
            latency_ms: None,
            status: None,
            count: None,
        }
    }

    #[test]
    fn plan_counts_down_and_removes() {
        let table = FaultTable::default();
        table
            .add(FaultRequest {
                count: Some(1),
                ..request(FaultKind::Drop)
            })
            .unwrap();

        let first = table.plan("/api/v1/sessions/x");
        let second = table.plan("/api/v1/sessions/x");

        assert_eq!(first.terminal, Some(Terminal::Drop));
        assert_eq!(second.terminal, None);
        assert!(table.list().is_empty());
    }

    #[test]
    fn plan_adds_latency_and_oldest_terminal() {
        let table = FaultTable::default();
        for ms in [100, 50] {
            table
                .add(FaultRequest {
                    latency_ms: Some(ms),
                    ..request(FaultKind::Latency)
                })
                .unwrap();
        }
        table.add(request(FaultKind::RateLimit)).unwrap();
        table.add(request(FaultKind::Drop)).unwrap();

        let plan = table.plan("/api/v1/sessions/x");

        assert_eq!(plan.delay, Duration::from_millis(150));
        assert_eq!(plan.terminal, Some(Terminal::RateLimit));
    }

    #[test]
    fn plan_ignores_other_paths() {
        let table = FaultTable::default();
        table.add(request(FaultKind::Drop)).unwrap();

        assert_eq!(table.plan("/api/v1/logs"), FaultPlan::default());
    }

    #[test]
    fn validate_rejects_bad_requests() {
        let cases = [
            FaultRequest {
                status: Some(404),
                ..request(FaultKind::Status)
            },
            request(FaultKind::Latency),
            FaultRequest {
                count: Some(0),
                ..request(FaultKind::Drop)
            },
            FaultRequest {
                bucket: None,
                path_prefix: Some("/mock/faults".to_owned()),
                ..request(FaultKind::Drop)
            },
            FaultRequest {
                bucket: None,
                path_prefix: Some("api/v1".to_owned()),
                ..request(FaultKind::Drop)
            },
            FaultRequest {
                bucket: None,
                ..request(FaultKind::Drop)
            },
        ];
        for case in cases {
            assert!(case.validate().is_err(), "{case:?}");
        }
    }
}
