//! Management API subset: `/api/v1/…`.

use axum::Router;

use crate::state::SharedState;

pub fn router(_state: SharedState) -> Router<SharedState> {
    Router::new()
}
