//! Handlers of the demo API.

mod catalog;
mod profile;
mod transfers;

use axum::Json;
use serde_json::{Value, json};

pub(crate) use catalog::catalog;
pub(crate) use profile::profile;
pub(crate) use transfers::{MAX_TRANSFER_BODY_BYTES, create_transfer};

/// Returns 200 while the server runs (liveness). Okta is not called.
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}
