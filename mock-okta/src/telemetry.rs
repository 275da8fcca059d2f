//! Request ids and one structured log line per request.
//!
//! Okta gives every response an `X-Okta-Request-Id`; the emulator does the
//! same and puts the id on the request's tracing span, so every log line a
//! handler writes carries it. Only the method and the path are logged: query
//! strings can carry authorization codes and `state`, and headers carry API
//! tokens.

use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::ids;

/// Okta's request id header.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-okta-request-id");

/// The id of the request being served, in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Assigns a request id, logs the request's outcome and sets
/// `X-Okta-Request-Id` on the response.
///
/// A request id sent by the client is ignored, as Okta ignores it: the id
/// must be one the emulator made.
pub async fn trace_request(mut request: Request, next: Next) -> Response {
    let id = ids::base62(27);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    request.extensions_mut().insert(RequestId(id.clone()));

    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let latency_ms = started.elapsed().as_millis() as u64;

    // Base62 characters are always a valid header value.
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms,
            "request served"
        );
    });
    response
}
