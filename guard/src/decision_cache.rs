//! The fast path: token key → (verified token, session verdict, deadline),
//! checked before any JWT parsing.
//!
//! A repeated token costs one keyed hash of the token, one read lock on a
//! shard and a few comparisons; no signature work and no Okta call. An
//! entry is used only while its deadline has not passed and no revocation
//! (event hook, deny list change) happened since it was written.
//!
//! The key is SipHash-2-4 with a 128-bit output under a random 128-bit key
//! drawn at start-up. SipHash is a pseudorandom function, so without the
//! key no one can make a second token map to a cached token's entry, and
//! two distinct tokens collide with probability about 2^-128. It is about
//! three times cheaper than SHA-256 for an 850-byte token, and the raw
//! token is never stored.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use siphasher::sip128::{Hasher128, SipHasher24};

use crate::Reason;
use crate::session::SessionInfo;
use crate::session::cache::SessionLink;
use crate::token::VerifiedToken;

const SHARDS: usize = 16;

/// Keyed 128-bit hash of the raw token.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenKey(u128);

impl TokenKey {
    fn shard(&self) -> usize {
        // Truncation is intended: the low bits are as uniform as any.
        (self.0 as usize) % SHARDS
    }
}

impl Hash for TokenKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The key is already a uniform hash: 64 of its bits suffice.
        state.write_u64((self.0 >> 64) as u64);
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
    Alive {
        info: Arc<SessionInfo>,
        until: SystemTime,
        /// Broken when the session ends or leaves the session cache.
        link: SessionLink,
    },
    Rejected {
        reason: Reason,
        detail: Arc<str>,
        until: SystemTime,
    },
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
    /// SipHash key, random per process.
    hash_key: (u64, u64),
}

impl DecisionCache {
    pub(crate) fn new(capacity: usize) -> Self {
        let shards = (0..SHARDS)
            .map(|_| RwLock::new(HashMap::default()))
            .collect();
        Self {
            shards,
            per_shard_capacity: capacity.div_ceil(SHARDS).max(1),
            hash_key: (rand::random(), rand::random()),
        }
    }

    /// Returns the cache key of `token`.
    pub(crate) fn key_of(&self, token: &str) -> TokenKey {
        let mut hasher = SipHasher24::new_with_keys(self.hash_key.0, self.hash_key.1);
        hasher.write(token.as_bytes());
        TokenKey(hasher.finish128().as_u128())
    }

    /// Returns the entry for `key` if it is still usable at `now` under
    /// revocation `epoch`.
    pub(crate) fn get(&self, key: &TokenKey, epoch: u64, now: SystemTime) -> Option<DecisionEntry> {
        let shard = self.shards[key.shard()]
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let entry = shard.get(key)?;
        if entry.epoch != epoch || now >= entry.token_until {
            return None;
        }
        Some(entry.clone())
    }

    /// Stores `entry`. A token-only entry written under the same epoch
    /// keeps the session part already cached for the token.
    pub(crate) fn insert(&self, key: TokenKey, mut entry: DecisionEntry, now: SystemTime) {
        let mut shard = self.shards[key.shard()]
            .write()
            .unwrap_or_else(PoisonError::into_inner);
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
