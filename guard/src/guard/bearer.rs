//! Extraction of the bearer token from the request headers.

use http::{HeaderMap, header};

use super::Guard;
use crate::Reason;
use crate::http::rejection::Rejection;

impl Guard {
    /// Extracts the bearer token (RFC 6750 section 2.1). Another scheme or
    /// no header at all is "no credential"; two headers are ambiguous.
    pub(super) fn bearer_token<'h>(&self, headers: &'h HeaderMap) -> Result<&'h str, Rejection> {
        let mut values = headers.get_all(header::AUTHORIZATION).iter();
        let Some(value) = values.next() else {
            return Err(self.reject(
                Reason::MissingToken,
                "a bearer access token is required",
                None,
            ));
        };
        if values.next().is_some() {
            return Err(self.reject(
                Reason::MalformedToken,
                "send exactly one Authorization header",
                None,
            ));
        }
        let Ok(value) = value.to_str() else {
            return Err(self.reject(
                Reason::MalformedToken,
                "the Authorization header is not visible ASCII",
                None,
            ));
        };
        let Some((scheme, token)) = value.split_once(' ') else {
            return Err(self.reject(
                Reason::MissingToken,
                "a bearer access token is required",
                None,
            ));
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(self.reject(
                Reason::MissingToken,
                "a bearer access token is required",
                None,
            ));
        }
        let token = token.trim_matches(' ');
        if token.is_empty() {
            return Err(self.reject(Reason::MalformedToken, "the bearer token is empty", None));
        }
        Ok(token)
    }
}
