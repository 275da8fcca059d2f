//! The app's OpenID Connect client in the browser: loading the
//! configuration and discovery document, sign-in, refresh and sign-out.
//! Tokens stay in memory (in [`Session`]); only the pending sign-in and
//! the logout `state` cross a redirect, in sessionStorage.

mod error;
mod flow;
mod provider;
mod session;

pub use error::AuthError;
pub use flow::{begin_sign_in, complete_sign_in, refresh, sign_out, take_logout_return};
pub use provider::{Provider, load_provider};
pub use session::Session;
