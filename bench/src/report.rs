//! Renders `docs/benchmarks.md`, `docs/benchmarks/throughput.svg` and
//! `docs/benchmarks/results.json` from one run's results.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use crate::plot::{self, Bar, Group, human};
use crate::results::{DecisionRow, Results};
use crate::stats::median;

mod http;
mod sections;

/// Display order and labels of the decision scenarios.
pub const DECISION_LABELS: [(&str, &str); 11] = [
    (
        "guard_cached_token_only",
        "guard, repeated token (cached), token only",
    ),
    (
        "guard_cached_live_session",
        "guard, repeated token (cached), live session",
    ),
    (
        "floor_rs256_signature",
        "RS256 signature check only, key parsed once (the floor)",
    ),
    (
        "rs256_signature_key_per_call",
        "RS256 signature check only, key built per call (as jsonwebtoken does)",
    ),
    (
        "guard_first_sight_token_only",
        "guard, first sight, token only",
    ),
    (
        "guard_first_sight_live_session",
        "guard, first sight, live session (session known)",
    ),
    (
        "jsonwebtoken_decode",
        "Rust jsonwebtoken::decode, hand-written",
    ),
    ("node_jose", "Node jose jwtVerify, local JWKS"),
    ("node_okta_jwt_verifier", "Node @okta/jwt-verifier"),
    ("python_pyjwt", "Python PyJWT jwt.decode"),
    ("python_okta_jwt_verifier", "Python okta-jwt-verifier"),
];

/// Writes the three files under `repo/docs`.
pub fn write(repo: &Path, results: &Results) -> anyhow::Result<()> {
    let assets = repo.join("docs/benchmarks");
    std::fs::create_dir_all(&assets).with_context(|| format!("creating {}", assets.display()))?;
    let json = serde_json::to_string_pretty(results).context("serializing the results")?;
    std::fs::write(assets.join("results.json"), json + "\n").context("writing results.json")?;
    write_pages(repo, results)
}

/// Writes `docs/benchmarks.md` and the plot, leaving `results.json` as is.
pub fn write_pages(repo: &Path, results: &Results) -> anyhow::Result<()> {
    let docs = repo.join("docs");
    let assets = docs.join("benchmarks");
    std::fs::create_dir_all(&assets).with_context(|| format!("creating {}", assets.display()))?;
    std::fs::write(
        assets.join("throughput.svg"),
        plot::render("Throughput by scenario (medians)", &bars(results)),
    )
    .context("writing throughput.svg")?;
    std::fs::write(docs.join("benchmarks.md"), markdown(results))
        .context("writing benchmarks.md")?;
    Ok(())
}

/// Returns the median decisions per second of `scenario`, if it ran.
pub fn rate(results: &Results, scenario: &str) -> Option<f64> {
    row(results, scenario).map(|row| row.median)
}

fn row<'a>(results: &'a Results, scenario: &str) -> Option<&'a DecisionRow> {
    results
        .decisions
        .as_ref()?
        .rows
        .iter()
        .find(|row| row.scenario == scenario)
}

fn bars(results: &Results) -> Vec<Bar> {
    let mut bars = Vec::new();
    for (scenario, label) in DECISION_LABELS {
        if let Some(value) = rate(results, scenario) {
            let group = if scenario.starts_with("guard") {
                Group::Guard
            } else {
                Group::Peer
            };
            bars.push(Bar {
                label: label.to_owned(),
                value,
                group,
            });
        }
    }
    for http in &results.http {
        bars.push(Bar {
            label: format!("HTTP {} route, {}", http.route, http.server),
            value: http.saturation_median,
            group: Group::Http,
        });
    }
    bars
}

/// Renders the whole page.
pub fn markdown(results: &Results) -> String {
    let mut page = String::new();
    page.push_str(sections::INTRO);
    sections::machine(&mut page, results);
    sections::goals(&mut page, results);
    decisions(&mut page, results);
    http::section(&mut page, results);
    sections::economy(&mut page, results);
    sections::revocation(&mut page, results);
    sections::memory(&mut page, results);
    page.push_str(sections::LIMITS);
    for note in &results.notes {
        let _ = writeln!(page, "- {note}");
    }
    page
}

