//! Okta rate-limit budget, read from `X-Rate-Limit-*` response headers.
//!
//! Okta sends `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and
//! `X-Rate-Limit-Reset` (epoch seconds) on every Management API response,
//! and `429` with `E0000047` once the bucket is empty. The guard would
//! rather serve a somewhat older verdict than hit that 429, so as the
//! remaining fraction of the bucket falls the verdict TTL stretches
//! linearly from its configured value up to the maximum staleness.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// One reading of Okta's rate-limit headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSnapshot {
    /// Requests allowed in the current window (`X-Rate-Limit-Limit`).
    pub limit: u32,
    /// Requests left in the current window (`X-Rate-Limit-Remaining`).
    pub remaining: u32,
    /// When the window resets (`X-Rate-Limit-Reset`, epoch seconds).
    pub reset_at: SystemTime,
}

impl RateLimitSnapshot {
    /// Reads the three headers; returns `None` unless all three are present
    /// and numeric.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let number =
            |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        let limit = u32::try_from(number("x-rate-limit-limit")?).ok()?;
        let remaining = u32::try_from(number("x-rate-limit-remaining")?).ok()?;
        let reset_at = UNIX_EPOCH + Duration::from_secs(number("x-rate-limit-reset")?);
        Some(Self {
            limit,
            remaining,
            reset_at,
        })
    }

    /// Returns the fraction of the window's budget still available at
    /// `now`, from 0.0 to 1.0. After the reset time the budget is full again.
    pub fn remaining_fraction(&self, now: SystemTime) -> f64 {
        if now >= self.reset_at {
            return 1.0;
        }
        if self.limit == 0 {
            return 0.0;
        }
        (f64::from(self.remaining) / f64::from(self.limit)).clamp(0.0, 1.0)
    }
}

/// The TTL-stretching rule: below `stretch_below` (a fraction of the
/// bucket), the TTL grows linearly from `base` to `max_staleness` as the
/// remaining fraction falls to zero.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StretchRule {
    pub base: Duration,
    pub max_staleness: Duration,
    pub stretch_below: f64,
}

impl StretchRule {
    pub(crate) fn ttl_for(&self, fraction: f64) -> Duration {
        if fraction >= self.stretch_below || self.max_staleness <= self.base {
            return self.base;
        }
        let pressure = 1.0 - (fraction / self.stretch_below).clamp(0.0, 1.0);
        let extra = (self.max_staleness - self.base).mul_f64(pressure);
        self.base + extra
    }
}

#[derive(Debug, Default)]
struct BudgetState {
    latest: Option<RateLimitSnapshot>,
    /// Set by a 429: no call before this time.
    blocked_until: Option<SystemTime>,
}

/// Rate-limit state shared by every lookup against one Okta org.
#[derive(Debug)]
pub(crate) struct RateBudget {
    rule: StretchRule,
    state: Mutex<BudgetState>,
}

impl RateBudget {
    pub(crate) fn new(rule: StretchRule) -> Self {
        Self {
            rule,
            state: Mutex::new(BudgetState::default()),
        }
    }

    /// Records the headers of a successful (non-429) response.
    ///
    /// Within one window (same reset time) the lower `remaining` wins:
    /// responses arrive out of order, and [`RateBudget::try_acquire`] has
    /// already counted the calls still in flight.
    pub(crate) fn record(&self, snapshot: RateLimitSnapshot) {
        let mut state = lock(&self.state);
        let mut snapshot = snapshot;
        if let Some(current) = state.latest
            && current.reset_at == snapshot.reset_at
        {
            snapshot.remaining = snapshot.remaining.min(current.remaining);
        }
        state.latest = Some(snapshot);
    }

    /// Takes one call from the budget at `now`, or returns the time calls
    /// may resume. Counting a call when it starts, not when Okta's response
    /// arrives, keeps concurrent lookups of different sessions from
    /// spending more than Okta announced was left.
    pub(crate) fn try_acquire(&self, now: SystemTime) -> Result<(), SystemTime> {
        let mut state = lock(&self.state);
        if let Some(until) = state.blocked_until
            && until > now
        {
            return Err(until);
        }
        if let Some(snapshot) = state.latest.as_mut()
            && snapshot.reset_at > now
        {
            if snapshot.remaining == 0 {
                return Err(snapshot.reset_at);
            }
            snapshot.remaining -= 1;
        }
        Ok(())
    }

    /// Records a 429: no further call until `until`.
    pub(crate) fn record_rejection(&self, snapshot: Option<RateLimitSnapshot>, until: SystemTime) {
        let mut state = lock(&self.state);
        if snapshot.is_some() {
            state.latest = snapshot;
        }
        state.blocked_until = Some(
            state
                .blocked_until
                .map_or(until, |current| current.max(until)),
        );
    }

    /// Returns the verdict TTL in force at `now`.
    pub(crate) fn effective_ttl(&self, now: SystemTime) -> Duration {
        self.rule.ttl_for(self.remaining_fraction(now))
    }

    pub(crate) fn max_staleness(&self) -> Duration {
        self.rule.max_staleness.max(self.rule.base)
    }

    /// Returns the fraction of the budget left at `now` (1.0 when unknown).
    pub(crate) fn remaining_fraction(&self, now: SystemTime) -> f64 {
        let state = lock(&self.state);
        state
            .latest
            .map_or(1.0, |snapshot| snapshot.remaining_fraction(now))
    }

