//! Okta's org-wide rate limits: a request budget per endpoint bucket and
//! per minute.
//!
//! Windows are fixed minutes of the emulator clock aligned to the epoch
//! minute (Okta's `X-Rate-Limit-Reset` values are whole minutes), so a test
//! moves to the next window with `POST /mock/clock/advance` rather than by
//! waiting. Every response of a limited bucket carries `X-Rate-Limit-Limit`,
//! `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` (epoch seconds of the
//! window's end); a request over the budget gets `429` with `E0000047`.
//! The control API (`/mock/…`) is never limited.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::OktaError;
use crate::state::SharedState;
use crate::syslog::lock;

/// Length of one rate-limit window, in seconds.
pub const WINDOW_SECONDS: i64 = 60;

pub const LIMIT_HEADER: HeaderName = HeaderName::from_static("x-rate-limit-limit");
pub const REMAINING_HEADER: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
pub const RESET_HEADER: HeaderName = HeaderName::from_static("x-rate-limit-reset");

/// An endpoint bucket, named as in the `rate_limits` configuration table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// `/api/v1/sessions*`
    Sessions,
    /// `/api/v1/users*`
    Users,
    /// `/api/v1/logs`
    Logs,
    /// `/oauth2/…/v1/authorize*`
    OauthAuthorize,
    /// `/oauth2/…/v1/token`
    OauthToken,
    /// `/oauth2/…/v1/keys`
    OauthKeys,
    /// Every other path under `/oauth2/`.
    OauthOther,
}

impl Bucket {
    pub const ALL: [Bucket; 7] = [
        Bucket::Sessions,
        Bucket::Users,
        Bucket::Logs,
        Bucket::OauthAuthorize,
        Bucket::OauthToken,
        Bucket::OauthKeys,
        Bucket::OauthOther,
    ];

    /// Returns the bucket that counts requests to `path`, or `None` for
    /// unlimited paths (the control API and anything else outside Okta's
    /// limited endpoints).
    pub fn for_path(path: &str) -> Option<Bucket> {
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/api/v1/sessions") {
            return Some(Bucket::Sessions);
        }
        if under("/api/v1/users") {
            return Some(Bucket::Users);
        }
        if under("/api/v1/logs") {
            return Some(Bucket::Logs);
        }
        let rest = path.strip_prefix("/oauth2/")?;
        // Custom servers: `/oauth2/{id}/v1/{endpoint}`; the org server:
        // `/oauth2/v1/{endpoint}`. Discovery documents fall in `oauth_other`.
        let endpoint = rest
            .split_once("v1/")
            .map(|(_, after)| after.split('/').next().unwrap_or_default());
        Some(match endpoint {
            Some("authorize") => Bucket::OauthAuthorize,
            Some("token") => Bucket::OauthToken,
            Some("keys") => Bucket::OauthKeys,
            _ => Bucket::OauthOther,
        })
    }

    /// Returns the configuration name, for example `oauth_token`.
    pub fn name(self) -> &'static str {
        match self {
            Bucket::Sessions => "sessions",
            Bucket::Users => "users",
            Bucket::Logs => "logs",
            Bucket::OauthAuthorize => "oauth_authorize",
            Bucket::OauthToken => "oauth_token",
            Bucket::OauthKeys => "oauth_keys",
            Bucket::OauthOther => "oauth_other",
        }
    }

    /// Whether the bucket belongs to the authorization server, whose 429
    /// body has its own wording.
    pub fn is_oauth(self) -> bool {
        matches!(
            self,
            Bucket::OauthAuthorize | Bucket::OauthToken | Bucket::OauthKeys | Bucket::OauthOther
        )
    }
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    /// Requests per window.
    pub limit: u32,
    /// Requests left in this window after this one.
    pub remaining: u32,
    /// Epoch seconds at which the window ends.
    pub reset: i64,
}

