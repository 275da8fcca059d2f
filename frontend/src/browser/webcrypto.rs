//! RS256 signature checks with WebCrypto (`SubtleCrypto.verify` with
//! RSASSA-PKCS1-v1_5 and SHA-256), so that no RSA code ships in the app.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{BrowserError, window};
use crate::oidc::id_token::RsaPublicKey;

/// Checks an RS256 signature over `data` with a JWK's modulus and
/// exponent. Returns `Ok(false)` for a signature that does not verify.
///
/// # Errors
/// [`BrowserError`] when WebCrypto is unavailable or rejects the key.
pub async fn verify_rs256(
    key: &RsaPublicKey,
    data: &[u8],
    signature: &[u8],
) -> Result<bool, BrowserError> {
    let subtle = window()?
        .crypto()
        .map_err(|error| BrowserError::from_js("window.crypto", &error))?
        .subtle();

    let jwk = object(&[
        ("kty", "RSA"),
        ("n", &key.n),
        ("e", &key.e),
        ("alg", "RS256"),
    ])?;
    let algorithm = object(&[("name", "RSASSA-PKCS1-v1_5"), ("hash", "SHA-256")])?;
    let usages = Array::of1(&JsValue::from_str("verify"));

    let promise = subtle
        .import_key_with_object("jwk", &jwk, &algorithm, false, &usages)
        .map_err(|error| BrowserError::from_js("crypto.subtle.importKey", &error))?;
    let crypto_key: web_sys::CryptoKey = JsFuture::from(promise)
        .await
        .map_err(|error| BrowserError::from_js("crypto.subtle.importKey", &error))?
        .dyn_into()
        .map_err(|_| BrowserError::missing("CryptoKey"))?;

    let signature = Uint8Array::from(signature);
    let promise = subtle
        .verify_with_object_and_u8_array_and_u8_slice(&algorithm, &crypto_key, &signature, data)
        .map_err(|error| BrowserError::from_js("crypto.subtle.verify", &error))?;
    let verified = JsFuture::from(promise)
        .await
        .map_err(|error| BrowserError::from_js("crypto.subtle.verify", &error))?;
    Ok(verified.as_bool().unwrap_or(false))
}

fn object(members: &[(&str, &str)]) -> Result<Object, BrowserError> {
    let target = Object::new();
    for (name, value) in members {
        Reflect::set(&target, &JsValue::from_str(name), &JsValue::from_str(value))
            .map_err(|error| BrowserError::from_js("Reflect.set", &error))?;
    }
    Ok(target)
}
