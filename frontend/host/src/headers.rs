//! Headers set on every response: a Content-Security-Policy that
//! lets the app fetch only from itself, the issuer and the back end, and
//! the usual hardening headers.

use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::SpaConfig;

/// Builds the Content-Security-Policy. `'wasm-unsafe-eval'` lets the page
/// compile its WebAssembly module; nothing else may be evaluated.
pub(crate) fn content_security_policy(config: &SpaConfig) -> String {
    let connect = config.connect_origins().join(" ");
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self' {connect}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    )
}

/// Builds the layers that set the hardening headers, outermost first.
pub(crate) fn hardening(
    config: &SpaConfig,
) -> Result<[SetResponseHeaderLayer<HeaderValue>; 4], axum::http::header::InvalidHeaderValue> {
    let policy = HeaderValue::from_str(&content_security_policy(config))?;
    let layer =
        |name: HeaderName, value: HeaderValue| SetResponseHeaderLayer::overriding(name, value);
    Ok([
        layer(header::CONTENT_SECURITY_POLICY, policy),
        layer(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        // The callback URL carries the authorization code, so no Referer
        // may send it to another origin.
        layer(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        layer(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ])
}
