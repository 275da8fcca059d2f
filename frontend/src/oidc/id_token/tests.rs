use super::*;
use crate::jwt::tests::compact;
use serde_json::{Value, json};

const ISSUER: &str = "http://127.0.0.1:9400/oauth2/default";
const CLIENT: &str = "0oademospa0000000001";
const NOW: i64 = 1_700_000_000;

fn jwks() -> Jwks {
    parse_jwks(
        &json!({"keys": [
            {"kty": "EC", "kid": "k1", "crv": "P-256", "x": "x", "y": "y"},
            {"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": "nnn", "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": "n", "e": "AQAB"}
        ]})
        .to_string(),
    )
    .unwrap()
}

fn claims() -> Value {
    json!({
        "iss": ISSUER, "aud": CLIENT, "sub": "00udemo0000000000001",
        "iat": NOW - 10, "exp": NOW + 3590, "nonce": "n1", "name": "Demo User"
    })
}

fn expected() -> Expectations<'static> {
    Expectations {
        issuer: ISSUER,
        client_id: CLIENT,
        nonce: NonceRule::Equals("n1"),
        subject: None,
        now_secs: NOW,
    }
}

fn check(change: impl FnOnce(&mut Value)) -> Result<(), IdTokenError> {
    let mut value = claims();
    change(&mut value);
    check_claims(value.as_object().unwrap(), &expected())
}

#[test]
fn prepare_selects_rsa_key() {
    let token = compact(&json!({"alg": "RS256", "kid": "k1"}), &claims());
    let pending = prepare(&token, &jwks()).unwrap();
    assert_eq!(pending.key().n, "nnn");
}

#[test]
fn prepare_alg_none() {
    let token = compact(&json!({"alg": "none", "kid": "k1"}), &claims());
    assert_eq!(
        prepare(&token, &jwks()).unwrap_err(),
        IdTokenError::Algorithm("none".to_owned())
    );
}

#[test]
fn prepare_hs256() {
    let token = compact(&json!({"alg": "HS256", "kid": "k1"}), &claims());
    assert_eq!(
        prepare(&token, &jwks()).unwrap_err(),
        IdTokenError::Algorithm("HS256".to_owned())
    );
}

#[test]
fn prepare_unknown_kid() {
    let token = compact(&json!({"alg": "RS256", "kid": "k9"}), &claims());
    assert_eq!(
        prepare(&token, &jwks()).unwrap_err(),
        IdTokenError::UnknownKey("k9".to_owned())
    );
}

#[test]
fn prepare_encryption_key() {
    let token = compact(&json!({"alg": "RS256", "kid": "enc"}), &claims());
    assert_eq!(
        prepare(&token, &jwks()).unwrap_err(),
        IdTokenError::UnknownKey("enc".to_owned())
    );
}

#[test]
fn prepare_missing_kid() {
    let token = compact(&json!({"alg": "RS256"}), &claims());
    assert_eq!(
        prepare(&token, &jwks()).unwrap_err(),
        IdTokenError::MissingKid
    );
}

#[test]
fn finish_bad_signature() {
    let token = compact(&json!({"alg": "RS256", "kid": "k1"}), &claims());
    let pending = prepare(&token, &jwks()).unwrap();
    assert_eq!(
        pending.finish(false, &expected()).unwrap_err(),
        IdTokenError::BadSignature("k1".to_owned())
    );
}

#[test]
fn finish_valid() {
    let token = compact(&json!({"alg": "RS256", "kid": "k1"}), &claims());
    let verified = prepare(&token, &jwks())
        .unwrap()
        .finish(true, &expected())
        .unwrap();
    assert_eq!(verified.subject(), "00udemo0000000000001");
    assert_eq!(verified.claim("name"), Some("Demo User"));
    assert_eq!(verified.raw(), token);
}

#[test]
fn claims_valid() {
    assert_eq!(check(|_| {}), Ok(()));
}

#[test]
fn claims_other_issuer() {
    let error = check(|c| c["iss"] = json!("https://evil.example/oauth2/default")).unwrap_err();
    assert!(matches!(error, IdTokenError::Issuer { .. }));
}

#[test]
fn claims_other_audience() {
    let error = check(|c| c["aud"] = json!("0oaother")).unwrap_err();
    assert!(matches!(error, IdTokenError::Audience { .. }));
}

#[test]
fn claims_audience_list_without_azp() {
    let error = check(|c| c["aud"] = json!([CLIENT, "0oaother"])).unwrap_err();
    assert!(matches!(error, IdTokenError::Audience { .. }));
}

#[test]
fn claims_audience_list_with_azp() {
    assert_eq!(
        check(|c| {
            c["aud"] = json!([CLIENT, "0oaother"]);
            c["azp"] = json!(CLIENT);
        }),
        Ok(())
    );
}

#[test]
fn claims_expired() {
    let error = check(|c| c["exp"] = json!(NOW - CLOCK_SKEW_SECS)).unwrap_err();
    assert!(matches!(error, IdTokenError::Expired { .. }));
}

#[test]
fn claims_expired_within_skew() {
    assert_eq!(
        check(|c| c["exp"] = json!(NOW - CLOCK_SKEW_SECS + 1)),
        Ok(())
    );
}

#[test]
fn claims_missing_exp() {
    let error = check(|c| {
        c.as_object_mut().unwrap().remove("exp");
    })
    .unwrap_err();
    assert!(matches!(error, IdTokenError::Expired { exp: 0, .. }));
}

#[test]
fn claims_iat_in_future() {
    let error = check(|c| c["iat"] = json!(NOW + 600)).unwrap_err();
    assert!(matches!(error, IdTokenError::IssuedInFuture { .. }));
}

#[test]
fn claims_wrong_nonce() {
    assert_eq!(
        check(|c| c["nonce"] = json!("n2")),
        Err(IdTokenError::Nonce)
    );
}

#[test]
fn claims_missing_nonce() {
    let error = check(|c| {
        c.as_object_mut().unwrap().remove("nonce");
    });
    assert_eq!(error, Err(IdTokenError::Nonce));
}

#[test]
fn refresh_without_nonce() {
    let mut value = claims();
    value.as_object_mut().unwrap().remove("nonce");
    let refresh = Expectations {
        nonce: NonceRule::AbsentOrEquals("n1"),
        subject: Some("00udemo0000000000001"),
        ..expected()
    };
    assert_eq!(check_claims(value.as_object().unwrap(), &refresh), Ok(()));
}

#[test]
fn refresh_other_subject() {
    let refresh = Expectations {
        nonce: NonceRule::AbsentOrEquals("n1"),
        subject: Some("00ualice000000000002"),
        ..expected()
    };
    let error = check_claims(claims().as_object().unwrap(), &refresh).unwrap_err();
    assert!(matches!(error, IdTokenError::Subject { .. }));
}
