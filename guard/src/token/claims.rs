//! The claims of an Okta access token, typed.

use std::fmt;

use serde_json::{Map, Value};

use super::error::TokenError;

/// The claims of a verified access token.
///
/// Times are NumericDate values: whole seconds since the Unix epoch
/// (fractional values on the wire are rounded down). Claims this type does
/// not name, such as Okta's `ver` or the session claim added by the token
/// inline hook, are kept in [`AccessTokenClaims::extra`].
///
/// `Debug` prints the names of the extra claims but not their values,
/// because a custom claim can hold a secret such as a session id.
#[non_exhaustive]
#[derive(Clone, PartialEq)]
pub struct AccessTokenClaims {
    /// Issuer: the custom authorization server URL.
    pub iss: String,
    /// Subject: the user's login, or the client id for `client_credentials`.
    pub sub: String,
    /// Audiences (a single string on the wire becomes a one-element list).
    pub aud: Vec<String>,
    /// Expiry time, seconds since the Unix epoch.
    pub exp: u64,
    /// Issue time, seconds since the Unix epoch.
    pub iat: u64,
    /// Not-before time, seconds since the Unix epoch.
    pub nbf: Option<u64>,
    /// Token id (Okta: `AT.` followed by a random string).
    pub jti: Option<String>,
    /// OAuth client id the token was issued to.
    pub cid: Option<String>,
    /// Okta user id (`00u…`). Absent for `client_credentials` tokens.
    pub uid: Option<String>,
    /// Granted scopes, from `scp` (array) or else `scope` (space-separated).
    pub scopes: Vec<String>,
    /// Time the user authenticated, seconds since the Unix epoch.
    pub auth_time: Option<u64>,
    /// Every other claim.
    pub extra: Map<String, Value>,
}

impl AccessTokenClaims {
    /// Returns a string claim by name: one of the named string claims
    /// (`iss`, `sub`, `jti`, `cid`, `uid`) or an extra claim. Returns `None`
    /// when the claim is absent or not a JSON string.
    ///
    /// The guard reads the session claim (by default `okta_sid`) this way.
    pub fn string_claim(&self, name: &str) -> Option<&str> {
        match name {
            "iss" => Some(&self.iss),
            "sub" => Some(&self.sub),
            "jti" => self.jti.as_deref(),
            "cid" => self.cid.as_deref(),
            "uid" => self.uid.as_deref(),
            _ => self.extra.get(name).and_then(Value::as_str),
        }
    }

    /// Reports whether the token carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|granted| granted == scope)
    }

    /// Types the claims of a payload whose signature has been checked.
    pub(crate) fn from_raw(mut object: RawClaims) -> Result<Self, TokenError> {
        let iss = required_string(&mut object, "iss")?;
        let sub = required_string(&mut object, "sub")?;
        let aud = audiences(&mut object)?;
        let exp = required_time(&mut object, "exp")?;
        let iat = required_time(&mut object, "iat")?;
        let nbf = optional_time(&mut object, "nbf")?;
        let auth_time = optional_time(&mut object, "auth_time")?;
        let jti = optional_string(&mut object, "jti")?;
        let cid = optional_string(&mut object, "cid")?;
        let uid = optional_string(&mut object, "uid")?;
        let scopes = scopes(&mut object)?;

        Ok(AccessTokenClaims {
            iss,
            sub,
            aud,
            exp,
            iat,
            nbf,
            jti,
            cid,
            uid,
            scopes,
            auth_time,
            extra: object.extra,
        })
    }
}

/// The claims [`AccessTokenClaims`] names, each with its own slot in
/// [`RawClaims`].
const NAMED: [&str; 12] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "auth_time",
    "jti",
    "cid",
    "uid",
    "scp",
    "scope",
];

/// A claim name as read from the payload.
pub(crate) enum ClaimName {
    /// Index into [`NAMED`]: no allocation for the usual claims.
    Named(usize),
    Other(String),
}

impl ClaimName {
    pub(crate) fn of(name: &str) -> Self {
        // A `match` compiles to a switch on length and bytes: cheaper than
        // comparing with each entry of `NAMED` in turn.
        let index = match name {
            "iss" => 0,
            "sub" => 1,
            "aud" => 2,
            "exp" => 3,
            "iat" => 4,
            "nbf" => 5,
            "auth_time" => 6,
            "jti" => 7,
            "cid" => 8,
            "uid" => 9,
            "scp" => 10,
            "scope" => 11,
            _ => return ClaimName::Other(name.to_owned()),
        };
        ClaimName::Named(index)
    }
}

/// A payload as parsed, before typing: the named claims in fixed slots and
/// every other claim in `extra`. Parsing straight into this, rather than
/// into a map that typing then empties again, halves the cost of the
/// payload on a token's first sight.
#[derive(Default)]
pub(crate) struct RawClaims {
    named: [Option<Value>; NAMED.len()],
    extra: Map<String, Value>,
}

