//! Custom authorization servers: `/oauth2/{authServerId}/…`.

use axum::Router;

use crate::state::SharedState;

pub fn router() -> Router<SharedState> {
    Router::new()
}
