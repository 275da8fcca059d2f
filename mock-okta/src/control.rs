//! The control API for tests, under `/mock/…`, apart from Okta's paths.

use axum::Router;

use crate::state::SharedState;

pub fn router() -> Router<SharedState> {
    Router::new()
}
