//! RFC 9457 problem responses for the rejections the back end makes itself
//! (bad request body). They have the same members as the session guard's
//! rejections (`type`, `title`, `status`, `detail` and a stable `reason`)
//! and follow its `type` and header rules.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use session_guard::config::ResponseConfig;

/// Stable reason of a request body that fails validation.
pub(crate) const INVALID_BODY: &str = "invalid_body";
/// Stable reason of a body that is not `application/json`.
pub(crate) const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
/// Stable reason of a body over the size limit.
pub(crate) const BODY_TOO_LARGE: &str = "body_too_large";
/// Renders problems with the guard's `problem_type_base`.
#[derive(Debug, Clone)]
pub(crate) struct ProblemStyle {
    type_base: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    reason: &'a str,
    /// The request body field at fault (an extension member, RFC 9457 section 3.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ProblemStyle {
    pub(crate) fn new(config: &ResponseConfig) -> Self {
        Self {
            type_base: config.problem_type_base.clone(),
        }
    }

    /// Renders a 400 naming the body `field` at fault (`None` when the body
    /// as a whole is wrong).
    pub(crate) fn invalid_body(&self, field: Option<&str>, detail: &str) -> Response {
        self.render(
            StatusCode::BAD_REQUEST,
            INVALID_BODY,
            "Invalid request body",
            detail,
            field,
        )
    }

    /// Renders a 415 for a body that is not JSON.
    pub(crate) fn unsupported_media_type(&self) -> Response {
        let detail = "send the body as application/json";
        self.render(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            detail,
            None,
        )
    }

    /// Renders a 413 for a body over `limit` bytes.
    pub(crate) fn body_too_large(&self, limit: usize) -> Response {
        let detail = format!("the body is larger than {limit} bytes");
        self.render(
            StatusCode::PAYLOAD_TOO_LARGE,
            BODY_TOO_LARGE,
            "Body too large",
            &detail,
            None,
        )
    }

    /// Builds the response the way the guard does. Without a
    /// `problem_type_base`, the type is `about:blank` and the title is the
    /// HTTP status phrase (RFC 9457 section 4.2.1). With one, the type is
    /// base + reason and the title names the reason.
    fn render(
        &self,
        status: StatusCode,
        reason: &str,
        title: &str,
        detail: &str,
        field: Option<&str>,
    ) -> Response {
        let (kind, title) = match &self.type_base {
            Some(base) => (format!("{base}{reason}"), title),
            None => (
                "about:blank".to_owned(),
                status.canonical_reason().unwrap_or("Error"),
            ),
        };
        let body = Body {
            kind,
            title,
            status: status.as_u16(),
            detail,
            reason,
            field,
        };

        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
