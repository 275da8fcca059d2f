//! Applying a token inline hook's response with Okta's rules.
//!
//! - `commands[].type` is `com.okta.access.patch` or
//!   `com.okta.identity.patch`; `value` is always an array of JSON Patch
//!   operations `add`, `replace` or `remove`.
//! - Paths are `/claims/{name}`, `/claims/{name}/{member}` (a member of an
//!   object claim) or, with `replace`, `/token/lifetime/expiration`, whose
//!   value must be whole seconds from 300 to 86,400.
//! - `add` on an existing claim replaces it; `replace` and `remove` need the
//!   claim to exist.
//! - Reserved claims cannot be added, changed or removed.
//! - One invalid operation anywhere makes Okta skip the whole patch and
//!   issue the tokens unmodified.

use serde_json::{Map, Value};

/// Claims a hook may not add, change or remove, as Okta lists them.
pub const RESERVED_CLAIMS: [&str; 20] = [
    "sid",
    "acr",
    "amr",
    "auth_time",
    "cid",
    "cnf",
    "exp",
    "groups",
    "iat",
    "iss",
    "jti",
    "scp",
    "uid",
    "ver",
    "token_type",
    "username",
    "as_uri",
    "rpt",
    "rsi",
    "authorization_details",
];

/// Okta's bounds on a lifetime set by a hook, in seconds.
pub const LIFETIME_SECONDS: std::ops::RangeInclusive<u64> = 300..=86_400;

/// The claims and lifetimes a token request is about to sign.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenDraft {
    pub access_claims: Map<String, Value>,
    /// Access token lifetime in seconds.
    pub access_lifetime: u64,
    /// ID token claims, when an ID token is being issued.
    pub identity_claims: Option<Map<String, Value>>,
    /// ID token lifetime in seconds.
    pub identity_lifetime: u64,
}

/// Why a patch was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    #[error("response is not a JSON object with a `commands` array")]
    NotCommands,
    #[error("unknown command type {0:?}")]
    UnknownCommand(String),
    #[error("command `value` is not an array of operations")]
    ValueNotArray,
    #[error("operation is missing `op` or `path`")]
    MissingField,
    #[error("unsupported op {0:?}")]
    UnsupportedOp(String),
    #[error("unsupported path {0:?}")]
    UnsupportedPath(String),
    #[error("claim {0:?} is reserved by Okta")]
    ReservedClaim(String),
    #[error("claim value for {0:?} is missing or null")]
    InvalidValue(String),
    #[error("claim {0:?} does not exist, so it cannot be replaced or removed")]
    NoSuchClaim(String),
    #[error("token lifetime {0} is not whole seconds from 300 to 86400")]
    InvalidLifetime(String),
    #[error("identity patch sent, but no ID token is being issued")]
    NoIdentityToken,
}

/// Applies every command of `commands` to a copy of `draft` and returns it,
/// or the first problem, in which case the caller issues `draft` unchanged.
///
/// # Errors
/// Any [`PatchError`]: the whole patch is then skipped.
pub fn apply(draft: &TokenDraft, commands: &Value) -> Result<TokenDraft, PatchError> {
    let commands = commands.as_array().ok_or(PatchError::NotCommands)?;
    let mut patched = draft.clone();

    for command in commands {
        let kind = command.get("type").and_then(Value::as_str).unwrap_or("");
        let operations = command
            .get("value")
            .and_then(Value::as_array)
            .ok_or(PatchError::ValueNotArray)?;
        for operation in operations {
            match kind {
                "com.okta.access.patch" => apply_operation(
                    &mut patched.access_claims,
                    &mut patched.access_lifetime,
                    operation,
                )?,
                "com.okta.identity.patch" => {
                    let claims = patched
                        .identity_claims
                        .as_mut()
                        .ok_or(PatchError::NoIdentityToken)?;
                    apply_operation(claims, &mut patched.identity_lifetime, operation)?;
                }
                other => return Err(PatchError::UnknownCommand(other.to_owned())),
            }
        }
    }
    Ok(patched)
}

