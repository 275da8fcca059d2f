//! Bounded memory of event `uuid`s already applied. Okta delivers at least
//! once, so the same event can arrive twice.

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};

pub(crate) struct Deduper {
    capacity: usize,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    set: HashSet<Box<str>>,
    /// Insertion order; the oldest uuid is forgotten first.
    order: VecDeque<Box<str>>,
}

impl Deduper {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Records `uuid`; returns `false` if it was already recorded.
    pub(crate) fn first_delivery(&self, uuid: &str) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.set.contains(uuid) {
            return false;
        }
        if seen.order.len() >= self.capacity
            && let Some(oldest) = seen.order.pop_front()
        {
            seen.set.remove(&oldest);
        }
        seen.set.insert(uuid.into());
        seen.order.push_back(uuid.into());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_uuid_is_duplicate() {
        let deduper = Deduper::new(4);
        assert!(deduper.first_delivery("a"));
        assert!(!deduper.first_delivery("a"));
    }

    #[test]
    fn oldest_uuid_is_forgotten_at_capacity() {
        let deduper = Deduper::new(2);
        deduper.first_delivery("a");
        deduper.first_delivery("b");
        deduper.first_delivery("c");
        assert!(deduper.first_delivery("a"));
    }
}
