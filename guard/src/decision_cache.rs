//! The fast path: token fingerprint → (verified token, session verdict,
//! deadline), checked before any JWT parsing.
//!
//! A repeated token costs one SHA-256 of the token, one read lock on a
//! shard and a few comparisons; no signature work and no Okta call. An
//! entry is used only while its deadline has not passed and no revocation
//! (event hook, deny list change) happened since it was written.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::Reason;
use crate::session::SessionInfo;
use crate::token::VerifiedToken;

const SHARDS: usize = 16;

/// SHA-256 of the raw token.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenKey([u8; 32]);

impl TokenKey {
    pub(crate) fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    fn shard(&self) -> usize {
        usize::from(self.0[0]) % SHARDS
    }

    /// First 8 hex characters, for logs before the token is verified.
    pub(crate) fn short_hex(&self) -> String {
        self.0[..4].iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

impl Hash for TokenKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The key is already a uniform hash: eight of its bytes suffice.
        let mut first = [0u8; 8];
        first.copy_from_slice(&self.0[8..16]);
        state.write_u64(u64::from_le_bytes(first));
    }
}

/// Passes the single `u64` written by [`TokenKey`]'s `Hash` through.
#[derive(Default)]
pub(crate) struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached if a key type other than `TokenKey` is used.
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// The session part of a cached decision.
#[derive(Debug, Clone)]
pub(crate) enum CachedSession {
    Alive { info: Arc<SessionInfo>, until: SystemTime },
    Rejected { reason: Reason, detail: Arc<str>, until: SystemTime },
}

/// The token-only part of a cached decision.
#[derive(Clone)]
pub(crate) enum CachedToken {
    Verified(Arc<VerifiedToken>),
    Rejected { reason: Reason, detail: Arc<str> },
}

#[derive(Clone)]
pub(crate) struct DecisionEntry {
    pub epoch: u64,
    /// The token's `exp`: no part of the entry is used after it.
    pub token_until: SystemTime,
    pub token: CachedToken,
    pub session: Option<CachedSession>,
}

type Shard = RwLock<HashMap<TokenKey, DecisionEntry, BuildHasherDefault<PassThroughHasher>>>;

pub(crate) struct DecisionCache {
    shards: Box<[Shard]>,
    per_shard_capacity: usize,
}

impl DecisionCache {
    pub(crate) fn new(capacity: usize) -> Self {
        let shards = (0..SHARDS).map(|_| RwLock::new(HashMap::default())).collect();
        Self { shards, per_shard_capacity: capacity.div_ceil(SHARDS).max(1) }
    }

    /// Returns the entry for `key` if it is still usable at `now` under
    /// revocation `epoch`.
    pub(crate) fn get(&self, key: &TokenKey, epoch: u64, now: SystemTime) -> Option<DecisionEntry> {
        let shard = self.shards[key.shard()].read().unwrap_or_else(PoisonError::into_inner);
        let entry = shard.get(key)?;
        if entry.epoch != epoch || now >= entry.token_until {
            return None;
        }
        Some(entry.clone())
    }

    /// Stores `entry`. A token-only entry written under the same epoch
    /// keeps the session part already cached for the token.
    pub(crate) fn insert(&self, key: TokenKey, mut entry: DecisionEntry, now: SystemTime) {
        let mut shard = self.shards[key.shard()].write().unwrap_or_else(PoisonError::into_inner);
        if entry.session.is_none()
            && let Some(existing) = shard.get(&key)
            && existing.epoch == entry.epoch
        {
            entry.session = existing.session.clone();
        }
        if shard.len() >= self.per_shard_capacity && !shard.contains_key(&key) {
            shard.retain(|_, cached| cached.token_until > now);
            if shard.len() >= self.per_shard_capacity {
                // Every entry is still valid: start the shard afresh. Losing
                // entries only costs a signature check on the next request.
                shard.clear();
            }
        }
        shard.insert(key, entry);
    }
}
