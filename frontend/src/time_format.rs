//! Text for times and durations: token expiry countdowns, UTC timestamps
//! of NumericDate claims, and measured delays.

/// A token's remaining lifetime as shown next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Countdown {
    /// Human-readable text, such as `expires in 4 min 05 s`.
    pub text: String,
    /// The expiry has passed.
    pub expired: bool,
    /// Less than [`URGENT_SECS`] remain.
    pub urgent: bool,
}

/// Below this many seconds a countdown is shown as urgent.
pub const URGENT_SECS: i64 = 60;

/// Describes the time from `now_secs` to `exp_secs` (both seconds since
/// the Unix epoch).
pub fn countdown(exp_secs: i64, now_secs: i64) -> Countdown {
    let remaining = exp_secs - now_secs;
    if remaining <= 0 {
        return Countdown {
            text: format!("expired {} ago", span(-remaining)),
            expired: true,
            urgent: true,
        };
    }
    Countdown {
        text: format!("expires in {}", span(remaining)),
        expired: false,
        urgent: remaining < URGENT_SECS,
    }
}

/// Formats whole seconds as `42 s`, `4 min 05 s` or `1 h 02 min 03 s`.
pub fn span(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (hours, minutes, secs) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if hours > 0 {
        format!("{hours} h {minutes:02} min {secs:02} s")
    } else if minutes > 0 {
        format!("{minutes} min {secs:02} s")
    } else {
        format!("{secs} s")
    }
}

/// Formats a measured delay in milliseconds: `850 ms` below one second,
/// `1.24 s` below a minute, then as [`span`].
pub fn delay(milliseconds: f64) -> String {
    let milliseconds = milliseconds.max(0.0);
    if milliseconds < 1000.0 {
        format!("{} ms", milliseconds.round() as i64)
    } else if milliseconds < 60_000.0 {
        format!("{:.2} s", milliseconds / 1000.0)
    } else {
        span((milliseconds / 1000.0).round() as i64)
    }
}

/// Formats seconds since the Unix epoch as `2023-11-14 22:13:20 UTC`.
pub fn utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

/// Converts days since 1970-01-01 to a proleptic Gregorian date, counting
/// in 400-year eras of 146 097 days that start on March 1.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdown_minutes() {
        let shown = countdown(1_000 + 245, 1_000);
        assert_eq!(shown.text, "expires in 4 min 05 s");
        assert!(!shown.urgent);
    }

    #[test]
    fn countdown_hours() {
        assert_eq!(countdown(3723, 0).text, "expires in 1 h 02 min 03 s");
    }

    #[test]
    fn countdown_urgent() {
        let shown = countdown(59, 0);
        assert_eq!(shown.text, "expires in 59 s");
        assert!(shown.urgent);
    }

    #[test]
    fn countdown_expired() {
        let shown = countdown(100, 112);
        assert_eq!(shown.text, "expired 12 s ago");
        assert!(shown.expired);
    }

    #[test]
    fn countdown_at_expiry() {
        assert!(countdown(100, 100).expired);
    }

    #[test]
    fn delay_units() {
        assert_eq!(delay(849.6), "850 ms");
        assert_eq!(delay(1234.0), "1.23 s");
        assert_eq!(delay(125_000.0), "2 min 05 s");
    }

    #[test]
    fn utc_epoch() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
    }

    #[test]
    fn utc_known_instant() {
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
    }

    #[test]
    fn utc_leap_day() {
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn utc_before_epoch() {
        assert_eq!(utc(-1), "1969-12-31 23:59:59 UTC");
    }
}
