//! The signed-in state, kept in memory only. A page reload discards it,
//! but Okta's own session survives, so signing in again skips the form.

use std::fmt;

use crate::jwt::{self, JsonObject, fingerprint};
use crate::oidc::id_token::VerifiedIdToken;
use crate::oidc::token::TokenResponse;

/// Tokens and what the app shows about them.
#[derive(Clone, PartialEq)]
pub struct Session {
    /// The access token, sent to the back end.
    pub access_token: String,
    /// The access token's claims, decoded for display only: the app does
    /// not verify access tokens, the back end does.
    pub access_claims: JsonObject,
    /// The access token's JOSE header.
    pub access_header: JsonObject,
    /// The verified ID token.
    pub id_token: VerifiedIdToken,
    /// The refresh token, with `offline_access`.
    pub refresh_token: Option<String>,
    /// Access token expiry, seconds since the Unix epoch.
    pub expires_at_secs: i64,
    /// Granted scopes.
    pub scope: Option<String>,
    /// Nonce of the sign-in, to check refreshed ID tokens against.
    pub nonce: String,
    /// Refreshes done so far.
    pub refresh_count: u32,
    /// Fingerprints of the refresh token before and after the last
    /// refresh, when Okta rotated it.
    pub last_rotation: Option<(String, String)>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("access_token", &fingerprint(&self.access_token))
            .field("id_token", &self.id_token)
            .field(
                "refresh_token",
                &self.refresh_token.as_deref().map(fingerprint),
            )
            .field("expires_at_secs", &self.expires_at_secs)
            .field("refresh_count", &self.refresh_count)
            .finish()
    }
}

impl Session {
    /// Builds a session from a token response and its verified ID token.
    /// Expiry is the access token's `exp`, or `now + expires_in` for an
    /// access token that is not a JWT.
    pub fn new(
        response: TokenResponse,
        id_token: VerifiedIdToken,
        nonce: String,
        now_secs: i64,
    ) -> Self {
        let decoded = jwt::decode(&response.access_token).ok();
        let (access_header, access_claims) = decoded
            .map(|jwt| (jwt.header, jwt.claims))
            .unwrap_or_default();
        let expires_at_secs = jwt::time_claim(&access_claims, "exp")
            .unwrap_or(now_secs + i64::try_from(response.expires_in).unwrap_or(0));

        Session {
            access_token: response.access_token,
            access_claims,
            access_header,
            id_token,
            refresh_token: response.refresh_token,
            expires_at_secs,
            scope: response.scope,
            nonce,
            refresh_count: 0,
            last_rotation: None,
        }
    }

    /// Builds the session that follows a refresh. A response without a
    /// refresh token keeps the old one (no rotation).
    pub fn refreshed(
        &self,
        mut response: TokenResponse,
        id_token: VerifiedIdToken,
        now_secs: i64,
    ) -> Self {
        let old = self.refresh_token.clone();
        if response.refresh_token.is_none() {
            response.refresh_token = old.clone();
        }
        let rotation = match (&old, &response.refresh_token) {
            (Some(old), Some(new)) if old != new => Some((fingerprint(old), fingerprint(new))),
            _ => None,
        };

        let mut next = Session::new(response, id_token, self.nonce.clone(), now_secs);
        next.refresh_count = self.refresh_count + 1;
        next.last_rotation = rotation;
        next
    }
}
