//! Random identifiers in the shapes Okta uses.

use rand::Rng;
use rand::distr::Alphanumeric;

/// Returns `n` random base62 characters from the OS-seeded thread RNG.
pub fn base62(n: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// Returns a Classic Engine style session id: `102` and 22 base62 characters.
pub fn session_id() -> String {
    format!("102{}", base62(22))
}

/// Returns an access token `jti`: `AT.` and 43 URL-safe characters.
pub fn access_token_jti() -> String {
    format!("AT.{}", base62(43))
}

/// Returns an ID token `jti`: `ID.` and 43 URL-safe characters.
pub fn id_token_jti() -> String {
    format!("ID.{}", base62(43))
}

/// Returns the `jti` of a refresh token as Okta shows it to hooks: `oar` and 17 characters.
pub fn refresh_token_jti() -> String {
    format!("oar{}", base62(17))
}

/// Returns an opaque secret value (authorization code, refresh token).
pub fn opaque_secret() -> String {
    base62(43)
}

/// Returns an Okta `errorId` / request id: `oae` and 22 characters.
pub fn error_id() -> String {
    format!("oae{}", base62(22))
}

/// Returns a key id for a signing key.
pub fn key_id() -> String {
    base62(43)
}

/// Returns a System Log event `uuid`.
pub fn event_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}
