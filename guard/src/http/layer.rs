//! Tower middleware that runs the guard before the inner service and puts
//! the [`Authorized`] proof into the request extensions.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::MatchedPath;
use axum::response::{IntoResponse, Response};
use http::Request;
use tower::{Layer, Service};

use crate::guard::{Guard, Requirement};

impl Guard {
    /// Returns a layer enforcing `requirement` (a [`crate::Policy`], or a
    /// [`Requirement`] with route scopes) on every request it wraps.
    ///
    /// Rejections are logged once by the guard, with the matched route
    /// when the layer is added with `route_layer`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # fn app(guard: session_guard::Guard) -> axum::Router {
    /// use axum::{Router, routing::get};
    /// use session_guard::{Authorized, Policy};
    ///
    /// async fn me(auth: Authorized) -> String {
    ///     auth.claims().sub.clone()
    /// }
    ///
    /// Router::new()
    ///     .route("/me", get(me))
    ///     .route_layer(guard.layer(Policy::LiveSession))
    ///     .route(
    ///         "/transfers",
    ///         get(me).route_layer(guard.layer(Policy::LiveSession.with_scopes(["demo.write"]))),
    ///     )
    /// # }
    /// ```
    pub fn layer(&self, requirement: impl Into<Requirement>) -> GuardLayer {
        GuardLayer {
            guard: self.clone(),
            requirement: requirement.into(),
        }
    }
}

/// Layer built by [`Guard::layer`].
#[derive(Debug, Clone)]
pub struct GuardLayer {
    guard: Guard,
    requirement: Requirement,
}

impl<S> Layer<S> for GuardLayer {
    type Service = GuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService {
            inner,
            guard: self.guard.clone(),
            requirement: self.requirement.clone(),
        }
    }
}

/// Service built by [`GuardLayer`].
#[derive(Debug, Clone)]
pub struct GuardService<S> {
    inner: S,
    guard: Guard,
    requirement: Requirement,
}

impl<S, B> Service<Request<B>> for GuardService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // The clone is not ready yet; swap it in so that the service that
        // `poll_ready` readied is the one called.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let guard = self.guard.clone();
        let requirement = self.requirement.clone();
        let route = request.extensions().get::<MatchedPath>().cloned();

        Box::pin(async move {
            let decision = guard
                .decide_headers(
                    request.headers(),
                    requirement.policy(),
                    requirement.scopes(),
                    route.as_ref().map(MatchedPath::as_str),
                )
                .await;
            match decision {
                Ok(authorized) => {
                    request.extensions_mut().insert(authorized);
                    inner.call(request).await
                }
                Err(rejection) => Ok(rejection.into_response()),
            }
        })
    }
}
