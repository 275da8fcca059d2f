//! The record of a scenario: one [`StepRecord`] per step, with the verdict
//! of each against its expected outcome.

use std::time::Duration;

use serde::Serialize;

use super::Scenario;
use crate::expect::{Expected, Outcome, Overrides};
use crate::metrics::CaughtBy;

/// How a step's outcome compares with the expected one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// As expected.
    Ok,
    /// Different from the expected outcome.
    Unexpected,
    /// The step only reports (it expects nothing).
    Info,
}

/// One step of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    /// Step id, as used by `--expect`.
    pub step: &'static str,
    /// What the step did.
    pub action: &'static str,
    /// HTTP status of the deciding response.
    pub status: Option<u16>,
    /// Reason code of that response.
    pub reason: Option<String>,
    /// The expected outcome; `None` for informational steps.
    pub expected: Option<Expected>,
    /// Time from the end of the revoking step to the first rejection, or
    /// from clearing a fault to recovery, in milliseconds.
    pub took_ms: Option<u64>,
    /// The path that made the back end reject a replayed token.
    pub caught_by: Option<CaughtBy>,
    /// Details: Retry-After, attempts, why a step failed.
    pub note: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
}

impl StepRecord {
    /// A step with no outcome yet.
    pub fn new(step: &'static str, action: &'static str) -> Self {
        StepRecord {
            step,
            action,
            status: None,
            reason: None,
            expected: None,
            took_ms: None,
            caught_by: None,
            note: None,
            verdict: Verdict::Info,
        }
    }

    /// Sets the observed outcome.
    #[must_use]
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.status = outcome.status;
        self.reason = outcome.reason;
        self
    }

    /// Sets the expected outcome.
    #[must_use]
    pub fn expect(mut self, expected: Expected) -> Self {
        self.expected = Some(expected);
        self
    }

    /// Sets the time the step measured.
    #[must_use]
    pub fn took(mut self, took: Duration) -> Self {
        self.took_ms = Some(u64::try_from(took.as_millis()).unwrap_or(u64::MAX));
        self
    }

    /// Sets the revocation path.
    #[must_use]
    pub fn caught_by(mut self, path: Option<CaughtBy>) -> Self {
        self.caught_by = path;
        self
    }

    /// Sets the note.
    #[must_use]
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    fn judge(mut self) -> Self {
        let outcome = Outcome {
            status: self.status,
            reason: self.reason.clone(),
        };
        self.verdict = match &self.expected {
            Some(expected) if expected.matches(&outcome) => Verdict::Ok,
            Some(_) => Verdict::Unexpected,
            None => Verdict::Info,
        };
        self
    }
}

/// The end of a scenario before its last step: the step that made going
/// on pointless is already recorded.
#[derive(Debug)]
pub struct Stop(pub String);

/// The result of one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    /// Scenario name.
    pub scenario: &'static str,
    /// One-line description.
    pub title: &'static str,
    /// Why it did not run, when skipped.
    pub skipped: Option<String>,
    /// Why it ended before its last step.
    pub stopped: Option<String>,
    /// The steps that ran.
    pub steps: Vec<StepRecord>,
}

impl ScenarioReport {
    /// A scenario that did not run.
    pub fn skipped(scenario: Scenario, reason: String) -> Self {
        ScenarioReport {
            scenario: scenario.name(),
            title: scenario.title(),
            skipped: Some(reason),
            stopped: None,
            steps: Vec::new(),
        }
    }

    /// Tells whether no step's outcome differs from the expected one. A
    /// skipped scenario passes, because it asserts nothing; a scenario
    /// stopped early fails through the unexpected step that stopped it.
    pub fn passed(&self) -> bool {
        self.steps
            .iter()
            .all(|step| step.verdict != Verdict::Unexpected)
    }
}

/// Collects the steps of one scenario.
#[derive(Debug)]
pub struct Recorder<'a> {
    scenario: Scenario,
    overrides: &'a Overrides,
    steps: Vec<StepRecord>,
}

impl<'a> Recorder<'a> {
    /// Starts the record of `scenario`.
    pub fn new(scenario: Scenario, overrides: &'a Overrides) -> Self {
        Recorder {
            scenario,
            overrides,
            steps: Vec::new(),
        }
    }

    /// Returns the expected outcome of `step`: an `--expect` override,
    /// else `default`.
    pub fn expected(&self, step: &str, default: Expected) -> Expected {
        self.overrides.expected(self.scenario.name(), step, default)
    }

    /// Records `step`; a step whose outcome is unexpected stops the
    /// scenario, because later steps build on it.
    ///
    /// # Errors
    /// [`Stop`] when the step's verdict is [`Verdict::Unexpected`].
    pub fn push(&mut self, step: StepRecord) -> Result<(), Stop> {
        let step = step.judge();
        let verdict = step.verdict;
        let id = step.step;
        tracing::info!(
            scenario = self.scenario.name(),
            step = id,
            status = step.status,
            reason = step.reason.as_deref().unwrap_or("-"),
            ?verdict,
            "step recorded"
        );
        self.steps.push(step);

        if verdict == Verdict::Unexpected {
            return Err(Stop(format!("step {id} did not go as expected")));
        }
        Ok(())
    }

    /// Records `step` and stops whatever its verdict, for a step whose
    /// failure leaves nothing to go on with (no tokens, for example).
    pub fn push_and_stop(&mut self, step: StepRecord, reason: &str) -> Stop {
        match self.push(step) {
            Err(stop) => stop,
            Ok(()) => Stop(reason.to_owned()),
        }
    }

    /// Ends the record. `result` is `Err` when the scenario stopped early.
    pub fn finish(self, result: Result<(), Stop>) -> ScenarioReport {
        ScenarioReport {
            scenario: self.scenario.name(),
            title: self.scenario.title(),
            skipped: None,
            stopped: result.err().map(|stop| stop.0),
            steps: self.steps,
        }
    }
}
