//! The JOSE header members the verifier reads before choosing a key.

use serde_json::Value;

use super::error::TokenError;

/// The header members that matter for verification. Every other member,
/// including `jku`, `jwk`, `x5u` and `x5c`, is ignored: keys come only from
/// the configured issuer, never from the token itself.
#[derive(Debug)]
pub(crate) struct JoseHeader {
    pub(crate) alg: String,
    pub(crate) kid: Option<String>,
    pub(crate) typ: Option<String>,
}

/// A header as parsed: the members the verifier reads, each in its own
/// slot, and the names of the others (their values are skipped unread).
#[derive(Default)]
pub(crate) struct RawHeader {
    alg: Option<Value>,
    kid: Option<Value>,
    typ: Option<Value>,
    crit: Option<Value>,
    others: Vec<String>,
}

impl RawHeader {
    /// Returns the slot of a member the verifier reads, or `None`.
    pub(crate) fn slot(&mut self, name: &str) -> Option<&mut Option<Value>> {
        match name {
            "alg" => Some(&mut self.alg),
            "kid" => Some(&mut self.kid),
            "typ" => Some(&mut self.typ),
            "crit" => Some(&mut self.crit),
            _ => None,
        }
    }

    /// Records a member that is not read; `false` when it was already seen.
    pub(crate) fn note_other(&mut self, name: &str) -> bool {
        if self.others.iter().any(|seen| seen == name) {
            return false;
        }
        self.others.push(name.to_owned());
        true
    }
}

impl JoseHeader {
    pub(crate) fn from_raw(raw: RawHeader) -> Result<Self, TokenError> {
        // This verifier implements no JWS extension, so any `crit` entry
        // makes the token one it must not accept (RFC 7515 section 4.1.11).
        if let Some(crit) = &raw.crit {
            let names = match crit {
                Value::Array(items) => items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .map_or_else(|| item.to_string(), str::to_owned)
                    })
                    .collect(),
                other => vec![other.to_string()],
            };
            return Err(TokenError::UnsupportedCriticalHeader { names });
        }

        let alg = match raw.alg {
            Some(Value::String(alg)) => alg,
            _ => return Err(TokenError::InvalidHeader { member: "alg" }),
        };

        Ok(JoseHeader {
            alg,
            kid: optional_string(raw.kid, "kid")?,
            typ: optional_string(raw.typ, "typ")?,
        })
    }
}

fn optional_string(
    value: Option<Value>,
    member: &'static str,
) -> Result<Option<String>, TokenError> {
    match value {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(TokenError::InvalidHeader { member }),
    }
}

/// Compares two `typ` values as media types: case-insensitively, with the
/// `application/` prefix optional (RFC 7515 section 4.1.9).
pub(crate) fn token_type_matches(actual: &str, expected: &str) -> bool {
    normalise_media_type(actual) == normalise_media_type(expected)
}

fn normalise_media_type(value: &str) -> String {
    let lower = value.to_ascii_lowercase();
    match lower.strip_prefix("application/") {
        Some(rest) if !rest.contains('/') => rest.to_owned(),
        _ => lower,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn from_object(value: Value) -> Result<JoseHeader, TokenError> {
        let Value::Object(object) = value else {
            unreachable!("test input is an object")
        };
        let mut raw = RawHeader::default();
        for (name, value) in object {
            match raw.slot(&name) {
                Some(slot) => *slot = Some(value),
                None => assert!(raw.note_other(&name)),
            }
        }
        JoseHeader::from_raw(raw)
    }

    #[test]
    fn from_object_reads_alg_kid_typ() {
        let header = from_object(json!({"alg": "RS256", "kid": "k1", "typ": "JWT"})).unwrap();
        assert_eq!(header.alg, "RS256");
        assert_eq!(header.kid.as_deref(), Some("k1"));
        assert_eq!(header.typ.as_deref(), Some("JWT"));
    }

    #[test]
    fn from_object_rejects_crit() {
        let error = from_object(json!({"alg": "RS256", "crit": ["exp"]})).unwrap_err();
        assert!(
            matches!(error, TokenError::UnsupportedCriticalHeader { .. }),
            "{error}"
        );
    }

    #[test]
    fn from_object_rejects_missing_or_numeric_alg() {
        for header in [json!({"kid": "k1"}), json!({"alg": 1})] {
            let error = from_object(header).unwrap_err();
            assert!(
                matches!(error, TokenError::InvalidHeader { member: "alg" }),
                "{error}"
            );
        }
    }

    #[test]
    fn from_object_rejects_numeric_kid() {
        let error = from_object(json!({"alg": "RS256", "kid": 7})).unwrap_err();
        assert!(
            matches!(error, TokenError::InvalidHeader { member: "kid" }),
            "{error}"
        );
    }

    #[test]
    fn token_type_matches_as_media_type() {
        assert!(token_type_matches("at+jwt", "at+jwt"));
        assert!(token_type_matches("application/at+jwt", "at+jwt"));
        assert!(token_type_matches("AT+JWT", "application/at+jwt"));
        assert!(!token_type_matches("JWT", "at+jwt"));
        assert!(!token_type_matches("application/x/at+jwt", "at+jwt"));
    }
}
