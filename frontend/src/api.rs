//! Calls to the back end's demo routes with a bearer token.

use crate::browser::http::{self, FetchError, HttpRequest};
use crate::problem::{ApiOutcome, RawResponse, interpret};

/// A back-end route the app calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `GET /api/profile`: live session required.
    Profile,
    /// `POST /api/transfers`: live session and `demo.write` required.
    Transfers,
    /// `GET /api/catalog`: a valid token is enough.
    Catalog,
}

/// The transfer the demo submits; the back end validates it and stores
/// nothing.
const DEMO_TRANSFER: &str = r#"{"to_account":"DEMO-SAVINGS-0001","amount_cents":1250,"currency":"EUR","memo":"session-linked token demo"}"#;

impl Route {
    /// Every route, in display order.
    pub const ALL: [Route; 3] = [Route::Profile, Route::Transfers, Route::Catalog];

    /// Returns the method and path, such as `GET /api/profile`.
    pub fn label(self) -> &'static str {
        match self {
            Route::Profile => "GET /api/profile",
            Route::Transfers => "POST /api/transfers",
            Route::Catalog => "GET /api/catalog",
        }
    }

    /// Describes the back end's policy for the route.
    pub fn policy(self) -> &'static str {
        match self {
            Route::Profile => "live Okta session",
            Route::Transfers => "live Okta session and scope demo.write",
            Route::Catalog => "valid token only (Okta is not asked)",
        }
    }

    /// Returns the short name used in `data-testid` values.
    pub fn id(self) -> &'static str {
        match self {
            Route::Profile => "profile",
            Route::Transfers => "transfers",
            Route::Catalog => "catalog",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Route::Profile => "/api/profile",
            Route::Transfers => "/api/transfers",
            Route::Catalog => "/api/catalog",
        }
    }
}

/// Calls `route` on the back end at `api_base_url` with `access_token`
/// as the bearer token, and nothing else.
///
/// # Errors
/// [`FetchError`] when no HTTP response arrives.
pub async fn call(
    api_base_url: &str,
    route: Route,
    access_token: &str,
) -> Result<ApiOutcome, FetchError> {
    let url = format!("{api_base_url}{}", route.path());
    let request = match route {
        Route::Transfers => HttpRequest::post_json(url, DEMO_TRANSFER.to_owned()),
        Route::Profile | Route::Catalog => HttpRequest::get(url),
    }
    .bearer(access_token);

    let response = http::send(request).await?;
    Ok(interpret(&RawResponse {
        status: response.status,
        content_type: response.content_type.as_deref(),
        retry_after: response.retry_after.as_deref(),
        www_authenticate: response.www_authenticate.as_deref(),
        body: &response.body,
    }))
}
