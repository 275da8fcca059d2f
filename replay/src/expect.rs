//! Expected and observed outcomes of a step, and the `--expect` overrides
//! that replace an expected outcome.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// The HTTP status a step expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ExpectedStatus {
    /// Exactly this status.
    Exact(u16),
    /// Any status from 400 to 599. Used where Okta documents the error code
    /// but not the status, such as a token request refused by a token
    /// inline hook (`server_error`).
    #[serde(serialize_with = "serialize_any_error")]
    AnyError,
}

fn serialize_any_error<S: serde::Serializer>(serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str("error")
}

impl ExpectedStatus {
    fn matches(self, status: Option<u16>) -> bool {
        match (self, status) {
            (ExpectedStatus::Exact(expected), Some(status)) => expected == status,
            (ExpectedStatus::AnyError, Some(status)) => (400..600).contains(&status),
            (_, None) => false,
        }
    }
}

impl fmt::Display for ExpectedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedStatus::Exact(status) => write!(f, "{status}"),
            ExpectedStatus::AnyError => f.write_str("4xx/5xx"),
        }
    }
}

/// The outcome a step should have: a status and, where the server sends
/// one, a reason code (the back end's problem `reason`, or an OAuth `error`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expected {
    /// Expected HTTP status.
    pub status: ExpectedStatus,
    /// Expected reason code; `None` means the step's reason is not checked.
    pub reason: Option<String>,
}

impl Expected {
    /// Expects `status` and no particular reason.
    pub fn status(status: u16) -> Self {
        Expected {
            status: ExpectedStatus::Exact(status),
            reason: None,
        }
    }

    /// Expects `status` with reason code `reason`.
    pub fn rejected(status: u16, reason: &str) -> Self {
        Expected {
            status: ExpectedStatus::Exact(status),
            reason: Some(reason.to_owned()),
        }
    }

    /// Expects a 200 that the back end allowed.
    pub fn allowed() -> Self {
        Expected::rejected(200, crate::api::ALLOWED)
    }

    /// Tells whether `outcome` is what this expects.
    pub fn matches(&self, outcome: &Outcome) -> bool {
        let reason_matches = match &self.reason {
            Some(reason) => outcome.reason.as_deref() == Some(reason.as_str()),
            None => true,
        };
        self.status.matches(outcome.status) && reason_matches
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            Some(reason) => write!(f, "{} {reason}", self.status),
            None => write!(f, "{}", self.status),
        }
    }
}

/// Parses `STATUS` or `STATUS:REASON`, where `STATUS` is a number from 100
/// to 599 or `error` (any 4xx or 5xx).
impl FromStr for Expected {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (status, reason) = match text.split_once(':') {
            Some((status, reason)) => (status, Some(reason)),
            None => (text, None),
        };

        let status = match status {
            "error" => ExpectedStatus::AnyError,
            number => match number.parse::<u16>() {
                Ok(code) if (100..600).contains(&code) => ExpectedStatus::Exact(code),
                _ => {
                    return Err(format!(
                        "invalid status {number:?}; write a number from 100 to 599 or `error`"
                    ));
                }
            },
        };
        let reason = match reason {
            Some("") => {
                return Err(
                    "empty reason after `:`; write `STATUS:REASON` or only `STATUS`".to_owned(),
                );
            }
            Some(reason) => Some(reason.to_owned()),
            None => None,
        };
        Ok(Expected { status, reason })
    }
}

/// What a step observed: an HTTP status and a reason code, each absent
/// when the step sent no request or the response carried none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// HTTP status of the step's deciding response.
    pub status: Option<u16>,
    /// The back end's problem `reason`, `allowed` for a 2xx from the back
    /// end, or the OAuth `error` code of a token endpoint error.
    pub reason: Option<String>,
}

impl Outcome {
    /// An outcome with `status` and optional `reason`.
    pub fn new(status: u16, reason: Option<String>) -> Self {
        Outcome {
            status: Some(status),
            reason,
        }
    }
}

