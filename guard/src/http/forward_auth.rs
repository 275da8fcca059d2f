//! Forward-auth endpoint for reverse proxies: nginx `auth_request`, Traefik
//! `ForwardAuth`, Caddy `forward_auth` and Envoy `ext_authz` (HTTP service).
//!
//! The proxy sends the client's `Authorization` header to
//! `/forward-auth/{policy}` with any method. `{policy}` is `session` (live
//! Okta session required) or `token` (token only), and `/forward-auth`
//! alone means `session`. Envoy appends the original path after its
//! `path_prefix`, so `/forward-auth/session/<anything>` is accepted too.
//!
//! The policy comes only from the path, which the proxy configuration
//! fixes. A query parameter or request header could be forged by the
//! client: Envoy appends the client's query string, and Traefik forwards
//! every client header by default.
//!
//! An allowed request gets `200` with identity headers for the upstream:
//!
//! | header | value |
//! |---|---|
//! | `X-Auth-Subject` | `sub` |
//! | `X-Auth-User-Id` | `uid` (absent when the token has none) |
//! | `X-Auth-Client-Id` | `cid` (absent when the token has none) |
//! | `X-Auth-Scopes` | granted scopes, space-separated |
//! | `X-Auth-Token-Id` | `jti` (absent when the token has none) |
//! | `X-Auth-Policy` | `session` or `token` |
//! | `X-Auth-Session-Ref` | first 16 hex characters of SHA-256 of the session id (`session` only) |
//! | `X-Auth-Session-Status` | the Okta session status (`session` only) |
//!
//! The raw session id is never sent: in Okta it identifies the browser
//! session, so upstreams get a reference that correlates requests but
//! cannot be used against Okta. The token is never sent either. A rejected
//! request gets the rejection's status, `WWW-Authenticate`, `Retry-After`
//! (503) and problem body. The proxy must overwrite (not append) the
//! `X-Auth-*` headers it passes upstream, or a client could send its own.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use crate::guard::{Authorized, Guard, Policy};
use crate::http::rejection::problem;

/// Base path of the forward-auth endpoint.
pub const FORWARD_AUTH_PATH: &str = "/forward-auth";

/// Headers that proxies use to pass the original request, in the order
/// they are read for logging.
const ORIGINAL_URI_HEADERS: [&str; 2] = ["x-original-uri", "x-forwarded-uri"];
const ORIGINAL_METHOD_HEADERS: [&str; 2] = ["x-original-method", "x-forwarded-method"];

impl Guard {
    /// Returns the forward-auth endpoint at [`FORWARD_AUTH_PATH`].
    pub fn forward_auth_router(&self) -> Router {
        Router::new()
            .route(FORWARD_AUTH_PATH, any(default_policy))
            .route(
                &format!("{FORWARD_AUTH_PATH}/{{policy}}"),
                any(named_policy),
            )
            .route(
                &format!("{FORWARD_AUTH_PATH}/{{policy}}/{{*rest}}"),
                any(named_policy_with_path),
            )
            .with_state(self.clone())
    }
}

async fn default_policy(
    State(guard): State<Guard>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    decide(&guard, Policy::LiveSession, &method, &headers, None).await
}

async fn named_policy(
    State(guard): State<Guard>,
    Path(policy): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    match parse_policy(&policy) {
        Some(policy) => decide(&guard, policy, &method, &headers, None).await,
        None => unknown_policy(&policy),
    }
}

async fn named_policy_with_path(
    State(guard): State<Guard>,
    Path((policy, rest)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    match parse_policy(&policy) {
        Some(policy) => decide(&guard, policy, &method, &headers, Some(&rest)).await,
        None => unknown_policy(&policy),
    }
}

fn parse_policy(name: &str) -> Option<Policy> {
    match name {
        "session" => Some(Policy::LiveSession),
        "token" => Some(Policy::TokenOnly),
        _ => None,
    }
}

fn unknown_policy(name: &str) -> Response {
    tracing::error!(
        policy = name,
        "forward-auth called with an unknown policy; fix the proxy configuration"
    );
    problem(
        StatusCode::NOT_FOUND,
        "unknown forward-auth policy; use /forward-auth/session or /forward-auth/token",
    )
}

async fn decide(
    guard: &Guard,
    policy: Policy,
    method: &Method,
    headers: &HeaderMap,
    envoy_path: Option<&str>,
) -> Response {
    let original_uri = first_header(headers, &ORIGINAL_URI_HEADERS)
        .or(envoy_path)
        .unwrap_or("-");
    let original_method =
        first_header(headers, &ORIGINAL_METHOD_HEADERS).unwrap_or(method.as_str());

    // The guard logs the rejection itself, with the original URI as route.
    match guard
        .decide_headers(headers, policy, &[], Some(original_uri))
        .await
    {
        Ok(authorized) => {
            tracing::debug!(
                token = %authorized.token().fingerprint(),
                policy = policy.as_str(),
                method = original_method,
                uri = original_uri,
                "forward-auth allowed"
            );
            (StatusCode::OK, identity_headers(&authorized)).into_response()
        }
        Err(rejection) => rejection.into_response(),
    }
}

fn first_header<'h>(headers: &'h HeaderMap, names: &[&str]) -> Option<&'h str> {
    names
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
}

fn identity_headers(authorized: &Authorized) -> HeaderMap {
    let claims = authorized.claims();
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: &str| match HeaderValue::from_str(value) {
        Ok(value) => {
            headers.insert(HeaderName::from_static(name), value);
        }
        Err(_) => tracing::warn!(
            header = name,
            "claim value cannot be sent in a header; header omitted"
        ),
    };

    set("x-auth-subject", &claims.sub);
    if let Some(uid) = &claims.uid {
        set("x-auth-user-id", uid);
    }
    if let Some(cid) = &claims.cid {
        set("x-auth-client-id", cid);
    }
    set("x-auth-scopes", &claims.scopes.join(" "));
    if let Some(jti) = &claims.jti {
        set("x-auth-token-id", jti);
    }
    set("x-auth-policy", authorized.policy().as_str());
    if let Some(session) = authorized.session() {
        set("x-auth-session-ref", &session.id.reference());
        set("x-auth-session-status", session.status.as_str());
    }
    headers
}