impl RawClaims {
    /// Adds a claim, or returns its name when the payload already had it.
    pub(crate) fn insert(&mut self, name: ClaimName, value: Value) -> Result<(), String> {
        match name {
            ClaimName::Named(index) => match &mut self.named[index] {
                Some(_) => Err(NAMED[index].to_owned()),
                slot => {
                    *slot = Some(value);
                    Ok(())
                }
            },
            ClaimName::Other(name) if self.extra.contains_key(&name) => Err(name),
            ClaimName::Other(name) => {
                self.extra.insert(name, value);
                Ok(())
            }
        }
    }

    /// Returns a claim by name.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        match ClaimName::of(name) {
            ClaimName::Named(index) => self.named[index].as_ref(),
            ClaimName::Other(name) => self.extra.get(&name),
        }
    }

    fn remove(&mut self, name: &'static str) -> Option<Value> {
        match ClaimName::of(name) {
            ClaimName::Named(index) => self.named[index].take(),
            ClaimName::Other(name) => self.extra.remove(&name),
        }
    }
}

impl fmt::Debug for AccessTokenClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokenClaims")
            .field("iss", &self.iss)
            .field("sub", &self.sub)
            .field("aud", &self.aud)
            .field("exp", &self.exp)
            .field("iat", &self.iat)
            .field("nbf", &self.nbf)
            .field("jti", &self.jti)
            .field("cid", &self.cid)
            .field("uid", &self.uid)
            .field("scopes", &self.scopes)
            .field("auth_time", &self.auth_time)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

const STRING: &str = "a JSON string";
const NUMERIC_DATE: &str = "a NumericDate (non-negative seconds since the Unix epoch)";
const AUDIENCE: &str = "a string or an array of strings";
const SCOPES: &str = "an array of strings or a space-separated string";

fn required_string(object: &mut RawClaims, claim: &'static str) -> Result<String, TokenError> {
    optional_string(object, claim)?.ok_or(TokenError::MissingClaim { claim })
}

fn optional_string(
    object: &mut RawClaims,
    claim: &'static str,
) -> Result<Option<String>, TokenError> {
    match object.remove(claim) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(TokenError::InvalidClaim {
            claim,
            expected: STRING,
        }),
    }
}

fn required_time(object: &mut RawClaims, claim: &'static str) -> Result<u64, TokenError> {
    optional_time(object, claim)?.ok_or(TokenError::MissingClaim { claim })
}

fn optional_time(object: &mut RawClaims, claim: &'static str) -> Result<Option<u64>, TokenError> {
    let Some(value) = object.remove(claim) else {
        return Ok(None);
    };
    let invalid = TokenError::InvalidClaim {
        claim,
        expected: NUMERIC_DATE,
    };

    let Value::Number(number) = value else {
        return Err(invalid);
    };
    if let Some(seconds) = number.as_u64() {
        return Ok(Some(seconds));
    }

    // RFC 7519 allows fractional NumericDates. Negative, huge or non-finite
    // values cannot be a real token's time.
    match number.as_f64() {
        Some(seconds) if seconds.is_finite() && (0.0..1.0e15).contains(&seconds) => {
            // The range check above makes this cast exact in its integer part.
            Ok(Some(seconds.floor() as u64))
        }
        _ => Err(invalid),
    }
}

fn audiences(object: &mut RawClaims) -> Result<Vec<String>, TokenError> {
    let invalid = TokenError::InvalidClaim {
        claim: "aud",
        expected: AUDIENCE,
    };

    match object.remove("aud") {
        None => Err(TokenError::MissingClaim { claim: "aud" }),
        Some(Value::String(audience)) => Ok(vec![audience]),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(audience) => Ok(audience),
                _ => Err(TokenError::InvalidClaim {
                    claim: "aud",
                    expected: AUDIENCE,
                }),
            })
            .collect(),
        Some(_) => Err(invalid),
    }
}

/// Reads Okta's `scp` (an array) or, when it is absent, RFC 9068's `scope`
/// (a space-separated string). Either claim may use either form.
fn scopes(object: &mut RawClaims) -> Result<Vec<String>, TokenError> {
    let scp = object.remove("scp");
    let scope = object.remove("scope");

    match (scp, scope) {
        (Some(value), _) => scope_list(value, "scp"),
        (None, Some(value)) => scope_list(value, "scope"),
        (None, None) => Ok(Vec::new()),
    }
}

