//! Rejection responses: RFC 6750 `WWW-Authenticate` plus an RFC 9457
//! problem document.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::Reason;
use crate::config::ResponseConfig;

/// Maximum length of `error_description` and `detail`, in characters.
const MAX_DESCRIPTION_LEN: usize = 200;

/// Rendering settings shared by every rejection of one guard.
#[derive(Debug, Clone)]
pub(crate) struct ResponseStyle {
    realm: Arc<str>,
    problem_type_base: Option<Arc<str>>,
}

impl ResponseStyle {
    pub(crate) fn new(config: &ResponseConfig) -> Self {
        Self {
            realm: config.realm.as_str().into(),
            problem_type_base: config.problem_type_base.as_deref().map(Into::into),
        }
    }
}

/// A request the guard rejected. Renders as the HTTP response a client
/// should see. The same data drives forward-auth responses.
#[derive(Debug, Clone)]
pub struct Rejection {
    reason: Reason,
    detail: String,
    retry_after: Option<Duration>,
    /// Scopes named in the challenge's `scope` attribute (RFC 6750 section 3).
    scope: Option<String>,
    style: ResponseStyle,
}

/// The RFC 9457 problem document.
#[derive(Debug, Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    /// Stable reason code ([`Reason::code`]).
    reason: &'static str,
}

impl Rejection {
    pub(crate) fn new(reason: Reason, detail: impl Into<String>, style: &ResponseStyle) -> Self {
        Self {
            reason,
            detail: sanitize(&detail.into()),
            retry_after: None,
            scope: None,
            style: style.clone(),
        }
    }

    /// Sets `Retry-After`, sent with a 503 only.
    #[must_use]
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// Sets the space-separated scopes the resource needs, sent as the
    /// challenge's `scope` attribute of a 401 or 403 (RFC 6750 section 3).
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(sanitize(&scope.into()));
        self
    }

    /// Returns the scopes named in the challenge, if any.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// Returns the reason code.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// Returns the description sent to the client.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Returns the HTTP status.
    pub fn status(&self) -> StatusCode {
        self.reason.status()
    }

    /// Returns `Retry-After` for a 503, in seconds.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// Returns the `WWW-Authenticate` value for a 401 or 403 (RFC 6750
    /// section 3): `realm` always, `error` and `error_description` unless the
    /// request carried no credential at all.
    pub fn www_authenticate(&self) -> Option<HeaderValue> {
        let status = self.status();
        if status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN {
            return None;
        }
        let mut value = format!("Bearer realm=\"{}\"", self.style.realm);
        if let Some(error) = self.reason.bearer_error() {
            value.push_str(&format!(
                ", error=\"{error}\", error_description=\"{}\"",
                self.detail
            ));
        }
        if let Some(scope) = &self.scope {
            value.push_str(&format!(", scope=\"{scope}\""));
        }
        HeaderValue::from_str(&value).ok()
    }

    /// Returns the problem document's `type`.
    fn problem_type(&self) -> String {
        match &self.style.problem_type_base {
            Some(base) => format!("{base}{}", self.reason.code()),
            None => "about:blank".to_owned(),
        }
    }

    /// Returns the problem document's `title`. With `about:blank`, RFC 9457
    /// recommends the HTTP status phrase. A specific type gets its own title.
    fn title(&self) -> &'static str {
        if self.style.problem_type_base.is_none() {
            return self.status().canonical_reason().unwrap_or("Error");
        }
        title(self.reason)
    }

    /// Adds `WWW-Authenticate` and `Retry-After` to `headers`.
    pub(crate) fn write_headers(&self, headers: &mut http::HeaderMap) {
        if let Some(challenge) = self.www_authenticate() {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        if let Some(delay) = self.retry_after {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(delay.as_secs().max(1)),
            );
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: self.problem_type(),
            title: self.title(),
            status: self.status().as_u16(),
            detail: &self.detail,
            reason: self.reason.code(),
        };
        let mut response = (self.status(), Json(&problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        self.write_headers(response.headers_mut());
        response
    }
}

/// Renders a plain problem document for endpoints whose errors are not
/// about bearer tokens (event hooks, the admin API).
pub(crate) fn problem(status: StatusCode, detail: &str) -> Response {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": sanitize(detail),
    });
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// Keeps only the characters RFC 6750 allows in `error_description`
/// (%x20-21 / %x23-5B / %x5D-7E). Quotes become apostrophes, backslashes
/// become slashes and anything else a space. Text longer than
/// [`MAX_DESCRIPTION_LEN`] characters is cut.
fn sanitize(text: &str) -> String {
    text.chars()
        .take(MAX_DESCRIPTION_LEN)
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => ' ',
        })
        .collect()
}

