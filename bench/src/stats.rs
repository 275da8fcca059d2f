//! Order statistics of measured samples: medians across runs and latency
//! percentiles within a run.

use serde::{Deserialize, Serialize};

/// Returns the median of `values`, the mean of the two middle values for an
/// even count, or `None` when `values` is empty or contains a NaN.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|value| value.is_nan()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        Some(sorted[middle])
    } else {
        Some((sorted[middle - 1] + sorted[middle]) / 2.0)
    }
}

/// Returns the `quantile` (0.0 to 1.0) of ascending `sorted` samples by the
/// nearest-rank rule: the smallest sample with at least that share of the
/// samples at or below it. `None` for no samples or a quantile out of range.
pub fn percentile_sorted(sorted: &[u64], quantile: f64) -> Option<u64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&quantile) {
        return None;
    }
    // Nearest rank: ceil(q * n), counted from 1; q = 0 is the minimum.
    let rank = (quantile * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    Some(sorted[index])
}

/// Latency percentiles of one run, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    pub count: usize,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    pub max_us: f64,
}

impl LatencySummary {
    /// Summarizes latencies given in nanoseconds; sorts them in place.
    /// Returns `None` for no samples.
    pub fn from_nanos(samples: &mut [u64]) -> Option<LatencySummary> {
        samples.sort_unstable();
        let micros = |nanos: u64| nanos as f64 / 1_000.0;
        Some(LatencySummary {
            count: samples.len(),
            p50_us: micros(percentile_sorted(samples, 0.50)?),
            p99_us: micros(percentile_sorted(samples, 0.99)?),
            p999_us: micros(percentile_sorted(samples, 0.999)?),
            max_us: micros(*samples.last()?),
        })
    }

    /// Returns the field-wise median of several runs' summaries.
    pub fn median_of(runs: &[LatencySummary]) -> Option<LatencySummary> {
        let field =
            |pick: fn(&LatencySummary) -> f64| median(&runs.iter().map(pick).collect::<Vec<_>>());
        Some(LatencySummary {
            count: median(&runs.iter().map(|run| run.count as f64).collect::<Vec<_>>())? as usize,
            p50_us: field(|run| run.p50_us)?,
            p99_us: field(|run| run.p99_us)?,
            p999_us: field(|run| run.p999_us)?,
            max_us: field(|run| run.max_us)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_count() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    }

    #[test]
    fn median_even_count() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn median_empty_or_nan() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[1.0, f64::NAN]), None);
    }

    #[test]
    fn percentile_nearest_rank() {
        let samples: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile_sorted(&samples, 0.50), Some(500));
        assert_eq!(percentile_sorted(&samples, 0.99), Some(990));
        assert_eq!(percentile_sorted(&samples, 0.999), Some(999));
        assert_eq!(percentile_sorted(&samples, 1.0), Some(1000));
        assert_eq!(percentile_sorted(&samples, 0.0), Some(1));
    }

    #[test]
    fn percentile_small_sample() {
        // With 10 samples, p99 and p99.9 are both the largest one.
        let samples: Vec<u64> = (10..20).collect();
        assert_eq!(percentile_sorted(&samples, 0.99), Some(19));
        assert_eq!(percentile_sorted(&samples, 0.999), Some(19));
        assert_eq!(percentile_sorted(&samples, 0.5), Some(14));
    }

    #[test]
    fn percentile_rejects_bad_input() {
        assert_eq!(percentile_sorted(&[], 0.5), None);
        assert_eq!(percentile_sorted(&[1, 2], 1.5), None);
        assert_eq!(percentile_sorted(&[1, 2], -0.1), None);
    }

    #[test]
    fn summary_from_unsorted_nanos() {
        let mut samples: Vec<u64> = (1..=1000).rev().map(|us| us * 1_000).collect();
        let summary = LatencySummary::from_nanos(&mut samples).expect("samples are present");
        assert_eq!(summary.count, 1000);
        assert_eq!(summary.p50_us, 500.0);
        assert_eq!(summary.p99_us, 990.0);
        assert_eq!(summary.p999_us, 999.0);
        assert_eq!(summary.max_us, 1000.0);
    }

    #[test]
    fn summary_median_of_runs() {
        let run = |p50_us: f64| LatencySummary {
            count: 10,
            p50_us,
            p99_us: p50_us * 2.0,
            p999_us: p50_us * 3.0,
            max_us: p50_us * 4.0,
        };
        let median = LatencySummary::median_of(&[run(30.0), run(10.0), run(20.0)])
            .expect("runs are present");
        assert_eq!(median.p50_us, 20.0);
        assert_eq!(median.p99_us, 40.0);
        assert_eq!(LatencySummary::median_of(&[]), None);
    }
}
