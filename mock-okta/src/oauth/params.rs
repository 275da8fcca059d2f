//! Request parameters of the OAuth endpoints, from a query string or an
//! `application/x-www-form-urlencoded` body.
//!
//! Two rules of RFC 6749 section 3.1 apply to every endpoint: a parameter
//! sent without a value counts as omitted, and a parameter must not be sent
//! more than once.

use std::collections::BTreeMap;

use axum::extract::Request;
use axum::http::{StatusCode, header};
use url::form_urlencoded;

use crate::error::OAuthError;

/// Largest request body the OAuth endpoints read, in bytes. Real requests
/// are a few kilobytes; anything larger is rejected before parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Decoded parameters by name.
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: BTreeMap<String, String>,
}

/// A failure to read a request's parameters.
#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    #[error(
        "the request body must be {FORM_CONTENT_TYPE}, but Content-Type is {0:?}; send the parameters form-encoded"
    )]
    ContentType(String),
    #[error("the request body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("the request body could not be read: {0}")]
    Read(String),
    #[error("the '{0}' parameter was sent more than once; send each parameter once")]
    Duplicate(String),
}

impl From<ParamsError> for OAuthError {
    fn from(error: ParamsError) -> Self {
        let status = match error {
            ParamsError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        OAuthError::new(status, "invalid_request", error.to_string())
    }
}

impl Params {
    /// Parses a URL query string (without the `?`); `None` gives no parameters.
    ///
    /// # Errors
    /// [`ParamsError::Duplicate`] if a name repeats.
    pub fn from_query(query: Option<&str>) -> Result<Params, ParamsError> {
        Params::from_urlencoded(query.unwrap_or_default().as_bytes())
    }

    /// Parses `application/x-www-form-urlencoded` bytes. Invalid UTF-8 or
    /// percent escapes decode lossily, as browsers do, rather than failing.
    ///
    /// # Errors
    /// [`ParamsError::Duplicate`] if a name repeats.
    pub fn from_urlencoded(input: &[u8]) -> Result<Params, ParamsError> {
        let mut values = BTreeMap::new();
        for (name, value) in form_urlencoded::parse(input) {
            if values
                .insert(name.to_string(), value.into_owned())
                .is_some()
            {
                return Err(ParamsError::Duplicate(name.into_owned()));
            }
        }
        Ok(Params { values })
    }

    /// Reads a form-encoded request body of at most [`MAX_BODY_BYTES`].
    ///
    /// # Errors
    /// Another content type, an oversized or unreadable body, or a repeated
    /// parameter.
    pub async fn from_form(request: Request) -> Result<Params, ParamsError> {
        let headers = request.headers();
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .unwrap_or_default();
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !media_type.eq_ignore_ascii_case(FORM_CONTENT_TYPE) {
            return Err(ParamsError::ContentType(content_type));
        }

        let declared_length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if declared_length.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
            return Err(ParamsError::TooLarge);
        }

        let body = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|error| {
                if is_length_limit(&error) {
                    ParamsError::TooLarge
                } else {
                    ParamsError::Read(error.to_string())
                }
            })?;
        Params::from_urlencoded(&body)
    }

    /// Returns a parameter's value; an empty value counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// Returns the value or `invalid_request` naming the missing parameter.
    ///
    /// # Errors
    /// `invalid_request` when the parameter is absent or empty.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| {
            OAuthError::invalid_request(format!("The '{name}' parameter is required."))
        })
    }
}

/// Tells whether a body error came from the length limit of `to_bytes`.
fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_value_counts_as_absent() {
        let params = Params::from_urlencoded(b"state=&scope=openid").unwrap();
        assert_eq!(params.get("state"), None);
        assert_eq!(params.get("scope"), Some("openid"));
    }

    #[test]
    fn duplicate_parameter_rejected() {
        let error = Params::from_urlencoded(b"scope=a&scope=b").unwrap_err();
        assert!(matches!(error, ParamsError::Duplicate(name) if name == "scope"));
    }

    #[test]
    fn plus_decodes_to_space() {
        let params = Params::from_urlencoded(b"scope=openid+profile").unwrap();
        assert_eq!(params.get("scope"), Some("openid profile"));
    }
}
