//! Decoding of the base64url JSON segments of a compact JWS.

use std::borrow::Cow;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use super::claims::{ClaimName, RawClaims};
use super::header::RawHeader;

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

/// Parses a JWT payload into [`RawClaims`] in one pass, rejecting
/// duplicate claim names as [`parse_object`] does.
pub(crate) fn parse_claims(bytes: &[u8]) -> Result<RawClaims, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let claims = deserializer.deserialize_map(ClaimsVisitor)?;
    deserializer.end()?;
    Ok(claims)
}

struct ClaimsVisitor;

impl<'de> Visitor<'de> for ClaimsVisitor {
    type Value = RawClaims;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut claims = RawClaims::default();

        while let Some(name) = access.next_key::<ClaimName>()? {
            let value = access.next_value::<Value>()?;
            if let Err(name) = claims.insert(name, value) {
                return Err(de::Error::custom(format_args!("duplicate member {name:?}")));
            }
        }

        Ok(claims)
    }
}

/// Parses a JOSE header into [`RawHeader`], rejecting duplicate member
/// names as [`parse_object`] does.
pub(crate) fn parse_header(bytes: &[u8]) -> Result<RawHeader, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let header = deserializer.deserialize_map(HeaderVisitor)?;
    deserializer.end()?;
    Ok(header)
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = RawHeader;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut header = RawHeader::default();

        while let Some(MemberName(name)) = access.next_key()? {
            let fresh = match header.slot(&name) {
                Some(slot) => slot.replace(access.next_value::<Value>()?).is_none(),
                None => {
                    access.next_value::<de::IgnoredAny>()?;
                    header.note_other(&name)
                }
            };
            if !fresh {
                return Err(de::Error::custom(format_args!("duplicate member {name:?}")));
            }
        }

        Ok(header)
    }
}

/// A member name, borrowed from the input unless it contains escapes.
struct MemberName<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(MemberNameVisitor)
    }
}

struct MemberNameVisitor;

impl<'de> Visitor<'de> for MemberNameVisitor {
    type Value = MemberName<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Self::Value, E> {
        Ok(MemberName(Cow::Borrowed(name)))
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(MemberName(Cow::Owned(name.to_owned())))
    }
}

impl<'de> Deserialize<'de> for ClaimName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(ClaimNameVisitor)
    }
}

/// Reads a member name without allocating for the claims that have a slot.
struct ClaimNameVisitor;

impl Visitor<'_> for ClaimNameVisitor {
    type Value = ClaimName;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(ClaimName::of(name))
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
    fn parse_claims_rejects_duplicate_claims() {
        for payload in [
            &br#"{"iss":"a","iss":"b"}"#[..],
            br#"{"okta_sid":"a","okta_sid":"b"}"#,
            // An escaped name is the same name.
            br#"{"iss":"a","\u0069ss":"b"}"#,
        ] {
            let error = parse_claims(payload).map(|_| ()).unwrap_err();
            assert!(error.to_string().contains("duplicate member"), "{error}");
        }
    }

    #[test]
    fn parse_header_rejects_duplicate_members() {
        for header in [
            &br#"{"alg":"RS256","alg":"none"}"#[..],
            br#"{"alg":"RS256","x5u":"a","x5u":"b"}"#,
        ] {
            let error = parse_header(header).map(|_| ()).unwrap_err();
            assert!(error.to_string().contains("duplicate member"), "{error}");
        }
    }

    #[test]
    fn parse_claims_rejects_non_objects() {
        for input in [&b"[]"[..], b"\"x\"", b"1", b"{} {}", b"{"] {
            assert!(parse_claims(input).is_err(), "{input:?}");
        }
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
