//! Memory taken by one cached session, for the per-session budget.

use std::mem::size_of;
use std::sync::atomic::AtomicBool;

use super::SessionId;
use super::cache::{AliveSession, SessionState};

/// Memory taken by one cached alive session, in bytes: what the cache
/// stores per session id (the map slot, the shared session data, the user
/// index slot). Computed from `size_of` and the string lengths.
#[derive(Debug, Clone, Copy)]
pub struct SessionFootprint {
    /// Bytes inside the hash map's table (key, value, control byte, at the
    /// maximum load factor of 7/8).
    pub inline: usize,
    /// Bytes on the heap outside the table.
    pub heap: usize,
}

impl SessionFootprint {
    /// Measures one cached alive session with these ids.
    pub fn measure(id: &SessionId, user_id: &str) -> Self {
        let map_slot = (size_of::<SessionId>() + size_of::<SessionState>() + 1) * 8 / 7;
        // The record's `Arc<AliveSession>`: two counts plus the value, and
        // the user id string it owns.
        let alive = 2 * size_of::<usize>() + size_of::<AliveSession>() + user_id.len();
        // The user index contains one more `SessionId` per session, and its
        // user id key is shared by that user's sessions (counted in full
        // here, as an upper bound).
        let user_index = size_of::<SessionId>() + size_of::<Box<str>>() + user_id.len();
        // The session link: two counts and the flag.
        let link = 2 * size_of::<usize>() + size_of::<AtomicBool>();
        Self {
            inline: map_slot,
            heap: id.heap_bytes() + alive + user_index + link,
        }
    }

    /// Returns inline plus heap bytes.
    pub fn total(&self) -> usize {
        self.inline + self.heap
    }
}