fn decisions(page: &mut String, results: &Results) {
    let Some(decisions) = &results.decisions else {
        return;
    };
    let floor = rate(results, "floor_rs256_signature");
    let cached = rate(results, "guard_cached_live_session");
    let first = rate(results, "guard_first_sight_live_session");
    let _ = writeln!(
        page,
        "## 1. Token decisions on one core\n\n\
         {} RS256 tokens ({} bytes each) over {} Okta sessions, verified by every \
         verifier in the same run, each pinned with `taskset -c 1`. Each figure is the \
         median of {} runs of at least 2 seconds; the runs are interleaved, so a busy \
         moment of the machine hits every verifier alike. \"Cost vs floor\" is time per \
         decision divided by that of the bare signature check with the key parsed once, as \
         the guard keeps the keys of its JWKS. The last two columns are how many \
         times faster the guard's cached and first-sight live-session decisions are than \
         that row.\n",
        decisions.tokens, decisions.token_bytes, decisions.sessions, results.runs
    );
    page.push_str("| verifier | version | decisions/s (median) | runs | cost vs floor | guard cached is | guard first sight is |\n");
    page.push_str("|---|---|---:|---|---:|---:|---:|\n");
    for (scenario, label) in DECISION_LABELS {
        let Some(row) = row(results, scenario) else {
            continue;
        };
        let runs: Vec<String> = row.runs.iter().map(|value| human(*value)).collect();
        let _ = writeln!(
            page,
            "| {label} | {} | {} | {} | {} | {} | {} |",
            row.version,
            human(row.median),
            runs.join(", "),
            ratio(floor, Some(row.median)),
            times(cached, Some(row.median)),
            times(first, Some(row.median)),
        );
    }
    page.push_str(
        "\n\"First sight\" is a token the guard has not seen: full verification (signature, \
         `iss`, `aud`, `exp`, claims) and the deny-list lookup. Under the live-session policy \
         the session cache answers the session check, because other tokens of the same session \
         were seen first. A session never seen costs a Sessions API call, counted in section 3. \
         \"Cached\" is a token seen before: one keyed hash of the token and one cache lookup. \
         The peers verify the token only; none of them checks an Okta session.\n\n",
    );
}

/// `a / b` as "1.23x", for costs (time ratios) from rates.
pub fn ratio(floor_rate: Option<f64>, rate: Option<f64>) -> String {
    match (floor_rate, rate) {
        (Some(floor), Some(rate)) if rate > 0.0 => format!("{:.2}x", floor / rate),
        _ => "n/a".to_owned(),
    }
}

/// `a / b` as "12.3x", for speed-ups.
pub fn times(fast: Option<f64>, slow: Option<f64>) -> String {
    match (fast, slow) {
        (Some(fast), Some(slow)) if slow > 0.0 => {
            let value = fast / slow;
            if value >= 10.0 {
                format!("{value:.0}x")
            } else {
                format!("{value:.2}x")
            }
        }
        _ => "n/a".to_owned(),
    }
}

/// Returns the median of a per-run count.
pub fn median_count(values: impl Iterator<Item = u64>) -> f64 {
    median(&values.map(|value| value as f64).collect::<Vec<_>>()).unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_of_rates() {
        assert_eq!(ratio(Some(30_000.0), Some(25_000.0)), "1.20x");
        assert_eq!(ratio(None, Some(1.0)), "n/a");
    }

    #[test]
    fn times_rounding() {
        assert_eq!(times(Some(2_000_000.0), Some(10_000.0)), "200x");
        assert_eq!(times(Some(3.0), Some(2.0)), "1.50x");
        assert_eq!(times(Some(3.0), Some(0.0)), "n/a");
    }
}
