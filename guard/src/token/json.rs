//! Decoding of the base64url JSON segments of a compact JWS.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// Decodes one segment of a compact JWS: base64url without padding
/// (RFC 7515 section 2). Non-canonical trailing bits are rejected too, so
/// every token has exactly one encoding.
pub(crate) fn decode_segment(segment: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(segment).ok()
}

/// Parses a JSON object and rejects duplicate member names at its top level.
///
/// RFC 7515 section 5.2 and RFC 7519 section 4 let a parser either reject
/// duplicates or keep the last one. Rejecting them rules out a token whose
/// `iss` or `aud` reads differently to another parser.
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let object = deserializer.deserialize_map(UniqueKeysVisitor)?;
    deserializer.end()?;
    Ok(object)
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = Map<String, Value>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut object = Map::new();

        while let Some(name) = access.next_key::<String>()? {
            let value = access.next_value::<Value>()?;
            if object.contains_key(&name) {
                return Err(de::Error::custom(format_args!("duplicate member {name:?}")));
            }
            object.insert(name, value);
        }

        Ok(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_object_accepts_object() {
        let object = parse_object(br#"{"alg":"RS256","kid":"k1"}"#).unwrap();
        assert_eq!(object.get("kid"), Some(&Value::from("k1")));
    }

    #[test]
    fn parse_object_rejects_duplicate_member() {
        let error = parse_object(br#"{"iss":"a","iss":"b"}"#).unwrap_err();
        assert!(
            error.to_string().contains("duplicate member \"iss\""),
            "{error}"
        );
    }

    #[test]
    fn parse_object_rejects_non_objects() {
        for input in [&b"[]"[..], b"\"x\"", b"1", b"{} {}", b"{"] {
            assert!(parse_object(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn decode_segment_rejects_padding_and_standard_alphabet() {
        assert_eq!(decode_segment("e30"), Some(b"{}".to_vec()));
        assert_eq!(decode_segment("e30="), None);
        assert_eq!(decode_segment("+/8"), None);
        // "e31" has non-zero trailing bits: a second spelling of "{}".
        assert_eq!(decode_segment("e31"), None);
    }
}