impl Verdict {
    /// Sets the three `X-Rate-Limit-*` headers.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        headers.insert(LIMIT_HEADER, HeaderValue::from(self.limit));
        headers.insert(REMAINING_HEADER, HeaderValue::from(self.remaining));
        headers.insert(RESET_HEADER, HeaderValue::from(self.reset));
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Window {
    /// Epoch seconds at which the window started.
    start: i64,
    count: u32,
}

#[derive(Debug)]
struct LimiterState {
    limits: BTreeMap<Bucket, u32>,
    windows: HashMap<Bucket, Window>,
    /// Requests counted per bucket since start-up or the last reset,
    /// allowed or not; never windowed.
    totals: HashMap<Bucket, u64>,
}

/// Per-bucket counters and limits, changeable at run time.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<LimiterState>,
}

impl RateLimiter {
    /// Starts with the limits of `config` and empty windows.
    pub fn new(config: &Config) -> RateLimiter {
        RateLimiter {
            state: Mutex::new(LimiterState {
                limits: configured_limits(config),
                windows: HashMap::new(),
                totals: HashMap::new(),
            }),
        }
    }

    /// Counts one request to `bucket` at `now` (epoch seconds).
    pub fn check(&self, bucket: Bucket, now: i64) -> Verdict {
        let mut state = lock(&self.state);
        *state.totals.entry(bucket).or_default() += 1;
        let limit = state.limits.get(&bucket).copied().unwrap_or(0);
        let window = current_window(&mut state.windows, bucket, now);

        let allowed = window.count < limit;
        if allowed {
            window.count += 1;
        }
        Verdict {
            allowed,
            limit,
            remaining: limit.saturating_sub(window.count),
            reset: window.start + WINDOW_SECONDS,
        }
    }

    /// Returns the headers a rejected request to `bucket` would get at
    /// `now`, without counting it (for injected 429 faults).
    pub fn exhausted(&self, bucket: Bucket, now: i64) -> Verdict {
        let mut state = lock(&self.state);
        let limit = state.limits.get(&bucket).copied().unwrap_or(0);
        let window = current_window(&mut state.windows, bucket, now);
        Verdict {
            allowed: false,
            limit,
            remaining: 0,
            reset: window.start + WINDOW_SECONDS,
        }
    }

    /// Returns every bucket's limit.
    pub fn limits(&self) -> BTreeMap<Bucket, u32> {
        lock(&self.state).limits.clone()
    }

    /// Changes the limits of the buckets given; counts in the current
    /// window are kept.
    pub fn set_limits(&self, changes: &BTreeMap<Bucket, u32>) {
        let mut state = lock(&self.state);
        for (bucket, limit) in changes {
            state.limits.insert(*bucket, *limit);
        }
        tracing::info!(?changes, "rate limits changed");
    }

    /// Returns, per bucket, how many requests were counted against its
    /// limit since start-up or the last reset, including rejected ones.
    /// Requests that an injected fault responded to are not counted.
    pub fn request_counts(&self) -> BTreeMap<Bucket, u64> {
        let state = lock(&self.state);
        Bucket::ALL
            .into_iter()
            .map(|bucket| (bucket, state.totals.get(&bucket).copied().unwrap_or(0)))
            .collect()
    }

    /// Restores the limits of `config` and forgets every count.
    pub fn reset(&self, config: &Config) {
        let mut state = lock(&self.state);
        state.limits = configured_limits(config);
        state.windows.clear();
        state.totals.clear();
    }
}

fn configured_limits(config: &Config) -> BTreeMap<Bucket, u32> {
    let table = config.rate_limit_table();
    Bucket::ALL
        .into_iter()
        .map(|bucket| (bucket, table.get(bucket.name()).copied().unwrap_or(0)))
        .collect()
}

/// Returns the window of `bucket` that contains `now`, starting a new one
/// when the minute has changed (or the clock was set back).
fn current_window(windows: &mut HashMap<Bucket, Window>, bucket: Bucket, now: i64) -> &mut Window {
    let start = now - now.rem_euclid(WINDOW_SECONDS);
    let window = windows.entry(bucket).or_default();
    if window.start != start {
        *window = Window { start, count: 0 };
    }
    window
}

