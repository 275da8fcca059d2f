//! `GET /api/catalog`: read-only data that needs a valid token with the
//! `demo.read` scope, but not a live Okta session, so it keeps working
//! during an Okta outage and after logout until the token expires. The
//! guard's layer on the route checks both (see `app.rs`).

use axum::Json;
use serde::Serialize;
use session_guard::Authorized;

#[derive(Serialize)]
struct Item {
    sku: &'static str,
    name: &'static str,
    price_cents: u64,
    currency: &'static str,
}

#[derive(Serialize)]
pub(crate) struct Catalog {
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

/// Takes [`Authorized`] although it reads nothing from it: without the
/// guard's layer the extractor fails with 500 instead of serving the data.
pub(crate) async fn catalog(_authorized: Authorized) -> Json<Catalog> {
    Json(Catalog { items: ITEMS })
}
