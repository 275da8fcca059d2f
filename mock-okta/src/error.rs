//! Error responses in Okta's two formats.
//!
//! The Management API (`/api/v1/…`) answers with Okta's error object
//! (`errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`); the
//! authorization server (`/oauth2/…`) answers with OAuth 2.0 errors
//! (`error`, `error_description`, RFC 6749 section 5.2).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::ids;

/// Okta's Management API error object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OktaErrorBody {
    pub error_code: &'static str,
    pub error_summary: String,
    pub error_link: &'static str,
    pub error_id: String,
    pub error_causes: Vec<ErrorCause>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorCause {
    pub error_summary: String,
}

/// A Management API error with its HTTP status.
#[derive(Debug, Clone)]
pub struct OktaError {
    pub status: StatusCode,
    pub body: OktaErrorBody,
}

impl OktaError {
    fn new(status: StatusCode, code: &'static str, summary: impl Into<String>) -> OktaError {
        OktaError {
            status,
            body: OktaErrorBody {
                error_code: code,
                error_summary: summary.into(),
                error_link: code,
                error_id: ids::error_id(),
                error_causes: Vec::new(),
            },
        }
    }

    /// `E0000007`: the resource (an ended or unknown session) does not exist.
    pub fn not_found(id: &str, kind: &str) -> OktaError {
        OktaError::new(
            StatusCode::NOT_FOUND,
            "E0000007",
            format!("Not found: Resource not found: {id} ({kind})"),
        )
    }

    /// `E0000011`: missing or unknown API token.
    pub fn invalid_token() -> OktaError {
        OktaError::new(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        )
    }

    /// `E0000006`: the caller may not use this endpoint.
    pub fn access_denied(cause: impl Into<String>) -> OktaError {
        let mut error = OktaError::new(
            StatusCode::FORBIDDEN,
            "E0000006",
            "You do not have permission to perform the requested action",
        );
        error.body.error_causes.push(ErrorCause {
            error_summary: cause.into(),
        });
        error
    }

    /// `E0000047`: the endpoint's rate-limit bucket is exhausted.
    pub fn rate_limited() -> OktaError {
        OktaError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    /// `E0000047` as the authorization server words it (`/oauth2/…`).
    pub fn rate_limited_oauth() -> OktaError {
        OktaError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "You exceeded the maximum number of requests. Try again in a while.",
        )
    }

    /// `E0000008`: no endpoint has this path.
    pub fn path_not_found() -> OktaError {
        OktaError::new(
            StatusCode::NOT_FOUND,
            "E0000008",
            "The requested path was not found",
        )
    }

    /// `E0000022`: the endpoint exists but not with this HTTP method.
    pub fn method_not_allowed() -> OktaError {
        OktaError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        )
    }

    /// `E0000003` with another status: a body that cannot be read at all
    /// (too large: 413, not JSON: 415). Okta documents no code of its own
    /// for these, so the reader-exception code is kept.
    pub fn unreadable_body(status: StatusCode, cause: impl Into<String>) -> OktaError {
        let mut error = OktaError::malformed_body(cause);
        error.status = status;
        error
    }

    /// `E0000003`: the body is not well-formed.
    pub fn malformed_body(cause: impl Into<String>) -> OktaError {
        let mut error = OktaError::new(
            StatusCode::BAD_REQUEST,
            "E0000003",
            "The request body was not well-formed.",
        );
        error.body.error_causes.push(ErrorCause {
            error_summary: cause.into(),
        });
        error
    }

    /// `E0000001`: a parameter failed validation.
    pub fn validation(cause: impl Into<String>) -> OktaError {
        let mut error =
            OktaError::new(StatusCode::BAD_REQUEST, "E0000001", "Api validation failed");
        error.body.error_causes.push(ErrorCause {
            error_summary: cause.into(),
        });
        error
    }

    /// `E0000009`: an injected server fault.
    pub fn internal() -> OktaError {
        OktaError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "E0000009",
            "Internal Server Error",
        )
    }
}

impl IntoResponse for OktaError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// An OAuth 2.0 error from the authorization server.
#[derive(Debug, Clone)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    /// `WWW-Authenticate` for 401s on client authentication (RFC 6749 5.2).
    pub www_authenticate: Option<&'static str>,
}

#[derive(Serialize)]
struct OAuthErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

impl OAuthError {
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
            www_authenticate: None,
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    pub fn invalid_scope(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::BAD_REQUEST, "invalid_scope", description)
    }

    pub fn unsupported_grant_type(grant_type: &str) -> Self {
        OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!(
                "The authorization grant type is not supported by the authorization server. Configured grant type: {grant_type}"
            ),
        )
    }

    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::BAD_REQUEST, "unauthorized_client", description)
    }

    /// Client authentication failed: 401 with `WWW-Authenticate`.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        OAuthError {
            www_authenticate: Some("Basic realm=\"okta\""),
            ..OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
        }
    }

    pub fn server_error(description: impl Into<String>) -> Self {
        OAuthError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            description,
        )
    }

    /// A bearer token presented to `/userinfo` is missing or invalid.
    pub fn invalid_token(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_token", description)
    }

    /// Builds the 403 for a valid bearer token that lacks the scope the
    /// resource needs, with a `Bearer` challenge (RFC 6750 section 3.1).
    pub fn insufficient_scope(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::FORBIDDEN, "insufficient_scope", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = OAuthErrorBody {
            error: self.error,
            error_description: &self.description,
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        // RFC 6749 section 5.1: token responses must not be cached.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(challenge) = self.www_authenticate {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        let bearer_challenge = (self.status == StatusCode::UNAUTHORIZED
            && self.error == "invalid_token")
            || (self.status == StatusCode::FORBIDDEN && self.error == "insufficient_scope");
        if bearer_challenge {
            let value = format!(
                "Bearer authorization_uri=\"\", realm=\"okta\", error=\"{}\", error_description=\"{}\"",
                self.error,
                self.description.replace('"', "'")
            );
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(header::WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}
