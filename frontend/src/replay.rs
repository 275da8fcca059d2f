//! The replay lab's bookkeeping: the attacker's stolen copy of an access
//! token and the stopwatch from sign-out to the first refused replay.
//!
//! The copy lives in sessionStorage under the attacker's own key because
//! sign-out is a full-page redirect through Okta, which wipes the app's
//! in-memory state. It stands for a token exfiltrated by an attacker; the
//! app itself never reads it back.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::jwt::fingerprint;

/// sessionStorage key of the attacker's stolen copy.
pub const STOLEN_COPY_KEY: &str = "replay-lab.stolen-copy";

/// sessionStorage key of the time the user clicked sign-out, in
/// milliseconds since the Unix epoch.
pub const SIGNED_OUT_AT_KEY: &str = "replay-lab.signed-out-at";

/// Pause between automatic replays after sign-out, in milliseconds.
pub const AUTO_REPLAY_INTERVAL_MS: u32 = 1000;

/// Automatic replays before the lab gives up: 90 at one per second covers
/// the back end's default 30-second verdict cache three times over.
pub const MAX_AUTO_REPLAYS: u32 = 90;

/// The attacker's copy of an access token.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct StolenCopy {
    /// The compact access token, exactly as copied.
    pub token: String,
    /// When it was copied, in milliseconds since the Unix epoch.
    pub stolen_at_ms: f64,
}

impl fmt::Debug for StolenCopy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StolenCopy")
            .field("token", &fingerprint(&self.token))
            .field("stolen_at_ms", &self.stolen_at_ms)
            .finish()
    }
}

impl StolenCopy {
    /// Reads a copy saved by [`StolenCopy::to_json`]; `None` when the
    /// text is not one.
    pub fn from_json(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    /// Serializes the copy for sessionStorage.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "token": self.token, "stolen_at_ms": self.stolen_at_ms }).to_string()
    }
}

/// Parses the stored sign-out time.
pub fn parse_signed_out_at(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|ms| ms.is_finite() && *ms > 0.0)
}

/// The measured revocation: how long after sign-out the first replay was
/// refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Revocation {
    /// Milliseconds from the sign-out click to the refused replay's response.
    pub delay_ms: f64,
    /// Replays sent after sign-out, the refused one included.
    pub attempts: u32,
}

/// Computes the revocation delay. Returns `None` without a sign-out time,
/// or when the refusal came first, because then the copy was rejected for
/// another reason while still signed in.
pub fn revocation(
    signed_out_at_ms: Option<f64>,
    refused_at_ms: f64,
    attempts: u32,
) -> Option<Revocation> {
    let signed_out_at_ms = signed_out_at_ms?;
    if refused_at_ms < signed_out_at_ms {
        return None;
    }
    Some(Revocation {
        delay_ms: refused_at_ms - signed_out_at_ms,
        attempts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_round_trip() {
        let copy = StolenCopy {
            token: "a.b.c".to_owned(),
            stolen_at_ms: 1_700_000_000_123.0,
        };
        assert_eq!(StolenCopy::from_json(&copy.to_json()), Some(copy));
    }

    #[test]
    fn copy_garbage() {
        assert_eq!(StolenCopy::from_json("not json"), None);
    }

    #[test]
    fn copy_debug_redacts() {
        let copy = StolenCopy {
            token: "secret.token.value".to_owned(),
            stolen_at_ms: 0.0,
        };
        assert!(!format!("{copy:?}").contains("secret"));
    }

    #[test]
    fn signed_out_at_parse() {
        assert_eq!(
            parse_signed_out_at("1700000000123"),
            Some(1_700_000_000_123.0)
        );
        assert_eq!(parse_signed_out_at("NaN"), None);
        assert_eq!(parse_signed_out_at(""), None);
    }

    #[test]
    fn revocation_delay() {
        let measured = revocation(Some(1_000.0), 1_850.0, 2).unwrap();
        assert_eq!(measured.delay_ms, 850.0);
        assert_eq!(measured.attempts, 2);
    }

    #[test]
    fn revocation_without_sign_out() {
        assert_eq!(revocation(None, 1_850.0, 1), None);
    }

    #[test]
    fn revocation_before_sign_out() {
        assert_eq!(revocation(Some(2_000.0), 1_850.0, 1), None);
    }
}
