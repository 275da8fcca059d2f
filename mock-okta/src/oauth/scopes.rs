//! Scope checks shared by `/v1/authorize` and `/v1/token`.

use crate::config::AuthorizationServerConfig;
use crate::error::OAuthError;

pub const OPENID: &str = "openid";
pub const OFFLINE_ACCESS: &str = "offline_access";
pub const PROFILE: &str = "profile";
pub const EMAIL: &str = "email";

/// OpenID Connect scopes that ask for user claims. Okta rejects them
/// without `openid`, and rejects all of them plus `openid` and
/// `offline_access` on the `client_credentials` grant, which has no user.
const USER_CLAIM_SCOPES: [&str; 4] = ["profile", "email", "address", "phone"];

/// Splits a space-delimited `scope` value, dropping repeats but keeping
/// the order of first appearance.
pub fn parse(scope: &str) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for scope in scope.split(' ').filter(|s| !s.is_empty()) {
        if !scopes.iter().any(|known| known == scope) {
            scopes.push(scope.to_owned());
        }
    }
    scopes
}

/// Checks that every scope is one the server defines.
///
/// # Errors
/// `invalid_scope` naming the unknown scopes, or for an empty list.
pub fn check_known(
    server: &AuthorizationServerConfig,
    scopes: &[String],
) -> Result<(), OAuthError> {
    if scopes.is_empty() {
        return Err(OAuthError::invalid_scope("No scopes were requested."));
    }
    let unknown: Vec<&str> = scopes
        .iter()
        .filter(|scope| !server.scopes.contains(scope))
        .map(String::as_str)
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(OAuthError::invalid_scope(format!(
            "One or more scopes are not configured for the authorization server resource: {}.",
            unknown.join(" ")
        )))
    }
}

/// Checks Okta's rule that OpenID Connect user-claim scopes need `openid`.
///
/// # Errors
/// `access_denied` (403) when `profile`, `email`, `address` or `phone` is
/// requested without `openid`.
pub fn check_openid_present(scopes: &[String]) -> Result<(), OAuthError> {
    let needs_openid = scopes
        .iter()
        .any(|scope| USER_CLAIM_SCOPES.contains(&scope.as_str()));
    if needs_openid && !contains(scopes, OPENID) {
        return Err(OAuthError::new(
            axum::http::StatusCode::FORBIDDEN,
            "access_denied",
            "Requests for ID tokens or access tokens with OpenID scopes require the 'openid' scope.",
        ));
    }
    Ok(())
}

/// Checks that a `client_credentials` request contains no user scopes.
///
/// # Errors
/// `invalid_scope` naming the scopes that need a user.
pub fn check_no_user_scopes(scopes: &[String]) -> Result<(), OAuthError> {
    let user_scopes: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|scope| {
            *scope == OPENID || *scope == OFFLINE_ACCESS || USER_CLAIM_SCOPES.contains(scope)
        })
        .collect();
    if user_scopes.is_empty() {
        Ok(())
    } else {
        Err(OAuthError::invalid_scope(format!(
            "The client_credentials grant has no user, so these scopes are not allowed: {}. Request only the server's custom scopes.",
            user_scopes.join(" ")
        )))
    }
}

pub fn contains(scopes: &[String], scope: &str) -> bool {
    scopes.iter().any(|s| s == scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_drops_repeats_and_blanks() {
        assert_eq!(parse(" openid  email openid"), vec!["openid", "email"]);
    }

    #[test]
    fn profile_without_openid_denied() {
        let error = check_openid_present(&parse("profile demo.read")).unwrap_err();
        assert_eq!(error.error, "access_denied");
    }

    #[test]
    fn client_credentials_rejects_openid() {
        let error = check_no_user_scopes(&parse("demo.read openid")).unwrap_err();
        assert!(
            error.description.contains("openid"),
            "{}",
            error.description
        );
    }
}
