//! The OpenID Connect pieces of the authorization code flow with PKCE, as
//! pure functions: discovery, the authorization request and its callback,
//! the token endpoint's forms and responses, ID token checks, and logout.

pub mod authorize;
pub mod discovery;
pub mod id_token;
pub mod logout;
pub mod token;
