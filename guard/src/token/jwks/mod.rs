//! Fetching and caching the issuer's JSON Web Key Set.

mod cache;
mod cache_control;
mod error;
mod fetch;
mod key_set;
mod stats;

pub(crate) use cache::{CachePolicy, JwksCache, LookupError};
pub use error::JwksError;
pub(crate) use fetch::Fetcher;
pub(crate) use key_set::VerificationKey;
pub(crate) use stats::Counters;
pub use stats::JwksStats;
