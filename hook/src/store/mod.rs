//! Persistent state: refresh token links and session revocations.
//!
//! Two traits keep the backend replaceable (a Redis store can implement
//! both); [`RedbStore`] is the embedded implementation. Every time is Unix
//! seconds, passed in by the caller so tests need no clock.

mod redb_store;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use redb_store::{Durability, RedbStore};

/// Errors of a store backend.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store file cannot be opened or created.
    #[error(
        "store {path} cannot be opened: {message}; check that the directory is writable and that no other session-hook process uses the file"
    )]
    Open {
        /// Store file.
        path: String,
        /// Backend error.
        message: String,
    },

    /// A read or write failed.
    #[error("store operation failed: {0}")]
    Backend(String),

    /// A stored record cannot be decoded.
    #[error("stored record under key {key:?} is corrupt: {message}")]
    Corrupt {
        /// Key of the record.
        key: String,
        /// Decoding error.
        message: String,
    },

    /// The store is shutting down.
    #[error("store is closed")]
    Closed,
}

/// The Okta session a refresh token was issued under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshLink {
    /// Okta session id stamped on the tokens.
    pub session_id: String,
    /// Okta user of the session, when known.
    pub user_id: Option<String>,
    /// Session creation time in milliseconds since the Unix epoch:
    /// `createdAt` of the session block, else the linking time (which is
    /// never earlier than the real creation). Milliseconds, because a
    /// sign-in in the same second as a user-wide revocation must survive it.
    pub session_created_at_ms: i64,
    /// Time the link was written or last extended.
    pub linked_at: i64,
    /// Time after which the link is gone.
    pub expires_at: i64,
}

/// Identity of a session for revocation checks.
#[derive(Debug, Clone, Copy)]
pub struct SessionRef<'a> {
    /// Okta session id.
    pub session_id: &'a str,
    /// Okta user of the session, when known.
    pub user_id: Option<&'a str>,
    /// Session creation time, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

/// Links from refresh token `jti` to the Okta session it was issued under.
#[async_trait]
pub trait RefreshStore: Send + Sync {
    /// Links each of `jtis` to `link`, replacing earlier links. Returns
    /// once `lookup` returns the link; whether it is on disk by then depends
    /// on the backend's durability setting.
    async fn link(&self, jtis: Vec<String>, link: RefreshLink) -> Result<(), StoreError>;

    /// Returns the link of `jti` unless it is missing or expired at `now`.
    async fn lookup(&self, jti: &str, now: i64) -> Result<Option<RefreshLink>, StoreError>;

    /// Deletes links expired at `now`; returns how many were deleted.
    async fn purge_expired_links(&self, now: i64) -> Result<u64, StoreError>;
}

/// Sessions that Okta reported as ended through event hooks.
#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Records that session `session_id` ended at `ended_at_ms`; the record is
    /// kept until `expires_at`.
    async fn end_session(
        &self,
        session_id: &str,
        ended_at_ms: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;

    /// Records that every session of `user_id` created at or before
    /// `ended_at_ms` has ended. A later cutoff replaces an earlier one.
    async fn end_user_sessions(
        &self,
        user_id: &str,
        ended_at_ms: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;

    /// Returns true when `session` was reported ended, by id or user-wide.
    async fn is_ended(&self, session: SessionRef<'_>, now: i64) -> Result<bool, StoreError>;

    /// Returns true when event `uuid` was remembered and has not expired
    /// at `now`.
    async fn event_seen(&self, uuid: &str, now: i64) -> Result<bool, StoreError>;

    /// Remembers event `uuid` until `expires_at`, to drop redeliveries.
    async fn remember_event(&self, uuid: &str, expires_at: i64) -> Result<(), StoreError>;

    /// Deletes revocations and event ids expired at `now`; returns how many
    /// were deleted.
    async fn purge_expired_revocations(&self, now: i64) -> Result<u64, StoreError>;
}