const fn title(reason: Reason) -> &'static str {
    match reason {
        Reason::Allowed => "Allowed",
        Reason::MissingToken => "Bearer token required",
        Reason::MalformedToken => "Malformed token",
        Reason::TokenTooLarge => "Token too large",
        Reason::AlgorithmNotAllowed => "Signing algorithm not allowed",
        Reason::UnknownKey => "Unknown signing key",
        Reason::InvalidSignature => "Invalid signature",
        Reason::TokenExpired => "Token expired",
        Reason::TokenNotYetValid => "Token not yet valid",
        Reason::IssuedInFuture => "Token issued in the future",
        Reason::IssuerMismatch => "Wrong issuer",
        Reason::OrgAuthorizationServer => "Org authorization server token",
        Reason::AudienceMismatch => "Wrong audience",
        Reason::ClientNotAllowed => "Client not allowed",
        Reason::InsufficientScope => "Insufficient scope",
        Reason::WrongTokenType => "Wrong token type",
        Reason::InvalidClaims => "Invalid claims",
        Reason::NotSessionBound => "Token not bound to a session",
        Reason::SessionEnded => "Session ended",
        Reason::SessionUserMismatch => "Session belongs to another user",
        Reason::SessionNotActive => "Session not active",
        Reason::TokenDenied => "Token denied",
        Reason::OktaUnavailable => "Session check unavailable",
        Reason::OktaRateLimited => "Session check rate-limited",
        Reason::JwksUnavailable => "Signing keys unavailable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> ResponseStyle {
        ResponseStyle::new(&ResponseConfig::default())
    }

    #[test]
    fn challenge_has_error_and_description() {
        let rejection =
            Rejection::new(Reason::SessionEnded, "the Okta session has ended", &style());
        let challenge = rejection.www_authenticate().expect("401 has a challenge");
        assert_eq!(
            challenge,
            r#"Bearer realm="api", error="invalid_token", error_description="the Okta session has ended""#
        );
    }

    #[test]
    fn challenge_omits_error_without_token() {
        let rejection = Rejection::new(Reason::MissingToken, "no bearer token", &style());
        assert_eq!(
            rejection.www_authenticate().expect("401 has a challenge"),
            r#"Bearer realm="api""#
        );
    }

    #[test]
    fn challenge_names_required_scope() {
        let rejection = Rejection::new(Reason::InsufficientScope, "lacks demo.write", &style())
            .with_scope("demo.write");
        assert_eq!(
            rejection.www_authenticate().expect("403 has a challenge"),
            r#"Bearer realm="api", error="insufficient_scope", error_description="lacks demo.write", scope="demo.write""#
        );
    }

    #[test]
    fn unavailable_has_no_challenge() {
        let rejection = Rejection::new(Reason::OktaUnavailable, "retry", &style());
        assert!(rejection.www_authenticate().is_none());
    }

    #[test]
    fn sanitize_replaces_quotes_and_controls() {
        assert_eq!(sanitize("a \"b\" \\ c\n\u{e9}"), "a 'b' / c  ");
    }
}
