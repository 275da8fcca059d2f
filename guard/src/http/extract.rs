//! Axum extractors for the guard's decision.
//!
//! [`Authorized`] reads the proof that [`crate::GuardLayer`] stored. The
//! [`LiveSession`] and [`TokenOnly`] extractors run the guard themselves
//! (with the [`Guard`] taken from the router state), so a route can pick
//! its policy in the handler signature without a layer.

use axum::extract::{FromRef, FromRequestParts, MatchedPath};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use crate::guard::{Authorized, Guard, Policy};
use crate::http::rejection::problem;

/// Rejection of [`Authorized`] when no guard layer ran before the handler:
/// a wiring mistake, rejected with 500 so that it fails closed.
#[derive(Debug)]
pub struct MissingGuardLayer;

impl IntoResponse for MissingGuardLayer {
    fn into_response(self) -> Response {
        tracing::error!(
            "handler takes Authorized but no guard layer ran; add Guard::layer to the route"
        );
        problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request was not checked by the guard",
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authorized {
    type Rejection = MissingGuardLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Authorized>()
            .cloned()
            .ok_or(MissingGuardLayer)
    }
}

/// A request whose token is valid and whose Okta session is alive.
#[derive(Debug, Clone)]
pub struct LiveSession(pub Authorized);

/// A request whose token is valid (the session is not checked).
#[derive(Debug, Clone)]
pub struct TokenOnly(pub Authorized);

async fn run<S>(parts: &Parts, state: &S, policy: Policy) -> Result<Authorized, crate::Rejection>
where
    Guard: FromRef<S>,
{
    // A layer that already applied a policy at least as strict is reused.
    if let Some(authorized) = parts.extensions.get::<Authorized>()
        && (authorized.policy() == policy || authorized.policy() == Policy::LiveSession)
    {
        return Ok(authorized.clone());
    }
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    Guard::from_ref(state)
        .decide_headers(&parts.headers, policy, &[], route)
        .await
}

impl<S: Send + Sync> FromRequestParts<S> for LiveSession
where
    Guard: FromRef<S>,
{
    type Rejection = crate::Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        run(parts, state, Policy::LiveSession)
            .await
            .map(LiveSession)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for TokenOnly
where
    Guard: FromRef<S>,
{
    type Rejection = crate::Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        run(parts, state, Policy::TokenOnly).await.map(TokenOnly)
    }
}
