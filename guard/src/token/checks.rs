//! Claim checks applied after the signature verified.
//!
//! These are done here rather than by jsonwebtoken because they need exact
//! semantics: `iss` compared byte for byte, `aud` as string or array, the
//! same leeway on `exp`, `nbf` and `iat`, and Okta's `scp`.

use std::collections::HashSet;
use std::time::Duration;

use url::Url;

use super::claims::AccessTokenClaims;
use super::config::TokenVerifierConfig;
use super::error::TokenError;
use super::issuer::is_org_authorization_server;

/// The claim requirements of one verifier, prepared once from its config.
#[derive(Debug)]
pub(crate) struct ClaimPolicy {
    issuer: Url,
    audiences: Vec<String>,
    leeway: Duration,
    allowed_clients: Option<HashSet<String>>,
    required_scopes: Vec<String>,
}

impl ClaimPolicy {
    pub(crate) fn new(config: &TokenVerifierConfig) -> Self {
        ClaimPolicy {
            issuer: config.issuer.clone(),
            audiences: config.audiences.clone(),
            leeway: config.leeway,
            allowed_clients: config
                .allowed_clients
                .as_ref()
                .map(|clients| clients.iter().cloned().collect()),
            required_scopes: config.required_scopes.clone(),
        }
    }

    pub(crate) fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// Checks `iss` alone. The verifier runs this on the still unverified
    /// payload too: a token from another issuer can never verify with this
    /// issuer's keys, and rejecting it early keeps its `kid` from
    /// triggering a JWKS refetch.
    pub(crate) fn check_issuer(&self, token_issuer: &str) -> Result<(), TokenError> {
        let expected = self.issuer.as_str();
        if token_issuer == expected {
            return Ok(());
        }

        if is_org_authorization_server(token_issuer, &self.issuer) {
            return Err(TokenError::OrgAuthorizationServer {
                expected: expected.to_owned(),
                actual: token_issuer.to_owned(),
            });
        }

        Err(TokenError::IssuerMismatch {
            expected: expected.to_owned(),
            actual: token_issuer.to_owned(),
        })
    }

    /// Runs every claim check, in the order of the reason codes' severity:
    /// issuer, lifetime, audience, client, scopes.
    pub(crate) fn check(&self, claims: &AccessTokenClaims, now: u64) -> Result<(), TokenError> {
        self.check_issuer(&claims.iss)?;
        self.check_times(claims, now)?;
        self.check_audience(claims)?;
        self.check_client(claims)?;
        self.check_scopes(claims)
    }

    /// Applies the leeway to all three times. A token is expired once
    /// `now >= exp` (RFC 7519 section 4.1.4), so with leeway once
    /// `now >= exp + leeway`.
    fn check_times(&self, claims: &AccessTokenClaims, now: u64) -> Result<(), TokenError> {
        let leeway = self.leeway.as_secs();

        if now >= claims.exp.saturating_add(leeway) {
            return Err(TokenError::Expired {
                exp: claims.exp,
                now,
                leeway: self.leeway,
            });
        }

        if let Some(nbf) = claims.nbf
            && nbf > now.saturating_add(leeway)
        {
            return Err(TokenError::NotYetValid {
                nbf,
                now,
                leeway: self.leeway,
            });
        }

        if claims.iat > now.saturating_add(leeway) {
            return Err(TokenError::IssuedInFuture {
                iat: claims.iat,
                now,
                leeway: self.leeway,
            });
        }

        Ok(())
    }

    fn check_audience(&self, claims: &AccessTokenClaims) -> Result<(), TokenError> {
        let accepted = claims
            .aud
            .iter()
            .any(|audience| self.audiences.contains(audience));

        if accepted {
            Ok(())
        } else {
            Err(TokenError::AudienceMismatch {
                expected: self.audiences.clone(),
                actual: claims.aud.clone(),
            })
        }
    }

    fn check_client(&self, claims: &AccessTokenClaims) -> Result<(), TokenError> {
        let Some(allowed) = &self.allowed_clients else {
            return Ok(());
        };

        match &claims.cid {
            Some(cid) if allowed.contains(cid) => Ok(()),
            cid => Err(TokenError::ClientNotAllowed { cid: cid.clone() }),
        }
    }

    fn check_scopes(&self, claims: &AccessTokenClaims) -> Result<(), TokenError> {
        let missing: Vec<String> = self
            .required_scopes
            .iter()
            .filter(|scope| !claims.has_scope(scope))
            .cloned()
            .collect();

        if missing.is_empty() {
            Ok(())
        } else {
            Err(TokenError::InsufficientScope { missing })
        }
    }
}
