//! The access-token claims the scenarios read. The token is decoded, not
//! verified: verifying it is the back end's job, and the attacker's view
//! of a token is exactly this.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// Claims of an Okta access token that the scenarios use.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AccessClaims {
    /// Okta user id (`uid`).
    pub uid: Option<String>,
    /// Token id (`jti`, `AT.…`).
    pub jti: Option<String>,
    /// The Okta session id the token inline hook stamped, if any.
    #[serde(rename = "okta_sid")]
    pub session_id: Option<String>,
}

impl AccessClaims {
    /// Decodes the payload of JWT `token`; `None` when it is not a JWT
    /// with a JSON payload.
    pub fn decode(token: &str) -> Option<AccessClaims> {
        let payload = token.split('.').nth(1)?;
        let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!("e30.{}.c2ln", URL_SAFE_NO_PAD.encode(payload))
    }

    #[test]
    fn decode_reads_session() {
        let token = jwt(r#"{"uid":"00u1","jti":"AT.1","okta_sid":"102abc"}"#);

        let claims = AccessClaims::decode(&token).expect("decodes");

        assert_eq!(claims.session_id.as_deref(), Some("102abc"));
        assert_eq!(claims.uid.as_deref(), Some("00u1"));
    }

    #[test]
    fn decode_without_session() {
        let claims = AccessClaims::decode(&jwt(r#"{"uid":"00u1"}"#)).expect("decodes");

        assert_eq!(claims.session_id, None);
    }

    #[test]
    fn decode_rejects_opaque() {
        assert!(AccessClaims::decode("opaque-token").is_none());
    }
}