    /// Returns the latest snapshot, if Okta sent one.
    pub(crate) fn latest(&self) -> Option<RateLimitSnapshot> {
        lock(&self.state).latest
    }

    /// Returns `Some(retry_at)` when no call may be made at `now`: after a
    /// 429 until its reset, or when the last response left no budget.
    pub(crate) fn blocked_until(&self, now: SystemTime) -> Option<SystemTime> {
        let state = lock(&self.state);
        if let Some(until) = state.blocked_until
            && until > now
        {
            return Some(until);
        }
        match state.latest {
            Some(snapshot) if snapshot.remaining == 0 && snapshot.reset_at > now => {
                Some(snapshot.reset_at)
            }
            _ => None,
        }
    }
}

/// Locks a mutex, recovering from poisoning: the state is plain data that
/// a panic elsewhere cannot leave half-written in a harmful way.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> StretchRule {
        StretchRule {
            base: Duration::from_secs(30),
            max_staleness: Duration::from_secs(330),
            stretch_below: 0.5,
        }
    }

    #[test]
    fn ttl_is_base_with_full_budget() {
        assert_eq!(rule().ttl_for(1.0), Duration::from_secs(30));
    }

    #[test]
    fn ttl_is_base_at_threshold() {
        assert_eq!(rule().ttl_for(0.5), Duration::from_secs(30));
    }

    #[test]
    fn ttl_is_halfway_at_quarter_budget() {
        assert_eq!(rule().ttl_for(0.25), Duration::from_secs(180));
    }

    #[test]
    fn ttl_is_max_staleness_at_zero() {
        assert_eq!(rule().ttl_for(0.0), Duration::from_secs(330));
    }

    #[test]
    fn snapshot_reads_okta_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("X-Rate-Limit-Limit", "100".parse().expect("static value"));
        headers.insert("X-Rate-Limit-Remaining", "7".parse().expect("static value"));
        headers.insert(
            "X-Rate-Limit-Reset",
            "1700000000".parse().expect("static value"),
        );
        let snapshot = RateLimitSnapshot::from_headers(&headers).expect("all three headers set");
        assert_eq!(snapshot.remaining, 7);
        assert_eq!(
            snapshot.reset_at,
            UNIX_EPOCH + Duration::from_secs(1_700_000_000)
        );
    }

    #[test]
    fn snapshot_needs_all_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("X-Rate-Limit-Limit", "100".parse().expect("static value"));
        assert_eq!(RateLimitSnapshot::from_headers(&headers), None);
    }

    #[test]
    fn budget_is_full_after_reset() {
        let reset_at = UNIX_EPOCH + Duration::from_secs(1000);
        let snapshot = RateLimitSnapshot {
            limit: 100,
            remaining: 0,
            reset_at,
        };
        assert_eq!(snapshot.remaining_fraction(reset_at), 1.0);
    }

    #[test]
    fn empty_budget_blocks_until_reset() {
        let budget = RateBudget::new(rule());
        let now = UNIX_EPOCH + Duration::from_secs(900);
        let reset_at = UNIX_EPOCH + Duration::from_secs(1000);
        budget.record(RateLimitSnapshot {
            limit: 100,
            remaining: 0,
            reset_at,
        });
        assert_eq!(budget.blocked_until(now), Some(reset_at));
    }

    #[test]
    fn acquire_counts_calls_in_flight() {
        let budget = RateBudget::new(rule());
        let now = UNIX_EPOCH + Duration::from_secs(900);
        let reset_at = UNIX_EPOCH + Duration::from_secs(1000);
        budget.record(RateLimitSnapshot {
            limit: 100,
            remaining: 2,
            reset_at,
        });
        assert_eq!(budget.try_acquire(now), Ok(()));
        assert_eq!(budget.try_acquire(now), Ok(()));
        assert_eq!(budget.try_acquire(now), Err(reset_at));
    }

    #[test]
    fn late_response_does_not_raise_budget() {
        let budget = RateBudget::new(rule());
        let now = UNIX_EPOCH + Duration::from_secs(900);
        let reset_at = UNIX_EPOCH + Duration::from_secs(1000);
        let snapshot = |remaining| RateLimitSnapshot {
            limit: 100,
            remaining,
            reset_at,
        };
        budget.record(snapshot(1));
        budget.record(snapshot(5));
        assert_eq!(budget.latest().map(|s| s.remaining), Some(1));
        assert_eq!(budget.try_acquire(now), Ok(()));
        assert_eq!(budget.try_acquire(now), Err(reset_at));
    }

    #[test]
    fn new_window_restores_budget() {
        let budget = RateBudget::new(rule());
        let now = UNIX_EPOCH + Duration::from_secs(1001);
        budget.record(RateLimitSnapshot {
            limit: 100,
            remaining: 0,
            reset_at: UNIX_EPOCH + Duration::from_secs(1000),
        });
        assert_eq!(budget.try_acquire(now), Ok(()));
    }

    #[test]
    fn rejection_blocks_until_given_time() {
        let budget = RateBudget::new(rule());
        let now = UNIX_EPOCH + Duration::from_secs(900);
        budget.record_rejection(None, now + Duration::from_secs(20));
        assert_eq!(
            budget.blocked_until(now),
            Some(now + Duration::from_secs(20))
        );
    }
}
