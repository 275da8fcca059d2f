//! The rows of the decoded-token panel, with the session claim singled
//! out so that the link between token and Okta session is visible.

use serde_json::Value;

use crate::jwt::JsonObject;
use crate::time_format;

/// NumericDate claims shown with their UTC time as well.
const TIME_CLAIMS: [&str; 4] = ["exp", "iat", "nbf", "auth_time"];

/// One claim as displayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRow {
    /// Claim name.
    pub name: String,
    /// Value as text: strings bare, arrays of strings space separated,
    /// other JSON as JSON.
    pub value: String,
    /// This is the session claim.
    pub session: bool,
    /// Extra explanation, such as the UTC time of `exp`.
    pub note: Option<String>,
}

/// Whether an access token carries the session claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionBinding {
    /// The claim contains this Okta session id.
    Bound(String),
    /// The claim is missing or not a string: the back end's live-session
    /// routes reject the token as `not_session_bound`.
    Missing,
}

/// Builds the rows for a claims set, in claim-name order.
pub fn claim_rows(claims: &JsonObject, session_claim: &str) -> Vec<ClaimRow> {
    // Sorted here because `serde_json::Map` keeps insertion order when any
    // crate in the build enables its `preserve_order` feature.
    let mut entries: Vec<(&String, &Value)> = claims.iter().collect();
    entries.sort_by(|left, right| left.0.cmp(right.0));

    entries
        .into_iter()
        .map(|(name, value)| {
            let session = name == session_claim;
            let note = if session {
                Some(
                    "Okta session id: the back end asks Okta whether this session is still active"
                        .to_owned(),
                )
            } else if TIME_CLAIMS.contains(&name.as_str()) {
                value.as_i64().map(time_format::utc)
            } else {
                None
            };
            ClaimRow {
                name: name.clone(),
                value: display_value(value),
                session,
                note,
            }
        })
        .collect()
}

/// Finds the session claim.
pub fn session_binding(claims: &JsonObject, session_claim: &str) -> SessionBinding {
    match claims.get(session_claim).and_then(Value::as_str) {
        Some(id) if !id.is_empty() => SessionBinding::Bound(id.to_owned()),
        _ => SessionBinding::Missing,
    }
}

fn display_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims() -> JsonObject {
        json!({
            "sub": "demo@example.com",
            "okta_sid": "102abcdefghijklmnopqrstuv",
            "scp": ["openid", "demo.read"],
            "exp": 1_700_000_000,
            "ver": 1
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn row<'a>(rows: &'a [ClaimRow], name: &str) -> &'a ClaimRow {
        rows.iter().find(|row| row.name == name).unwrap()
    }

    #[test]
    fn rows_highlight_session_claim() {
        let rows = claim_rows(&claims(), "okta_sid");
        assert!(row(&rows, "okta_sid").session);
    }

    #[test]
    fn rows_highlight_only_session_claim() {
        let rows = claim_rows(&claims(), "okta_sid");
        assert_eq!(rows.iter().filter(|row| row.session).count(), 1);
    }

    #[test]
    fn rows_other_session_claim_name() {
        let rows = claim_rows(&claims(), "session_id");
        assert!(rows.iter().all(|row| !row.session));
    }

    #[test]
    fn rows_sorted_by_name() {
        let rows = claim_rows(&claims(), "okta_sid");
        let names: Vec<&str> = rows.iter().map(|row| row.name.as_str()).collect();
        assert_eq!(names, ["exp", "okta_sid", "scp", "sub", "ver"]);
    }

    #[test]
    fn rows_scope_list() {
        let rows = claim_rows(&claims(), "okta_sid");
        assert_eq!(row(&rows, "scp").value, "openid demo.read");
    }

    #[test]
    fn rows_time_note() {
        let rows = claim_rows(&claims(), "okta_sid");
        assert_eq!(
            row(&rows, "exp").note.as_deref(),
            Some("2023-11-14 22:13:20 UTC")
        );
    }

    #[test]
    fn rows_number_value() {
        let rows = claim_rows(&claims(), "okta_sid");
        assert_eq!(row(&rows, "ver").value, "1");
    }

    #[test]
    fn binding_present() {
        assert_eq!(
            session_binding(&claims(), "okta_sid"),
            SessionBinding::Bound("102abcdefghijklmnopqrstuv".to_owned())
        );
    }

    #[test]
    fn binding_missing() {
        assert_eq!(session_binding(&claims(), "sid_x"), SessionBinding::Missing);
    }

    #[test]
    fn binding_not_string() {
        let mut claims = claims();
        claims.insert("okta_sid".to_owned(), json!(102));
        assert_eq!(
            session_binding(&claims, "okta_sid"),
            SessionBinding::Missing
        );
    }
}