/// Returns Okta's 429 body for `bucket`: the Management API and the
/// authorization server word `E0000047` differently.
pub fn too_many_requests(bucket: Option<Bucket>) -> OktaError {
    if bucket.is_some_and(Bucket::is_oauth) {
        OktaError::rate_limited_oauth()
    } else {
        OktaError::rate_limited()
    }
}

/// Middleware: counts each request of a limited bucket against the
/// emulator clock's current minute and rejects it over the limit.
pub async fn enforce(State(state): State<SharedState>, request: Request, next: Next) -> Response {
    let Some(bucket) = Bucket::for_path(request.uri().path()) else {
        return next.run(request).await;
    };

    let verdict = state
        .rate_limiter
        .check(bucket, state.clock.now_epoch_seconds());
    let mut response = if verdict.allowed {
        next.run(request).await
    } else {
        tracing::warn!(
            bucket = bucket.name(),
            limit = verdict.limit,
            reset = verdict.reset,
            "rate limit exceeded"
        );
        too_many_requests(Some(bucket)).into_response()
    };
    verdict.write_headers(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_for_each_path() {
        let cases = [
            ("/api/v1/sessions/102abc", Some(Bucket::Sessions)),
            ("/api/v1/sessions/me", Some(Bucket::Sessions)),
            ("/api/v1/sessionsx", None),
            ("/api/v1/users/00u1/sessions", Some(Bucket::Users)),
            ("/api/v1/logs", Some(Bucket::Logs)),
            ("/oauth2/default/v1/authorize", Some(Bucket::OauthAuthorize)),
            ("/oauth2/default/v1/token", Some(Bucket::OauthToken)),
            ("/oauth2/default/v1/keys", Some(Bucket::OauthKeys)),
            ("/oauth2/v1/keys", Some(Bucket::OauthKeys)),
            ("/oauth2/default/v1/introspect", Some(Bucket::OauthOther)),
            (
                "/oauth2/default/.well-known/openid-configuration",
                Some(Bucket::OauthOther),
            ),
            ("/mock/sessions", None),
            ("/api/v1/apps", None),
        ];
        for (path, expected) in cases {
            assert_eq!(Bucket::for_path(path), expected, "{path}");
        }
    }

    #[test]
    fn check_counts_down_then_rejects() {
        let limiter = RateLimiter::new(&Config::embedded_default());
        limiter.set_limits(&BTreeMap::from([(Bucket::Sessions, 2)]));
        let now = 1_700_000_030;

        let first = limiter.check(Bucket::Sessions, now);
        let second = limiter.check(Bucket::Sessions, now);
        let third = limiter.check(Bucket::Sessions, now);

        assert_eq!(first.remaining, 1);
        assert_eq!(second.remaining, 0);
        assert!(second.allowed);
        assert!(!third.allowed);
        assert_eq!(third.reset, 1_700_000_040);
    }

    #[test]
    fn request_counts_include_rejected() {
        let limiter = RateLimiter::new(&Config::embedded_default());
        limiter.set_limits(&BTreeMap::from([(Bucket::Sessions, 1)]));
        let now = 1_700_000_030;

        limiter.check(Bucket::Sessions, now);
        limiter.check(Bucket::Sessions, now);

        let counts = limiter.request_counts();
        assert_eq!(counts[&Bucket::Sessions], 2);
        assert_eq!(counts[&Bucket::Logs], 0);
    }

    #[test]
    fn check_new_minute_starts_fresh() {
        let limiter = RateLimiter::new(&Config::embedded_default());
        limiter.set_limits(&BTreeMap::from([(Bucket::Logs, 1)]));
        let now = 1_700_000_030;

        limiter.check(Bucket::Logs, now);
        let rejected = limiter.check(Bucket::Logs, now + 9);
        let next_window = limiter.check(Bucket::Logs, now + 10);

        assert!(!rejected.allowed);
        assert!(next_window.allowed);
    }
}
