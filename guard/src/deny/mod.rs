//! Deny list of compromised token ids (`jti`) and its admin API.

mod admin;
mod store;

pub use admin::DENY_LIST_ADMIN_PATH;
pub use store::{DenyEntry, DenyList, DenyListError, MAX_JTI_LEN, MAX_REASON_LEN};
