//! Per-session verdict cache with request coalescing and a user index.
//!
//! One mutex guards the whole map. Lookups hold it only to read or write a
//! few fields (never across an await), and the hot path for a repeated
//! token does not reach this cache at all: it stops at the decision cache.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use tokio::sync::OnceCell;

use super::SessionId;
use super::okta_model::SessionStatus;
use super::sessions_api::LookupError;

/// The guard's verdict on one session.
#[derive(Debug, Clone)]
pub(crate) enum Known {
    /// Okta returned the session.
    Alive(Arc<AliveSession>),
    /// Okta returned 404, or an event hook reported the end.
    Ended(EndedBy),
}

/// The fields of Okta's `Session` that decisions need.
#[derive(Debug)]
pub(crate) struct AliveSession {
    pub user_id: Box<str>,
    pub status: SessionStatus,
    pub created_at: Option<SystemTime>,
    pub expires_at: Option<SystemTime>,
}

/// Source of the information that a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndedBy {
    /// `GET /api/v1/sessions/{id}` returned 404.
    OktaNotFound,
    /// An event hook reported the end of this session.
    SessionEvent,
    /// An event hook ended every session of the user.
    UserEvent,
}

/// A verdict and when Okta gave it.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub known: Known,
    /// When Okta responded (or the event was applied).
    pub checked_at: SystemTime,
    /// After this the record may be dropped.
    pub keep_until: SystemTime,
    /// The session's link at the time the record was read; the cache
    /// overwrites whatever a new record carries with the session's own.
    pub link: SessionLink,
}

/// A flag shared by a cached session and every cached decision that relied
/// on it. Ending the session (or dropping it from the cache) breaks the
/// link, so those decisions stop being served at once, without touching
/// the decisions of other sessions.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionLink(Arc<AtomicBool>);

impl SessionLink {
    /// Returns whether decisions holding this link may still be served.
    pub(crate) fn is_intact(&self) -> bool {
        !self.0.load(Ordering::Acquire)
    }

    fn sever(&self) {
        self.0.store(true, Ordering::Release);
    }
}

pub(crate) type FlightResult = Result<Record, LookupError>;

/// A lookup in progress: every concurrent request for the session awaits
/// the same cell, and only the first to poll it calls Okta.
pub(crate) type Flight = OnceCell<FlightResult>;

/// The cached state of one session.
#[derive(Debug, Default)]
pub(crate) struct SessionState {
    pub record: Option<Record>,
    pub flight: Option<Arc<Flight>>,
    pub link: SessionLink,
}

impl SessionState {
    /// Severs the current link and starts a new one for later decisions.
    fn renew_link(&mut self) {
        self.link.sever();
        self.link = SessionLink::default();
    }
}

/// A user-wide revocation: every session authenticated before `at` ended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserRevocation {
    pub at: SystemTime,
    pub keep_until: SystemTime,
}

#[derive(Default)]
struct Maps {
    sessions: HashMap<SessionId, SessionState>,
    by_user: HashMap<Box<str>, Vec<SessionId>>,
    revoked_users: HashMap<Box<str>, UserRevocation>,
}

/// Result of reading the cache before a lookup.
pub(crate) enum Probe {
    /// A record exists (fresh or not: the caller judges).
    Record(Record),
    /// No usable record; await this flight (it may be new).
    Flight(Arc<Flight>, Option<Record>),
}

pub(crate) struct SessionCache {
    maps: Mutex<Maps>,
    capacity: usize,
}

