//! Request body reading and the JSON error responses of this service.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header::CONTENT_LENGTH};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::wire::PayloadError;

/// Largest token inline hook request accepted, in bytes. Okta caps hook
/// responses at 256 KB; requests are far smaller.
pub const TOKEN_HOOK_BODY_LIMIT: usize = 256 * 1024;

/// Largest event hook delivery accepted, in bytes.
pub const EVENT_HOOK_BODY_LIMIT: usize = 1024 * 1024;

/// A request this service rejects before deciding anything.
#[derive(Debug)]
pub enum Rejection {
    /// `401`.
    Unauthenticated,
    /// `413`.
    TooLarge {
        /// Limit, in bytes.
        limit: usize,
    },
    /// `400`: the body stream failed before its end.
    Unreadable(String),
    /// `400` with the offending JSON path.
    InvalidBody(PayloadError),
}

impl Rejection {
    /// Returns the outcome label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "rejected_unauthenticated",
            Self::TooLarge { .. } => "rejected_too_large",
            Self::Unreadable(_) | Self::InvalidBody(_) => "rejected_invalid_body",
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "unauthorized", "message": "missing or invalid credentials"})),
            )
                .into_response(),
            Self::TooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(json!({
                    "error": "payload_too_large",
                    "message": format!("request body exceeds {limit} bytes"),
                })),
            )
                .into_response(),
            Self::Unreadable(message) => (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_request", "message": format!("request body cannot be read: {message}")})),
            )
                .into_response(),
            Self::InvalidBody(error) => (
                StatusCode::BAD_REQUEST,
                Json(json!({
                    "error": "invalid_request",
                    "field": error.path,
                    "message": error.to_string(),
                })),
            )
                .into_response(),
        }
    }
}

/// Reads `body` up to `limit` bytes.
///
/// # Errors
/// [`Rejection::TooLarge`] when `Content-Length` or the streamed body
/// exceeds `limit`, [`Rejection::Unreadable`] when the stream fails.
pub async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, Rejection> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(Rejection::TooLarge { limit });
    }

    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let inner = error.into_inner();
        if inner.is::<http_body_util::LengthLimitError>() {
            Rejection::TooLarge { limit }
        } else {
            Rejection::Unreadable(inner.to_string())
        }
    })
}
