//! Random bytes from `crypto.getRandomValues`, the browser's CSPRNG.

use super::{BrowserError, window};
use crate::pkce::RANDOM_BYTES;

/// Returns [`RANDOM_BYTES`] random bytes.
///
/// # Errors
/// [`BrowserError`] when WebCrypto is unavailable.
pub fn random_bytes() -> Result<[u8; RANDOM_BYTES], BrowserError> {
    let crypto = window()?
        .crypto()
        .map_err(|error| BrowserError::from_js("window.crypto", &error))?;
    let mut bytes = [0u8; RANDOM_BYTES];
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|error| BrowserError::from_js("crypto.getRandomValues", &error))?;
    Ok(bytes)
}
