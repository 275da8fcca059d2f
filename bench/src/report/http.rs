//! Section 2 of the report: the guarded routes against the unguarded
//! baseline, compared run by run.

use std::fmt::Write as _;

use crate::plot::human;
use crate::results::{HttpResult, Results};
use crate::stats::median;

/// One route's guarded-to-unguarded comparison: medians over runs of the
/// per-run throughput ratio and of the per-run added latencies.
#[derive(Debug, Clone)]
pub struct RouteComparison {
    pub route: String,
    pub fixed_rate: f64,
    pub throughput_ratio: f64,
    /// Unguarded over guarded server CPU time per request: the throughput
    /// ratio a saturated server core would show.
    pub capacity_ratio: f64,
    /// Guarded minus unguarded server CPU time per request, in µs.
    pub added_cpu_us: f64,
    pub added_p50_us: f64,
    pub added_p99_us: f64,
    pub added_p999_us: f64,
}

/// Compares each guarded route with the unguarded one, pairing the runs
/// by index (run `i` of both servers shared one ABBA sequence).
pub fn comparisons(results: &Results) -> Vec<RouteComparison> {
    let mut comparisons = Vec::new();
    for guarded in results.http.iter().filter(|http| http.server == "guarded") {
        let Some(plain) = unguarded(results, &guarded.route) else {
            continue;
        };
        let ratios: Vec<f64> = guarded
            .saturation_runs
            .iter()
            .zip(&plain.saturation_runs)
            .map(|(guarded, plain)| guarded / plain)
            .collect();
        let cpu_pairs = || {
            guarded
                .cpu_us_per_request_runs
                .iter()
                .zip(&plain.cpu_us_per_request_runs)
        };
        let capacity: Vec<f64> = cpu_pairs()
            .map(|(guarded, plain)| plain / guarded)
            .collect();
        let added_cpu: Vec<f64> = cpu_pairs()
            .map(|(guarded, plain)| guarded - plain)
            .collect();
        let added = |pick: fn(&crate::stats::LatencySummary) -> f64| {
            let deltas: Vec<f64> = guarded
                .fixed_runs
                .iter()
                .zip(&plain.fixed_runs)
                .map(|(guarded, plain)| pick(guarded) - pick(plain))
                .collect();
            median(&deltas).unwrap_or(f64::NAN)
        };
        comparisons.push(RouteComparison {
            route: guarded.route.clone(),
            fixed_rate: guarded.fixed_rate,
            throughput_ratio: median(&ratios).unwrap_or(f64::NAN),
            capacity_ratio: median(&capacity).unwrap_or(f64::NAN),
            added_cpu_us: median(&added_cpu).unwrap_or(f64::NAN),
            added_p50_us: added(|latency| latency.p50_us),
            added_p99_us: added(|latency| latency.p99_us),
            added_p999_us: added(|latency| latency.p999_us),
        });
    }
    comparisons
}

fn unguarded<'a>(results: &'a Results, route: &str) -> Option<&'a HttpResult> {
    results
        .http
        .iter()
        .find(|other| other.server == "unguarded" && other.route == route)
}

pub fn section(page: &mut String, results: &Results) {
    if results.http.is_empty() {
        return;
    }
    let rate = results.http[0].fixed_rate;
    let _ = writeln!(
        page,
        "## 2. HTTP overhead\n\n\
         `GET /api/catalog` (token only) and `GET /api/profile` (live session) of the back \
         end, and the same routes of the unguarded baseline. 1,000 tokens over 50 sessions, \
         used in turn on each connection, so after the first second every guarded request is \
         a cached decision. Other work on the machine drifts over seconds, so each run \
         measures the servers in the order unguarded, guarded, guarded, unguarded, 4 s per \
         window after 1 s of warm-up. A server's figure in a run is the mean of its two \
         windows. Saturation: 32 connections back to back. Fixed rate: {rate} requests/s over \
         16 connections, open loop; latency counts from the scheduled send time when the \
         connection was still busy then. The tables show medians of {} runs; the ratio and \
         \"added\" columns are medians of the per-run ratios and differences.\n\n\
         The load generator has one core too, and near 70,000 requests/s it, not the server, \
         can be the limit, so the measured throughput ratio can hide the guard's cost. The \
         server's CPU time per request (user plus system, from `/proc/PID/stat`, over each \
         saturation window) does not: its ratio is the throughput ratio of a saturated \
         server core.\n",
        results.runs
    );
    page.push_str("| route | server | req/s at saturation | runs | server CPU µs/request | p50 µs | p99 µs | p99.9 µs | non-200 |\n");
    page.push_str("|---|---|---:|---|---:|---:|---:|---:|---:|\n");
    for http in &results.http {
        let (p50, p99, p999) = http
            .fixed_median
            .map_or((f64::NAN, f64::NAN, f64::NAN), |latency| {
                (latency.p50_us, latency.p99_us, latency.p999_us)
            });
        let runs: Vec<String> = http
            .saturation_runs
            .iter()
            .map(|value| human(*value))
            .collect();
        let _ = writeln!(
            page,
            "| {} | {} | {} | {} | {:.1} | {p50:.0} | {p99:.0} | {p999:.0} | {} |",
            http.route,
            http.server,
            human(http.saturation_median),
            runs.join(", "),
            median(&http.cpu_us_per_request_runs).unwrap_or(f64::NAN),
            http.non_ok
        );
    }
    page.push_str(
        "\nGuarded against unguarded, per run, then the median:\n\n\
         | route | throughput ratio (measured) | capacity ratio (CPU) | added CPU per request | added p50 | added p99 | added p99.9 |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for comparison in comparisons(results) {
        let _ = writeln!(
            page,
            "| {} | {:.2} | {:.2} | {:.1} µs | {:.0} µs | {:.0} µs | {:.0} µs |",
            comparison.route,
            comparison.throughput_ratio,
            comparison.capacity_ratio,
            comparison.added_cpu_us,
            comparison.added_p50_us,
            comparison.added_p99_us,
            comparison.added_p999_us
        );
    }
    page.push('\n');
}
