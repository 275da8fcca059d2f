//! API token authentication of the Management API:
//! `Authorization: SSWS <token>`.
//!
//! Every path under `/api/` needs a configured token, except the current
//! session's endpoints (`/api/v1/sessions/me…`), which Okta authenticates by
//! the browser's session cookie instead. A missing or unknown token gets
//! `401` with `E0000011`. Tokens are compared in constant time and never
//! logged; logs carry their fingerprint.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::config::ApiTokenConfig;
use crate::error::OktaError;
use crate::state::{SharedState, fingerprint};

/// The name of the API token that authenticated the request, in the
/// request's extensions.
#[derive(Debug, Clone)]
pub struct ApiTokenName(pub String);

/// The reason a request was not authenticated. It is logged only, because
/// the client always gets the same `E0000011` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rejection {
    Missing,
    NotSsws,
    Unknown,
}

/// Middleware: requires a configured SSWS token on Management API paths.
pub async fn require_api_token(
    State(state): State<SharedState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if !needs_api_token(path) {
        return next.run(request).await;
    }

    match authenticate(&state.config.api_tokens, request.headers()) {
        Ok(name) => {
            tracing::debug!(api_token = %name, "API token accepted");
            request.extensions_mut().insert(ApiTokenName(name));
            next.run(request).await
        }
        Err((rejection, presented)) => {
            tracing::warn!(
                ?rejection,
                token_fingerprint = %presented.as_deref().map(fingerprint).unwrap_or_default(),
                "Management API request rejected: missing or invalid SSWS token"
            );
            OktaError::invalid_token().into_response()
        }
    }
}

/// Returns whether `path` is a Management API path authenticated by API token.
pub fn needs_api_token(path: &str) -> bool {
    let management = path == "/api" || path.starts_with("/api/");
    management && !is_current_session_path(path)
}

/// Returns whether `path` is one of the cookie-authenticated
/// `/api/v1/sessions/me` endpoints.
pub fn is_current_session_path(path: &str) -> bool {
    path.strip_prefix("/api/v1/sessions/me")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Returns the name of the configured token the request presents, or why
/// not together with the presented token (to fingerprint in logs).
fn authenticate(
    tokens: &[ApiTokenConfig],
    headers: &HeaderMap,
) -> Result<String, (Rejection, Option<String>)> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err((Rejection::Missing, None));
    };
    let value = value.to_str().map_err(|_| (Rejection::NotSsws, None))?;
    let Some((scheme, token)) = value.trim().split_once(' ') else {
        return Err((Rejection::NotSsws, None));
    };
    if !scheme.eq_ignore_ascii_case("SSWS") {
        return Err((Rejection::NotSsws, None));
    }

    let token = token.trim();
    match matching_token(tokens, token) {
        Some(config) => Ok(config.name.clone()),
        None => Err((Rejection::Unknown, Some(token.to_owned()))),
    }
}

/// Compares `presented` with every configured token without stopping at a
/// match, each comparison in constant time for equal lengths, so the timing
/// does not reveal how many leading characters matched. `subtle` returns
/// early on a length mismatch, which reveals only the token length.
fn matching_token<'a>(tokens: &'a [ApiTokenConfig], presented: &str) -> Option<&'a ApiTokenConfig> {
    let mut found = None;
    for token in tokens {
        let equal: bool = token.token.as_bytes().ct_eq(presented.as_bytes()).into();
        if equal {
            found = Some(token);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn tokens() -> Vec<ApiTokenConfig> {
        vec![ApiTokenConfig {
            name: "demo".to_owned(),
            token: "00abcdefghijklmnopqrstuvwxyz".to_owned(),
        }]
    }

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn authenticate_accepts_configured_token() {
        let result = authenticate(&tokens(), &headers("SSWS 00abcdefghijklmnopqrstuvwxyz"));
        assert_eq!(result, Ok("demo".to_owned()));
    }

    #[test]
    fn authenticate_rejects_each_bad_header() {
        let cases = [
            ("Bearer 00abcdefghijklmnopqrstuvwxyz", Rejection::NotSsws),
            ("SSWS", Rejection::NotSsws),
            ("SSWS 00abcdefghijklmnopqrstuvwxy", Rejection::Unknown),
            ("SSWS 00abcdefghijklmnopqrstuvwxyz0", Rejection::Unknown),
        ];
        for (value, expected) in cases {
            let result = authenticate(&tokens(), &headers(value));
            assert_eq!(result.map_err(|e| e.0), Err(expected), "{value}");
        }
    }

    #[test]
    fn authenticate_rejects_missing_header() {
        let result = authenticate(&tokens(), &HeaderMap::new());
        assert_eq!(result.map_err(|e| e.0), Err(Rejection::Missing));
    }

    #[test]
    fn current_session_paths_use_cookie() {
        assert!(!needs_api_token("/api/v1/sessions/me"));
        assert!(!needs_api_token("/api/v1/sessions/me/lifecycle/refresh"));
        assert!(needs_api_token("/api/v1/sessions/meow"));
        assert!(needs_api_token("/api/v1/logs"));
        assert!(!needs_api_token("/oauth2/default/v1/keys"));
    }
}
