//! `GET /api/catalog`: read-only data that needs a valid token with the
//! `demo.read` scope, but not a live Okta session, so it keeps working
//! during an Okta outage and after logout until the token expires.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::auth::{Token, missing_scope};
use crate::READ_SCOPE;
use crate::app::AppState;

#[derive(Serialize)]
struct Item {
    sku: &'static str,
    name: &'static str,
    price_cents: u64,
    currency: &'static str,
}

#[derive(Serialize)]
struct Catalog {
    items: &'static [Item],
}

const ITEMS: &[Item] = &[
    Item {
        sku: "BOOK-001",
        name: "Field guide to session tokens",
        price_cents: 2_450,
        currency: "EUR",
    },
    Item {
        sku: "MUG-002",
        name: "Logout mug",
        price_cents: 1_200,
        currency: "EUR",
    },
    Item {
        sku: "KEY-003",
        name: "Hardware security key",
        price_cents: 5_500,
        currency: "EUR",
    },
];

pub(crate) async fn catalog(State(state): State<AppState>, Token(authorized): Token) -> Response {
    if let Some(rejection) = missing_scope(&state, &authorized, "/api/catalog", READ_SCOPE) {
        return rejection;
    }
    Json(Catalog { items: ITEMS }).into_response()
}
