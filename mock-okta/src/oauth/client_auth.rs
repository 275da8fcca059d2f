//! Client authentication at `/v1/token`, `/v1/introspect` and `/v1/revoke`
//! (RFC 6749 section 2.3): `client_secret_basic`, `client_secret_post`,
//! and `none` (a public client sends only its `client_id`).
//!
//! `client_secret_jwt` and `private_key_jwt`, which Okta also offers, are
//! not emulated; a `client_assertion` gets `invalid_client`.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use url::form_urlencoded;

use super::params::Params;
use crate::config::{ClientConfig, ClientType};
use crate::error::OAuthError;
use crate::state::MockOkta;

/// The client authentication method used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    /// A public client: `client_id` only.
    None,
}

/// A client that passed authentication.
#[derive(Debug, Clone, Copy)]
pub struct AuthenticatedClient<'a> {
    pub client: &'a ClientConfig,
    pub method: AuthMethod,
}

const INVALID_CREDENTIALS: &str =
    "Client authentication failed. Either the client or the client credentials are invalid.";

/// Authenticates the client of a back-channel request.
///
/// `query_client_id` is the `client_id` query parameter, which Okta accepts
/// from public clients at `/v1/introspect`.
///
/// # Errors
/// `invalid_client` (401) for missing, unknown or wrong credentials;
/// `invalid_request` (400) for credentials sent two ways at once.
pub fn authenticate<'a>(
    state: &'a MockOkta,
    headers: &HeaderMap,
    params: &Params,
    query_client_id: Option<&str>,
) -> Result<AuthenticatedClient<'a>, OAuthError> {
    if params.get("client_assertion").is_some() {
        return Err(reject(
            params.get("client_id"),
            "client_assertion",
            "client_secret_jwt and private_key_jwt are not supported by mock-okta; use client_secret_basic or client_secret_post.",
        ));
    }

    let basic = basic_credentials(headers)?;
    if basic.is_some() && params.get("client_secret").is_some() {
        return Err(OAuthError::invalid_request(
            "Can't supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a `client_assertion` in the post body.",
        ));
    }

    let (client_id, secret, method) = match &basic {
        Some((id, secret)) => {
            if params.get("client_id").is_some_and(|body_id| body_id != id) {
                return Err(reject(
                    Some(id),
                    "client_id mismatch",
                    "The client_id in the body differs from the one in the Authorization header; send one client_id.",
                ));
            }
            (
                id.as_str(),
                Some(secret.as_str()),
                AuthMethod::ClientSecretBasic,
            )
        }
        None => {
            let Some(id) = params.get("client_id").or(query_client_id) else {
                return Err(reject(
                    None,
                    "no credentials",
                    "No client credentials found.",
                ));
            };
            match params.get("client_secret") {
                Some(secret) => (id, Some(secret), AuthMethod::ClientSecretPost),
                None => (id, None, AuthMethod::None),
            }
        }
    };

    let Some(client) = state.client(client_id) else {
        return Err(reject(
            Some(client_id),
            "unknown client",
            "Invalid value for 'client_id' parameter.",
        ));
    };

    match (client.client_type, secret, &client.client_secret) {
        (ClientType::Public, None, _) => {}
        (ClientType::Public, Some(_), _) => {
            return Err(reject(
                Some(client_id),
                "secret sent by a public client",
                "The client is public and has no client_secret; send only client_id and use PKCE.",
            ));
        }
        (ClientType::Confidential, Some(secret), Some(expected)) => {
            if !secrets_equal(secret, expected) {
                return Err(reject(Some(client_id), "wrong secret", INVALID_CREDENTIALS));
            }
        }
        (ClientType::Confidential, _, _) => {
            return Err(reject(
                Some(client_id),
                "missing secret",
                INVALID_CREDENTIALS,
            ));
        }
    }

    tracing::debug!(client = %client.client_id, ?method, "client authenticated");
    Ok(AuthenticatedClient { client, method })
}

/// Reads `Authorization: Basic base64(client_id:client_secret)`, where
/// both parts are form-urlencoded first (RFC 6749 section 2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or_default();
    let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(reject(
            None,
            "unsupported Authorization scheme",
            "Client authentication accepts only the Basic scheme in the Authorization header, or client_secret_post.",
        ));
    }

    let malformed = || {
        reject(
            None,
            "malformed Basic credentials",
            "The Basic credentials are malformed; send base64(client_id:client_secret).",
        )
    };
    let decoded = STANDARD
        .decode(credentials.trim())
        .map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

fn form_decode(part: &str) -> String {
    form_urlencoded::parse(format!("v={part}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// Compares secrets in constant time; hashing first hides their lengths.
fn secrets_equal(presented: &str, expected: &str) -> bool {
    let presented = Sha256::digest(presented.as_bytes());
    let expected = Sha256::digest(expected.as_bytes());
    presented.ct_eq(&expected).into()
}

fn reject(client_id: Option<&str>, reason: &str, description: &str) -> OAuthError {
    tracing::info!(
        client = client_id.unwrap_or("-"),
        reason,
        "client authentication failed"
    );
    OAuthError::invalid_client(description)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_parts_are_form_decoded() {
        let mut headers = HeaderMap::new();
        let encoded = STANDARD.encode("my%20client:s%3Acret");
        headers.insert(
            header::AUTHORIZATION,
            format!("Basic {encoded}").parse().unwrap(),
        );
        let (id, secret) = basic_credentials(&headers).unwrap().unwrap();
        assert_eq!(id, "my client");
        assert_eq!(secret, "s:cret");
    }

    #[test]
    fn bearer_scheme_rejected() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(
            basic_credentials(&headers).unwrap_err().error,
            "invalid_client"
        );
    }
}
