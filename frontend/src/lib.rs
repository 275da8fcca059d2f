//! The demo single-page app: sign in to Okta with the authorization code
//! flow and PKCE, call the back end with the access token, sign out, and
//! replay a stolen copy of the token to see it refused once the Okta
//! session has ended.
//!
//! The modules at the top level are plain Rust with no browser in them
//! and are unit-tested on the host (`cargo test -p demo-frontend`).
//! `browser`, `auth` and `ui` call browser APIs and run in WebAssembly only.

pub mod claims_view;
pub mod config;
pub mod jwt;
pub mod oidc;
pub mod pkce;
pub mod problem;
pub mod replay;
pub mod time_format;

mod api;
mod auth;
mod browser;
mod ui;

/// Mounts the app on `<body>`. Call once, from `main`, in a browser.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ui::App);
}
