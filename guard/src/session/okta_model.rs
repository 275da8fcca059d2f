//! Serde types for the parts of Okta's Management API the guard reads:
//! the `Session` object and the error body.
//!
//! Every field the guard does not need is optional and unknown fields are
//! ignored, so additions to Okta's schema never break parsing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Okta's `Session` object, as returned by `GET /api/v1/sessions/{sessionId}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OktaSession {
    /// The session id.
    pub id: String,
    /// Id of the user the session belongs to.
    pub user_id: String,
    /// The user's login (username).
    #[serde(default)]
    pub login: Option<String>,
    /// When the session was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// When the session expires unless refreshed.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Current session status.
    pub status: SessionStatus,
    /// Last primary or step-up password authentication.
    #[serde(default)]
    pub last_password_verification: Option<DateTime<Utc>>,
    /// Last multifactor authentication.
    #[serde(default)]
    pub last_factor_verification: Option<DateTime<Utc>>,
    /// Authentication methods, as Okta's short codes (`pwd`, `mfa`, `otp`, …).
    /// Kept as strings so that a code Okta adds later does not fail parsing.
    #[serde(default)]
    pub amr: Vec<String>,
    /// Identity provider that authenticated the user.
    #[serde(default)]
    pub idp: Option<SessionIdp>,
}

/// Okta's `SessionIdentityProvider`.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionIdp {
    /// Identity provider id (the org id when `type` is `OKTA`).
    #[serde(default)]
    pub id: Option<String>,
    /// `ACTIVE_DIRECTORY`, `FEDERATION`, `LDAP`, `OKTA` or `SOCIAL`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// Okta's `SessionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SessionStatus {
    /// The session is established and fully validated.
    Active,
    /// The session is established, but the user must enroll a second factor.
    MfaEnroll,
    /// The session is established, but requires second factor verification.
    MfaRequired,
    /// A status this version does not know. Never accepted.
    #[serde(other)]
    Unknown,
}

impl SessionStatus {
    /// Returns Okta's spelling of the status.
    pub const fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Active => "ACTIVE",
            SessionStatus::MfaEnroll => "MFA_ENROLL",
            SessionStatus::MfaRequired => "MFA_REQUIRED",
            SessionStatus::Unknown => "UNKNOWN",
        }
    }
}

/// Okta's `Error` body (`errorCode` such as `E0000007` for "not found" or
/// `E0000047` for "too many requests").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OktaErrorBody {
    /// Okta's error code.
    #[serde(default)]
    pub error_code: Option<String>,
    /// Human-readable summary.
    #[serde(default)]
    pub error_summary: Option<String>,
    /// Id to quote to Okta support.
    #[serde(default)]
    pub error_id: Option<String>,
}

/// Okta's error code for a resource that does not exist.
pub const E_NOT_FOUND: &str = "E0000007";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_parses_okta_example() {
        let body = r#"{
            "amr": ["pwd"],
            "createdAt": "2019-08-24T14:15:22Z",
            "expiresAt": "2019-08-24T14:15:22Z",
            "id": "l7FbDVqS8zHSy65uJD85",
            "idp": {"id": "01a2bcdef3GHIJKLMNOP", "type": "ACTIVE_DIRECTORY"},
            "lastFactorVerification": "2019-08-24T14:15:22Z",
            "lastPasswordVerification": "2019-08-24T14:15:22Z",
            "login": "user@example.com",
            "status": "ACTIVE",
            "userId": "00u0abcdefGHIJKLMNOP",
            "_links": {"self": {"hints": {"allow": ["DELETE"]}},
                       "href": "https://example.okta.com/api/v1/sessions/l7FbDVqS8zHSy65uJD85"}
        }"#;
        let session: OktaSession = serde_json::from_str(body).expect("example parses");
        assert_eq!(session.user_id, "00u0abcdefGHIJKLMNOP");
        assert_eq!(session.status, SessionStatus::Active);
        assert!(session.expires_at.is_some());
    }

    #[test]
    fn session_tolerates_unknown_fields_and_status() {
        let body =
            r#"{"id":"x","userId":"u","status":"SOMETHING_NEW","newField":{"a":1},"amr":["zzz"]}"#;
        let session: OktaSession = serde_json::from_str(body).expect("tolerant parse");
        assert_eq!(session.status, SessionStatus::Unknown);
    }

    #[test]
    fn status_parses_mfa_values() {
        let required: SessionStatus = serde_json::from_str(r#""MFA_REQUIRED""#).expect("parses");
        let enroll: SessionStatus = serde_json::from_str(r#""MFA_ENROLL""#).expect("parses");
        assert_eq!(required, SessionStatus::MfaRequired);
        assert_eq!(enroll, SessionStatus::MfaEnroll);
    }

    #[test]
    fn error_body_parses() {
        let body = r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: x (Session)","errorLink":"E0000007","errorId":"oae1","errorCauses":[]}"#;
        let error: OktaErrorBody = serde_json::from_str(body).expect("parses");
        assert_eq!(error.error_code.as_deref(), Some(E_NOT_FOUND));
    }
}
