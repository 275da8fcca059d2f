//! HTTP requests for the discovery document and the JWKS.

use std::sync::Arc;
use std::time::Duration;

use http::header::ACCEPT;
use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};
use url::Url;

use super::super::issuer::check_transport;
use super::super::json::parse_object;
use super::cache_control;
use super::error::JwksError;
use super::key_set::KeySet;
use super::stats::Counters;

/// Metadata path appended to the issuer (RFC 8414, as Okta places it).
const OAUTH_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";

/// Metadata path tried when the first returns 404 (OpenID Connect
/// Discovery). Okta serves both for a custom authorization server.
const OPENID_METADATA_PATH: &str = "/.well-known/openid-configuration";

/// A JWKS response: its usable keys and the lifetime `Cache-Control` gave it.
pub(crate) struct FetchedKeys {
    pub(crate) keys: KeySet,
    pub(crate) max_age: Option<Duration>,
}

/// Makes bounded GET requests for key material.
pub(crate) struct Fetcher {
    pub(crate) http: reqwest::Client,
    pub(crate) timeout: Duration,
    pub(crate) max_bytes: usize,
    pub(crate) counters: Arc<Counters>,
}

impl Fetcher {
    /// Reads `jwks_uri` from the issuer's metadata.
    ///
    /// The document's `issuer` must equal the configured issuer exactly
    /// (RFC 8414 section 3.3, OpenID Connect Discovery section 4.3), so a
    /// misrouted request cannot hand us another server's keys.
    pub(crate) async fn discover(&self, issuer: &Url) -> Result<Url, JwksError> {
        match self.discover_at(issuer, OAUTH_METADATA_PATH).await {
            // Only a 404 means "try the other well-known name".
            Err(JwksError::Status { status: 404, .. }) => {
                self.discover_at(issuer, OPENID_METADATA_PATH).await
            }
            result => result,
        }
    }

    async fn discover_at(&self, issuer: &Url, path: &str) -> Result<Url, JwksError> {
        let url = discovery_url(issuer, path)?;
        Counters::increment(&self.counters.discovery_requests);

        let (_, document) = self.get_json(&url).await?;
        jwks_uri_from(&url, issuer, &document)
    }

    /// Fetches and parses the JWKS.
    pub(crate) async fn keys(&self, jwks_uri: &Url) -> Result<FetchedKeys, JwksError> {
        Counters::increment(&self.counters.jwks_requests);
        let (headers, document) = self.get_json(jwks_uri).await?;

        let keys = KeySet::from_jwks(&document).map_err(|detail| JwksError::InvalidDocument {
            url: jwks_uri.to_string(),
            detail: detail.to_owned(),
        })?;
        if keys.len() == 0 {
            return Err(JwksError::NoUsableKeys {
                url: jwks_uri.to_string(),
            });
        }

        Ok(FetchedKeys {
            keys,
            max_age: cache_control::max_age(&headers),
        })
    }

    async fn get_json(&self, url: &Url) -> Result<(HeaderMap, Map<String, Value>), JwksError> {
        let request_error = |source| JwksError::Request {
            url: url.to_string(),
            source,
        };

        let mut response = self
            .http
            .get(url.clone())
            .header(ACCEPT, "application/json")
            .timeout(self.timeout)
            .send()
            .await
            .map_err(request_error)?;

        let status = response.status();
        if status != StatusCode::OK {
            return Err(JwksError::Status {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }

        let too_large = || JwksError::TooLarge {
            url: url.to_string(),
            max: self.max_bytes,
        };
        if response
            .content_length()
            .is_some_and(|length| length > self.max_bytes as u64)
        {
            return Err(too_large());
        }

        // Read chunk by chunk so a response without Content-Length cannot
        // grow past the bound either.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(request_error)? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }

        let document = parse_object(&body).map_err(|error| JwksError::InvalidDocument {
            url: url.to_string(),
            detail: error.to_string(),
        })?;

        Ok((response.headers().clone(), document))
    }
}

fn discovery_url(issuer: &Url, path: &str) -> Result<Url, JwksError> {
    let text = format!("{issuer}{path}");
    Url::parse(&text).map_err(|error| JwksError::InvalidDocument {
        url: text,
        detail: error.to_string(),
    })
}

fn jwks_uri_from(url: &Url, issuer: &Url, document: &Map<String, Value>) -> Result<Url, JwksError> {
    let invalid = |detail: &str| JwksError::InvalidDocument {
        url: url.to_string(),
        detail: detail.to_owned(),
    };

    let Some(announced) = document.get("issuer").and_then(Value::as_str) else {
        return Err(invalid("`issuer` is missing or not a string"));
    };
    if announced != issuer.as_str() {
        return Err(JwksError::DiscoveryIssuerMismatch {
            url: url.to_string(),
            expected: issuer.to_string(),
            actual: announced.to_owned(),
        });
    }

    let Some(jwks_uri) = document.get("jwks_uri").and_then(Value::as_str) else {
        return Err(invalid("`jwks_uri` is missing or not a string"));
    };
    let unusable = |reason: String| JwksError::InvalidJwksUri {
        url: url.to_string(),
        jwks_uri: jwks_uri.to_owned(),
        reason,
    };

    let parsed = Url::parse(jwks_uri).map_err(|error| unusable(error.to_string()))?;
    check_transport(&parsed, "jwks_uri").map_err(|error| unusable(error.to_string()))?;

    Ok(parsed)
}
