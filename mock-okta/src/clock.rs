//! The emulator's clock: wall time plus an offset the control API can move.
//!
//! Tests of expiry advance this clock instead of sleeping. Everything the
//! emulator stamps (`iat`, `exp`, `expiresAt`, log `published`) reads it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};

#[derive(Debug, Default)]
pub struct Clock {
    /// Milliseconds added to the system clock.
    offset_ms: AtomicI64,
}

impl Clock {
    /// Returns the emulator's current time.
    pub fn now(&self) -> SystemTime {
        let offset = self.offset_ms.load(Ordering::Relaxed);
        let base = SystemTime::now();
        if offset >= 0 {
            base + Duration::from_millis(offset as u64)
        } else {
            base - Duration::from_millis(offset.unsigned_abs())
        }
    }

    /// Returns the current time in whole seconds since the Unix epoch, the
    /// unit of JWT `NumericDate` claims.
    pub fn now_epoch_seconds(&self) -> i64 {
        epoch_seconds(self.now())
    }

    /// Moves the clock forward; the offset accumulates across calls.
    pub fn advance(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(millis, Ordering::Relaxed);
    }

    /// Returns to wall time.
    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::Relaxed);
    }

    /// Returns the current offset from wall time.
    pub fn offset(&self) -> Duration {
        Duration::from_millis(self.offset_ms.load(Ordering::Relaxed).max(0) as u64)
    }
}

/// Returns whole seconds since the Unix epoch (0 for times before it).
pub fn epoch_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Formats a time as Okta does in its APIs: RFC 3339, UTC, milliseconds,
/// for example `2019-08-24T14:15:22.000Z`.
pub fn okta_timestamp(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_has_millis_and_z() {
        let time = UNIX_EPOCH + Duration::from_millis(1_566_656_122_000);
        assert_eq!(okta_timestamp(time), "2019-08-24T14:15:22.000Z");
    }

    #[test]
    fn advance_accumulates() {
        let clock = Clock::default();
        clock.advance(Duration::from_secs(10));
        clock.advance(Duration::from_secs(5));
        assert_eq!(clock.offset(), Duration::from_secs(15));
    }
}