fn scope_list(value: Value, claim: &'static str) -> Result<Vec<String>, TokenError> {
    let invalid = || TokenError::InvalidClaim {
        claim,
        expected: SCOPES,
    };

    match value {
        Value::String(list) => Ok(list
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(scope) => Ok(scope),
                _ => Err(invalid()),
            })
            .collect(),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(value: Value) -> Result<AccessTokenClaims, TokenError> {
        let Value::Object(object) = value else {
            unreachable!("test input is an object")
        };
        let mut raw = RawClaims::default();
        for (name, value) in object {
            raw.insert(ClaimName::of(&name), value).unwrap();
        }
        AccessTokenClaims::from_raw(raw)
    }

    fn okta_claims() -> Value {
        json!({
            "ver": 1,
            "jti": "AT.abc",
            "iss": "https://dev-1.okta.com/oauth2/default",
            "aud": "api://default",
            "iat": 1_700_000_000,
            "exp": 1_700_003_600,
            "cid": "0oademospa0000000001",
            "uid": "00udemo0000000000001",
            "scp": ["openid", "demo.read"],
            "auth_time": 1_699_999_990,
            "sub": "demo@example.com",
            "okta_sid": "102abcdefghijklmnopqrstuv"
        })
    }

    #[test]
    fn from_object_reads_okta_token() {
        let claims = parse(okta_claims()).unwrap();

        assert_eq!(claims.aud, vec!["api://default".to_owned()]);
        assert_eq!(
            claims.scopes,
            vec!["openid".to_owned(), "demo.read".to_owned()]
        );
        assert_eq!(claims.auth_time, Some(1_699_999_990));
        assert_eq!(
            claims.string_claim("okta_sid"),
            Some("102abcdefghijklmnopqrstuv")
        );
        assert_eq!(claims.string_claim("uid"), Some("00udemo0000000000001"));
        assert_eq!(claims.extra.get("ver"), Some(&json!(1)));
        assert!(!claims.extra.contains_key("scp"));
    }

    #[test]
    fn from_object_reads_scope_string() {
        let mut value = okta_claims();
        value.as_object_mut().unwrap().remove("scp");
        value["scope"] = json!("openid  demo.read");

        let claims = parse(value).unwrap();
        assert_eq!(
            claims.scopes,
            vec!["openid".to_owned(), "demo.read".to_owned()]
        );
    }

    #[test]
    fn from_object_floors_fractional_times() {
        let mut value = okta_claims();
        value["exp"] = json!(1_700_003_600.9);

        assert_eq!(parse(value).unwrap().exp, 1_700_003_600);
    }

    #[test]
    fn from_object_rejects_missing_required() {
        for claim in ["iss", "sub", "aud", "exp", "iat"] {
            let mut value = okta_claims();
            value.as_object_mut().unwrap().remove(claim);

            let error = parse(value).unwrap_err();
            assert!(
                matches!(error, TokenError::MissingClaim { claim: c } if c == claim),
                "{claim}: {error}"
            );
        }
    }

    #[test]
    fn from_object_rejects_wrong_types() {
        let cases = [
            ("iss", json!(1)),
            ("sub", json!(null)),
            ("aud", json!(7)),
            ("aud", json!(["api://default", 7])),
            ("exp", json!("1700003600")),
            ("exp", json!(-1)),
            ("iat", json!(1.0e300)),
            ("nbf", json!(true)),
            ("jti", json!(1)),
            ("cid", json!([])),
            ("uid", json!({})),
            ("scp", json!({"a": 1})),
            ("scp", json!(["openid", 1])),
        ];

        for (claim, bad) in cases {
            let mut value = okta_claims();
            value[claim] = bad.clone();

            let error = parse(value).unwrap_err();
            assert!(
                matches!(error, TokenError::InvalidClaim { claim: c, .. } if c == claim),
                "{claim} = {bad}: {error}"
            );
        }
    }

    #[test]
    fn claim_name_slots_match_named() {
        for (index, name) in NAMED.iter().enumerate() {
            assert!(
                matches!(ClaimName::of(name), ClaimName::Named(i) if i == index),
                "{name}"
            );
        }
        assert!(matches!(ClaimName::of("okta_sid"), ClaimName::Other(name) if name == "okta_sid"));
    }

    #[test]
    fn raw_claims_reject_duplicate_names() {
        let mut raw = RawClaims::default();
        raw.insert(ClaimName::of("iss"), json!("a")).unwrap();
        raw.insert(ClaimName::of("okta_sid"), json!("s")).unwrap();

        assert_eq!(
            raw.insert(ClaimName::of("iss"), json!("b")),
            Err("iss".to_owned())
        );
        assert_eq!(
            raw.insert(ClaimName::of("okta_sid"), json!("t")),
            Err("okta_sid".to_owned())
        );
        assert_eq!(raw.get("iss"), Some(&json!("a")));
        assert_eq!(raw.get("okta_sid"), Some(&json!("s")));
    }

    #[test]
    fn debug_hides_extra_values() {
        let claims = parse(okta_claims()).unwrap();
        let printed = format!("{claims:?}");

        assert!(printed.contains("okta_sid"), "{printed}");
        assert!(!printed.contains("102abcdefghijklmnopqrstuv"), "{printed}");
    }
}
