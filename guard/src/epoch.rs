//! A counter that every revocation bumps, so that cached decisions made
//! before a revocation can be told apart from those made after it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Default)]
pub(crate) struct RevocationEpoch(Arc<AtomicU64>);

impl RevocationEpoch {
    pub(crate) fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    pub(crate) fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}