/// Replacement expectations from `--expect SCENARIO.STEP=STATUS[:REASON]`,
/// keyed by `SCENARIO.STEP`.
#[derive(Debug, Clone, Default)]
pub struct Overrides(BTreeMap<String, Expected>);

impl Overrides {
    /// Returns the override for `scenario.step`, else `default`.
    pub fn expected(&self, scenario: &str, step: &str, default: Expected) -> Expected {
        self.0
            .get(&format!("{scenario}.{step}"))
            .cloned()
            .unwrap_or(default)
    }

    /// Adds an override; a later one for the same step replaces the earlier.
    pub fn insert(&mut self, key: String, expected: Expected) {
        self.0.insert(key, expected);
    }

    /// Returns the `SCENARIO.STEP` keys of every override.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// Parses one `--expect` value, `SCENARIO.STEP=STATUS[:REASON]`.
///
/// # Errors
/// A message naming the malformed part and the expected form.
pub fn parse_override(text: &str) -> Result<(String, Expected), String> {
    let Some((key, expected)) = text.split_once('=') else {
        return Err(format!(
            "invalid --expect {text:?}; write SCENARIO.STEP=STATUS[:REASON], for example logout.replay=401:session_ended"
        ));
    };
    if key
        .split_once('.')
        .is_none_or(|(scenario, step)| scenario.is_empty() || step.is_empty())
    {
        return Err(format!(
            "invalid step {key:?} in --expect; write SCENARIO.STEP, for example logout.replay"
        ));
    }
    let expected = expected
        .parse()
        .map_err(|error| format!("invalid --expect {text:?}: {error}"))?;
    Ok((key.to_owned(), expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_parses_status_and_reason() {
        let expected: Expected = "401:session_ended".parse().expect("valid");

        assert_eq!(expected, Expected::rejected(401, "session_ended"));
    }

    #[test]
    fn expected_parses_any_error() {
        let expected: Expected = "error:server_error".parse().expect("valid");

        assert_eq!(expected.status, ExpectedStatus::AnyError);
    }

    #[test]
    fn expected_rejects_bad_status() {
        let error = "4O1".parse::<Expected>().expect_err("not a number");

        assert!(error.contains("\"4O1\""), "{error}");
    }

    #[test]
    fn expected_rejects_empty_reason() {
        assert!("401:".parse::<Expected>().is_err());
    }

    #[test]
    fn matches_checks_reason() {
        let expected = Expected::rejected(401, "session_ended");

        assert!(expected.matches(&Outcome::new(401, Some("session_ended".into()))));
        assert!(!expected.matches(&Outcome::new(401, Some("token_expired".into()))));
        assert!(!expected.matches(&Outcome::default()));
    }

    #[test]
    fn matches_any_error() {
        let expected: Expected = "error".parse().expect("valid");

        assert!(expected.matches(&Outcome::new(500, None)));
        assert!(!expected.matches(&Outcome::new(302, None)));
    }

    #[test]
    fn any_error_serializes_as_error() {
        let expected: Expected = "error:server_error".parse().expect("valid");

        let json = serde_json::to_value(&expected).expect("serializes");

        assert_eq!(json["status"], "error");
    }

    #[test]
    fn override_parses() {
        let (key, expected) = parse_override("logout.replay=200:allowed").expect("valid");

        assert_eq!(key, "logout.replay");
        assert_eq!(expected, Expected::allowed());
    }

    #[test]
    fn override_needs_step() {
        let error = parse_override("logout=200").expect_err("no step");

        assert!(error.contains("SCENARIO.STEP"), "{error}");
    }

    #[test]
    fn overrides_replace_default() {
        let mut overrides = Overrides::default();
        overrides.insert("logout.replay".into(), Expected::status(200));

        let replaced = overrides.expected("logout", "replay", Expected::status(401));
        let kept = overrides.expected("logout", "call", Expected::status(401));

        assert_eq!(replaced, Expected::status(200));
        assert_eq!(kept, Expected::status(401));
    }
}