fn apply_operation(
    claims: &mut Map<String, Value>,
    lifetime: &mut u64,
    operation: &Value,
) -> Result<(), PatchError> {
    let op = operation
        .get("op")
        .and_then(Value::as_str)
        .ok_or(PatchError::MissingField)?;
    let path = operation
        .get("path")
        .and_then(Value::as_str)
        .ok_or(PatchError::MissingField)?;
    let value = operation.get("value").filter(|v| !v.is_null());

    if path == "/token/lifetime/expiration" {
        if op != "replace" {
            return Err(PatchError::UnsupportedOp(op.to_owned()));
        }
        let seconds = value
            .and_then(Value::as_u64)
            .filter(|s| LIFETIME_SECONDS.contains(s))
            .ok_or_else(|| {
                PatchError::InvalidLifetime(value.map_or("null".to_owned(), Value::to_string))
            })?;
        *lifetime = seconds;
        return Ok(());
    }

    let rest = path
        .strip_prefix("/claims/")
        .ok_or_else(|| PatchError::UnsupportedPath(path.to_owned()))?;
    let mut segments = rest.split('/');
    let name = segments.next().unwrap_or("");
    let member = segments.next();
    if name.is_empty() || segments.next().is_some() || member == Some("") {
        return Err(PatchError::UnsupportedPath(path.to_owned()));
    }
    if RESERVED_CLAIMS.contains(&name) {
        return Err(PatchError::ReservedClaim(name.to_owned()));
    }

    match (op, member) {
        ("add", None) => {
            let value = value.ok_or_else(|| PatchError::InvalidValue(name.to_owned()))?;
            claims.insert(name.to_owned(), value.clone());
        }
        ("replace", None) => {
            let value = value.ok_or_else(|| PatchError::InvalidValue(name.to_owned()))?;
            let slot = claims
                .get_mut(name)
                .ok_or_else(|| PatchError::NoSuchClaim(name.to_owned()))?;
            *slot = value.clone();
        }
        ("remove", None) => {
            claims
                .remove(name)
                .ok_or_else(|| PatchError::NoSuchClaim(name.to_owned()))?;
        }
        ("add" | "replace", Some(member)) => {
            let value = value.ok_or_else(|| PatchError::InvalidValue(path.to_owned()))?;
            let object = claims
                .get_mut(name)
                .and_then(Value::as_object_mut)
                .ok_or_else(|| PatchError::NoSuchClaim(name.to_owned()))?;
            if op == "replace" && !object.contains_key(member) {
                return Err(PatchError::NoSuchClaim(path.to_owned()));
            }
            object.insert(member.to_owned(), value.clone());
        }
        ("remove", Some(member)) => {
            claims
                .get_mut(name)
                .and_then(Value::as_object_mut)
                .and_then(|object| object.remove(member))
                .ok_or_else(|| PatchError::NoSuchClaim(path.to_owned()))?;
        }
        (other, _) => return Err(PatchError::UnsupportedOp(other.to_owned())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft() -> TokenDraft {
        TokenDraft {
            access_claims: json!({"sub": "a", "scp": ["openid"], "team": {"id": 1}})
                .as_object()
                .unwrap()
                .clone(),
            access_lifetime: 3600,
            identity_claims: None,
            identity_lifetime: 3600,
        }
    }

    fn patch(op: Value) -> Value {
        json!([{ "type": "com.okta.access.patch", "value": [op] }])
    }

    #[test]
    fn add_claim_applies() {
        let out = apply(
            &draft(),
            &patch(json!({"op": "add", "path": "/claims/okta_sid", "value": "102x"})),
        )
        .unwrap();
        assert_eq!(out.access_claims["okta_sid"], "102x");
    }

    #[test]
    fn reserved_claim_rejected() {
        for name in RESERVED_CLAIMS {
            let result = apply(
                &draft(),
                &patch(json!({"op": "add", "path": format!("/claims/{name}"), "value": "x"})),
            );
            assert_eq!(
                result,
                Err(PatchError::ReservedClaim(name.to_owned())),
                "{name}"
            );
        }
    }

    #[test]
    fn null_value_rejected() {
        let result = apply(
            &draft(),
            &patch(json!({"op": "add", "path": "/claims/x", "value": null})),
        );
        assert!(matches!(result, Err(PatchError::InvalidValue(_))));
    }

    #[test]
    fn lifetime_bounds_enforced() {
        for (seconds, ok) in [(299, false), (300, true), (86_400, true), (86_401, false)] {
            let result = apply(
                &draft(),
                &patch(
                    json!({"op": "replace", "path": "/token/lifetime/expiration", "value": seconds}),
                ),
            );
            assert_eq!(result.is_ok(), ok, "{seconds}");
        }
        let result = apply(
            &draft(),
            &patch(json!({"op": "replace", "path": "/token/lifetime/expiration", "value": "600"})),
        );
        assert!(matches!(result, Err(PatchError::InvalidLifetime(_))));
    }

    #[test]
    fn object_member_added() {
        let out = apply(
            &draft(),
            &patch(json!({"op": "add", "path": "/claims/team/name", "value": "blue"})),
        )
        .unwrap();
        assert_eq!(out.access_claims["team"]["name"], "blue");
    }

    #[test]
    fn one_bad_operation_skips_all() {
        let commands = json!([{ "type": "com.okta.access.patch", "value": [
            {"op": "add", "path": "/claims/good", "value": 1},
            {"op": "move", "path": "/claims/bad", "value": 1}
        ]}]);
        assert_eq!(
            apply(&draft(), &commands),
            Err(PatchError::UnsupportedOp("move".to_owned()))
        );
    }

    #[test]
    fn identity_patch_without_id_token_rejected() {
        let commands = json!([{ "type": "com.okta.identity.patch", "value": [
            {"op": "add", "path": "/claims/x", "value": 1}
        ]}]);
        assert_eq!(apply(&draft(), &commands), Err(PatchError::NoIdentityToken));
    }
}
