//! The result of a run, as a terminal table or as JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::scenario::{ScenarioReport, StepRecord, Verdict};

/// Where the run went.
#[derive(Debug, Clone, Serialize)]
pub struct TargetSummary {
    /// `self-started` (in-process stack) or `running` (given URLs).
    pub mode: &'static str,
    /// Issuer of the authorization server.
    pub issuer: String,
    /// Back end base URL.
    pub api: String,
    /// Whether the org is mock-okta (control API present).
    pub emulator: bool,
    /// The back end's verdict TTL, when this run configured it.
    pub verdict_ttl_secs: Option<u64>,
}

/// The result of every scenario of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Where the run went.
    pub target: TargetSummary,
    /// Scenario results, in run order.
    pub scenarios: Vec<ScenarioReport>,
    /// Whether no step's outcome differs from its expected one.
    pub passed: bool,
}

impl Report {
    /// Builds a report and computes `passed`.
    pub fn new(target: TargetSummary, scenarios: Vec<ScenarioReport>) -> Self {
        let passed = scenarios.iter().all(ScenarioReport::passed);
        Report {
            target,
            scenarios,
            passed,
        }
    }

    /// Renders the table for a terminal.
    pub fn table(&self) -> String {
        let mut text = String::new();
        let target = &self.target;
        let _ = writeln!(
            text,
            "Target: {} ({})",
            target.mode,
            if target.emulator {
                "mock-okta"
            } else {
                "Okta org"
            }
        );
        let _ = writeln!(text, "  issuer   {}", target.issuer);
        let _ = writeln!(text, "  back end {}", target.api);
        if let Some(ttl) = target.verdict_ttl_secs {
            let _ = writeln!(text, "  back end verdict TTL {ttl} s");
        }

        for scenario in &self.scenarios {
            let _ = writeln!(text, "\n{}: {}", scenario.scenario, scenario.title);
            if let Some(reason) = &scenario.skipped {
                let _ = writeln!(text, "  skipped: {reason}");
                continue;
            }
            text.push_str(&steps_table(&scenario.steps));
            if let Some(reason) = &scenario.stopped {
                let _ = writeln!(text, "  stopped early: {reason}");
            }
        }

        let _ = writeln!(text, "\n{}", self.summary());
        text
    }

    /// Returns the last line of the table: counts and the overall result.
    pub fn summary(&self) -> String {
        let skipped = self
            .scenarios
            .iter()
            .filter(|s| s.skipped.is_some())
            .count();
        let failed = self.scenarios.iter().filter(|s| !s.passed()).count();
        let passed = self.scenarios.len() - skipped - failed;
        let unexpected: usize = self
            .scenarios
            .iter()
            .flat_map(|s| &s.steps)
            .filter(|step| step.verdict == Verdict::Unexpected)
            .count();

        let result = if self.passed {
            "every step as expected".to_owned()
        } else {
            format!("{unexpected} step(s) differ from the expected outcome")
        };
        format!("{passed} passed, {failed} failed, {skipped} skipped: {result}")
    }
}

const HEADERS: [&str; 8] = [
    "step",
    "status",
    "reason",
    "expected",
    "took",
    "caught by",
    "verdict",
    "note",
];

fn steps_table(steps: &[StepRecord]) -> String {
    let rows: Vec<[String; 8]> = steps.iter().map(row).collect();
    let mut widths = HEADERS.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }

    let mut text = String::new();
    let headers = HEADERS.map(str::to_owned);
    for row in std::iter::once(&headers).chain(&rows) {
        // Two spaces indent the table and separate its columns; the note is
        // last and not padded.
        let mut line = String::new();
        for (cell, width) in row.iter().zip(widths) {
            let _ = write!(line, "  {cell:<width$}");
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn row(step: &StepRecord) -> [String; 8] {
    let dash = || "-".to_owned();
    [
        step.step.to_owned(),
        step.status.map_or_else(dash, |status| status.to_string()),
        step.reason.clone().unwrap_or_else(dash),
        step.expected
            .as_ref()
            .map_or_else(dash, ToString::to_string),
        step.took_ms.map_or_else(dash, format_millis),
        step.caught_by.map_or_else(dash, |path| path.to_string()),
        match step.verdict {
            Verdict::Ok => "ok",
            Verdict::Unexpected => "UNEXPECTED",
            Verdict::Info => "info",
        }
        .to_owned(),
        match &step.note {
            Some(note) => format!("{}: {note}", step.action),
            None => step.action.to_owned(),
        },
    ]
}

fn format_millis(millis: u64) -> String {
    if millis < 10_000 {
        format!("{millis} ms")
    } else {
        format!("{:.1} s", millis as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expect::{Expected, Outcome};
    use crate::metrics::CaughtBy;

    fn replay_step(verdict: Verdict) -> StepRecord {
        let mut step = StepRecord::new("replay", "attacker replays the copy")
            .outcome(Outcome::new(401, Some("session_ended".into())))
            .expect(Expected::rejected(401, "session_ended"))
            .took(std::time::Duration::from_millis(12))
            .caught_by(Some(CaughtBy::EventHookPush));
        step.verdict = verdict;
        step
    }

    fn report(verdict: Verdict) -> Report {
        let scenario = ScenarioReport {
            scenario: "logout",
            title: "token replayed after the user logs out",
            skipped: None,
            stopped: None,
            steps: vec![replay_step(verdict)],
        };
        let target = TargetSummary {
            mode: "self-started",
            issuer: "http://127.0.0.1:1/oauth2/default".into(),
            api: "http://127.0.0.1:2".into(),
            emulator: true,
            verdict_ttl_secs: Some(5),
        };
        Report::new(target, vec![scenario])
    }

    #[test]
    fn table_shows_step() {
        let table = report(Verdict::Ok).table();

        assert!(table.contains("replay  401"), "{table}");
        assert!(table.contains("12 ms"), "{table}");
        assert!(table.contains("event hook push"), "{table}");
    }

    #[test]
    fn summary_counts_failure() {
        let report = report(Verdict::Unexpected);

        assert!(!report.passed);
        assert_eq!(
            report.summary(),
            "0 passed, 1 failed, 0 skipped: 1 step(s) differ from the expected outcome"
        );
    }

    #[test]
    fn json_names_fields() {
        let json = serde_json::to_value(report(Verdict::Ok)).expect("serializes");
        let step = &json["scenarios"][0]["steps"][0];

        assert_eq!(step["caught_by"], "event_hook_push");
        assert_eq!(step["expected"]["status"], 401);
        assert_eq!(step["verdict"], "ok");
    }
}