impl SessionCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            maps: Mutex::new(Maps::default()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Maps> {
        self.maps.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Returns the record when `is_usable` accepts it; otherwise joins the
    /// lookup in progress for `id`, or starts one. Doing both under one
    /// lock means a request that arrives just after a lookup finished gets
    /// its record instead of starting a second lookup.
    pub(crate) fn probe(
        &self,
        id: &SessionId,
        now: SystemTime,
        is_usable: impl Fn(&Record) -> bool,
    ) -> Probe {
        let mut maps = self.lock();
        if !maps.sessions.contains_key(id) {
            self.make_room(&mut maps, now);
        }
        let state = maps.sessions.entry(id.clone()).or_default();
        if let Some(record) = &state.record
            && is_usable(record)
        {
            return Probe::Record(record.clone());
        }
        let flight = state
            .flight
            .get_or_insert_with(|| Arc::new(Flight::new()))
            .clone();
        Probe::Flight(flight, state.record.clone())
    }

    /// Stores Okta's verdict and retires `flight`. An ended session stays
    /// ended even if a lookup that started before the end returns later.
    /// Returns the record now in force.
    pub(crate) fn complete(&self, id: &SessionId, flight: &Arc<Flight>, answer: Record) -> Record {
        let mut maps = self.lock();
        let maps = &mut *maps;
        let state = maps.sessions.entry(id.clone()).or_default();
        if state
            .flight
            .as_ref()
            .is_some_and(|current| Arc::ptr_eq(current, flight))
        {
            state.flight = None;
        }

        let merged = match (&state.record, &answer.known) {
            (
                Some(
                    existing @ Record {
                        known: Known::Ended(_),
                        ..
                    },
                ),
                _,
            ) => {
                let mut kept = existing.clone();
                kept.keep_until = kept.keep_until.max(answer.keep_until);
                kept
            }
            _ => answer,
        };

        let mut merged = merged;
        if let Known::Alive(alive) = &merged.known
            && let Some(revocation) = maps.revoked_users.get(&*alive.user_id)
            && alive
                .created_at
                .is_none_or(|created| created <= revocation.at)
        {
            // The user's sessions were ended by an event that arrived while
            // this lookup was in flight (or Okta has not caught up yet).
            merged.known = Known::Ended(EndedBy::UserEvent);
        }

        merged.link = state.link.clone();
        if let Known::Alive(alive) = &merged.known {
            let ids = maps.by_user.entry(alive.user_id.clone()).or_default();
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        state.record = Some(merged.clone());
        merged
    }

    /// Retires `flight` after a failed lookup, leaving any record in place.
    pub(crate) fn abandon(&self, id: &SessionId, flight: &Arc<Flight>) {
        let mut maps = self.lock();
        if let Some(state) = maps.sessions.get_mut(id)
            && state
                .flight
                .as_ref()
                .is_some_and(|current| Arc::ptr_eq(current, flight))
        {
            state.flight = None;
        }
    }

    /// Extends how long an ended record is kept (a token that expires
    /// later than the record's deadline was just refused with it).
    pub(crate) fn extend_ended(&self, id: &SessionId, until: SystemTime) {
        let mut maps = self.lock();
        if let Some(SessionState {
            record: Some(record),
            ..
        }) = maps.sessions.get_mut(id)
            && matches!(record.known, Known::Ended(_))
        {
            record.keep_until = record.keep_until.max(until);
        }
    }

    /// Marks one session ended. Returns `false` if it already was.
    pub(crate) fn end_session(
        &self,
        id: &SessionId,
        by: EndedBy,
        now: SystemTime,
        keep_until: SystemTime,
    ) -> bool {
        let mut maps = self.lock();
        if !maps.sessions.contains_key(id) {
            self.make_room(&mut maps, now);
        }
        let state = maps.sessions.entry(id.clone()).or_default();
        let was_ended = matches!(
            state.record,
            Some(Record {
                known: Known::Ended(_),
                ..
            })
        );
        let keep_until = state
            .record
            .as_ref()
            .map_or(keep_until, |record| record.keep_until.max(keep_until));
        if !was_ended {
            state.renew_link();
            state.record = Some(Record {
                known: Known::Ended(by),
                checked_at: now,
                keep_until,
                link: state.link.clone(),
            });
        } else if let Some(record) = state.record.as_mut() {
            record.keep_until = keep_until;
        }
        !was_ended
    }

    /// Ends every cached session of `user_id` created at or before `at`
    /// (sessions without a creation time too), and records the revocation
    /// so that sessions not cached yet are refused for tokens authenticated
    /// before `at`. Returns how many cached sessions it ended.
    pub(crate) fn revoke_user(
        &self,
        user_id: &str,
        at: SystemTime,
        now: SystemTime,
        keep_until: SystemTime,
    ) -> usize {
        let mut maps = self.lock();
        let maps = &mut *maps;

        let revocation = maps
            .revoked_users
            .entry(user_id.into())
            .or_insert(UserRevocation { at, keep_until });
        // Out-of-order delivery: an older event never moves the point back.
        revocation.at = revocation.at.max(at);
        revocation.keep_until = revocation.keep_until.max(keep_until);

        let mut ended = 0;
        let ids = maps.by_user.get(user_id).cloned().unwrap_or_default();
        for id in ids {
            let Some(state) = maps.sessions.get_mut(&id) else {
                continue;
            };
            let ends = match &state.record {
                Some(Record {
                    known: Known::Alive(alive),
                    ..
                }) => alive.created_at.is_none_or(|created| created <= at),
                _ => false,
            };
            if !ends {
                continue;
            }
            state.renew_link();
            if let Some(record) = state.record.as_mut() {
                record.known = Known::Ended(EndedBy::UserEvent);
                record.checked_at = now;
                record.keep_until = record.keep_until.max(keep_until);
                record.link = state.link.clone();
                ended += 1;
            }
        }
        ended
    }

    /// Returns the user-wide revocation point for `user_id`, if any.
    pub(crate) fn user_revocation(&self, user_id: &str, now: SystemTime) -> Option<UserRevocation> {
        let maps = self.lock();
        maps.revoked_users
            .get(user_id)
            .copied()
            .filter(|revocation| revocation.keep_until > now)
    }

    /// Drops expired records and revocations. If the map is still full, it
    /// drops arbitrary settled records, whose next request queries Okta
    /// again. NOTE: a session ended by an event and dropped here is then
    /// judged by Okta alone, which returns 404 once its own logout applied.
    fn make_room(&self, maps: &mut Maps, now: SystemTime) {
        if maps.sessions.len() < self.capacity {
            return;
        }
        let before = maps.sessions.len();
        maps.sessions.retain(|_, state| {
            let keep = state.flight.is_some()
                || state
                    .record
                    .as_ref()
                    .is_some_and(|record| record.keep_until > now);
            if !keep {
                // Decisions that relied on a dropped session must not
                // outlive it: a later event could no longer reach them.
                state.link.sever();
            }
            keep
        });
        maps.revoked_users
            .retain(|_, revocation| revocation.keep_until > now);

        if maps.sessions.len() >= self.capacity {
            // Free a sixteenth of the capacity at once so that a full cache
            // does not sweep on every insert.
            let target = self.capacity - self.capacity / 16 - 1;
            let mut excess = maps.sessions.len().saturating_sub(target);
            maps.sessions.retain(|_, state| {
                if excess == 0 || state.flight.is_some() {
                    return true;
                }
                excess -= 1;
                state.link.sever();
                false
            });
        }

        let sessions = &maps.sessions;
        maps.by_user.retain(|_, ids| {
            ids.retain(|id| sessions.contains_key(id));
            !ids.is_empty()
        });
        tracing::debug!(before, after = maps.sessions.len(), "session cache swept");
    }

    /// Returns the number of cached sessions.
    pub(crate) fn len(&self) -> usize {
        self.lock().sessions.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn id(n: u32) -> SessionId {
        SessionId::parse(&format!("102cache{n:017}")).expect("valid id")
    }

    fn alive(user: &str, created: u64) -> Record {
        Record {
            known: Known::Alive(Arc::new(AliveSession {
                user_id: user.into(),
                status: SessionStatus::Active,
                created_at: Some(at(created)),
                expires_at: Some(at(10_000)),
            })),
            checked_at: at(1_000),
            keep_until: at(5_000),
            link: SessionLink::default(),
        }
    }

    fn store(cache: &SessionCache, id: &SessionId, record: Record) -> Record {
        let Probe::Flight(flight, _) = cache.probe(id, at(1_000), |_| false) else {
            panic!("an unusable record starts a flight");
        };
        cache.complete(id, &flight, record)
    }

    fn is_ended(record: &Record) -> bool {
        matches!(record.known, Known::Ended(_))
    }

    #[test]
    fn ended_survives_late_alive_lookup() {
        let cache = SessionCache::new(16);
        let session = id(1);
        cache.end_session(&session, EndedBy::SessionEvent, at(1_000), at(2_000));

        let merged = store(&cache, &session, alive("00u1", 500));

        assert!(is_ended(&merged));
    }

    #[test]
    fn revoke_user_ends_older_sessions_only() {
        let cache = SessionCache::new(16);
        let (older, newer) = (id(2), id(3));
        store(&cache, &older, alive("00u1", 500));
        store(&cache, &newer, alive("00u1", 1_500));

        let ended = cache.revoke_user("00u1", at(1_000), at(1_100), at(9_000));

        assert_eq!(ended, 1);
        let Probe::Record(newer_record) = cache.probe(&newer, at(1_100), |_| true) else {
            panic!("record cached");
        };
        assert!(!is_ended(&newer_record));
    }

    #[test]
    fn revocation_applies_to_lookup_in_flight() {
        let cache = SessionCache::new(16);
        let session = id(4);
        let Probe::Flight(flight, _) = cache.probe(&session, at(1_000), |_| false) else {
            panic!("no record yet");
        };

        cache.revoke_user("00u1", at(1_000), at(1_000), at(9_000));
        let merged = cache.complete(&session, &flight, alive("00u1", 500));

        assert!(is_ended(&merged));
    }

    #[test]
    fn older_revocation_keeps_newer_point() {
        let cache = SessionCache::new(16);

        cache.revoke_user("00u1", at(2_000), at(2_000), at(9_000));
        cache.revoke_user("00u1", at(1_000), at(2_001), at(9_000));

        let revocation = cache.user_revocation("00u1", at(2_002)).expect("recorded");
        assert_eq!(revocation.at, at(2_000));
    }

    #[test]
    fn concurrent_probes_share_one_flight() {
        let cache = SessionCache::new(16);
        let session = id(5);

        let Probe::Flight(first, _) = cache.probe(&session, at(1_000), |_| false) else {
            panic!("no record yet");
        };
        let Probe::Flight(second, _) = cache.probe(&session, at(1_000), |_| false) else {
            panic!("no record yet");
        };

        assert!(Arc::ptr_eq(&first, &second));
    }

    #[test]
    fn full_cache_drops_expired_first() {
        let cache = SessionCache::new(2);
        let mut expired = alive("00u1", 500);
        expired.keep_until = at(1_001);
        store(&cache, &id(6), expired);
        store(&cache, &id(7), alive("00u1", 500));

        cache.end_session(&id(8), EndedBy::SessionEvent, at(2_000), at(3_000));

        assert_eq!(cache.len(), 2);
        assert!(matches!(
            cache.probe(&id(7), at(2_000), |_| true),
            Probe::Record(_)
        ));
    }

    #[test]
    fn dropped_session_severs_link() {
        let cache = SessionCache::new(1);
        let mut expired = alive("00u1", 500);
        expired.keep_until = at(1_001);
        let stored = store(&cache, &id(9), expired);

        cache.end_session(&id(10), EndedBy::SessionEvent, at(2_000), at(3_000));

        assert!(!stored.link.is_intact());
    }

    #[test]
    fn session_end_severs_link() {
        let cache = SessionCache::new(16);
        let stored = store(&cache, &id(11), alive("00u1", 500));

        cache.end_session(&id(11), EndedBy::SessionEvent, at(1_100), at(3_000));

        assert!(!stored.link.is_intact());
    }
}
