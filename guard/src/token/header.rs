//! The JOSE header members the verifier reads before choosing a key.

use serde_json::{Map, Value};

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

impl JoseHeader {
    pub(crate) fn from_object(object: &Map<String, Value>) -> Result<Self, TokenError> {
        // This verifier implements no JWS extension, so any `crit` entry
        // makes the token one it must not accept (RFC 7515 section 4.1.11).
        if let Some(crit) = object.get("crit") {
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

        let alg = match object.get("alg") {
            Some(Value::String(alg)) => alg.clone(),
            _ => return Err(TokenError::InvalidHeader { member: "alg" }),
        };

        Ok(JoseHeader {
            alg,
            kid: optional_string(object, "kid")?,
            typ: optional_string(object, "typ")?,
        })
    }
}

fn optional_string(
    object: &Map<String, Value>,
    member: &'static str,
) -> Result<Option<String>, TokenError> {
    match object.get(member) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
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

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(object) => object,
            _ => unreachable!("test input is an object"),
        }
    }

    #[test]
    fn from_object_reads_alg_kid_typ() {
        let header =
            JoseHeader::from_object(&object(json!({"alg": "RS256", "kid": "k1", "typ": "JWT"})))
                .unwrap();
        assert_eq!(header.alg, "RS256");
        assert_eq!(header.kid.as_deref(), Some("k1"));
        assert_eq!(header.typ.as_deref(), Some("JWT"));
    }

    #[test]
    fn from_object_rejects_crit() {
        let error =
            JoseHeader::from_object(&object(json!({"alg": "RS256", "crit": ["exp"]}))).unwrap_err();
        assert!(
            matches!(error, TokenError::UnsupportedCriticalHeader { .. }),
            "{error}"
        );
    }

    #[test]
    fn from_object_rejects_missing_or_numeric_alg() {
        for header in [json!({"kid": "k1"}), json!({"alg": 1})] {
            let error = JoseHeader::from_object(&object(header)).unwrap_err();
            assert!(
                matches!(error, TokenError::InvalidHeader { member: "alg" }),
                "{error}"
            );
        }
    }

    #[test]
    fn from_object_rejects_numeric_kid() {
        let error =
            JoseHeader::from_object(&object(json!({"alg": "RS256", "kid": 7}))).unwrap_err();
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
