//! Token inline hook response, after Okta's `TokenHookResponse` schema.

use serde::Serialize;
use serde_json::Value;

/// Body of a `200` response to a token inline hook call: either commands
/// or an error object, never both.
#[derive(Debug, Clone, Serialize)]
pub struct TokenHookResponse {
    /// Patches to apply to the tokens being minted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commands: Option<Vec<HookCommand>>,
    /// Error object: Okta then issues no token and returns the OAuth error
    /// `server_error` with `errorSummary` as `error_description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<HookError>,
}

impl TokenHookResponse {
    /// Builds a response that applies `commands`.
    pub fn commands(commands: Vec<HookCommand>) -> Self {
        Self {
            commands: Some(commands),
            error: None,
        }
    }

    /// Builds a response that makes Okta issue no token.
    pub fn error(summary: impl Into<String>) -> Self {
        Self {
            commands: None,
            error: Some(HookError {
                error_summary: summary.into(),
            }),
        }
    }
}

/// One command: a token to patch and the operations on it.
#[derive(Debug, Clone, Serialize)]
pub struct HookCommand {
    /// `com.okta.access.patch` or `com.okta.identity.patch`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Operations, always an array.
    pub value: Vec<PatchOp>,
}

impl HookCommand {
    /// Command type that patches the access token.
    pub const ACCESS_PATCH: &'static str = "com.okta.access.patch";
    /// Command type that patches the ID token.
    pub const IDENTITY_PATCH: &'static str = "com.okta.identity.patch";

    /// Builds a command of `kind` that adds claim `name` with `value`.
    pub fn add_claim(kind: &'static str, name: &str, value: impl Into<Value>) -> Self {
        Self {
            kind,
            value: vec![PatchOp {
                op: "add",
                path: format!("/claims/{name}"),
                value: value.into(),
            }],
        }
    }
}

/// A JSON-Patch-like operation on a token.
#[derive(Debug, Clone, Serialize)]
pub struct PatchOp {
    /// `add`, `replace` or `remove`.
    pub op: &'static str,
    /// `/claims/NAME` or `/token/lifetime/expiration`.
    pub path: String,
    /// New value.
    pub value: Value,
}

/// Okta's error object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookError {
    /// Message Okta passes to the client as `error_description`.
    pub error_summary: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_claim_serializes_as_okta_expects() {
        let response = TokenHookResponse::commands(vec![HookCommand::add_claim(
            HookCommand::ACCESS_PATCH,
            "okta_sid",
            "102abc",
        )]);
        let json = serde_json::to_value(response).unwrap();
        let expected = serde_json::json!({
            "commands": [{
                "type": "com.okta.access.patch",
                "value": [{"op": "add", "path": "/claims/okta_sid", "value": "102abc"}]
            }]
        });
        assert_eq!(json, expected);
    }

    #[test]
    fn error_serializes_as_okta_expects() {
        let json = serde_json::to_value(TokenHookResponse::error("ended")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"errorSummary": "ended"}})
        );
    }
}
