//! The writer thread: group commit, fsync policy, and the overlay of
//! refresh links not yet committed.

use std::collections::HashMap;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use redb::{Database, ReadableTable, WriteTransaction};
use tokio::sync::oneshot;

use super::{ENDED_SESSIONS, ENDED_USERS, LINKS, Revocation, SEEN_EVENTS, backend, decode, encode};
use crate::config::StoreDurability;
use crate::store::{RefreshLink, StoreError};

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 256;

/// Refresh links handed to the writer but not committed yet, by `jti`.
/// Lookups read it first, so a link is visible as soon as `link` returns.
#[derive(Clone, Default)]
pub(super) struct PendingLinks(Arc<Mutex<HashMap<String, RefreshLink>>>);

impl PendingLinks {
    pub(super) fn insert(&self, jtis: &[String], link: &RefreshLink) {
        // A panic while holding the lock leaves the map consistent.
        let mut pending = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for jti in jtis {
            pending.insert(jti.clone(), link.clone());
        }
    }

    pub(super) fn get(&self, jti: &str) -> Option<RefreshLink> {
        let pending = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        pending.get(jti).cloned()
    }

    /// Removes the entries of `jtis` that still hold `link`; a newer link
    /// for the same `jti` stays until its own commit.
    fn remove_committed(&self, jtis: &[String], link: &RefreshLink) {
        let mut pending = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for jti in jtis {
            if pending.get(jti) == Some(link) {
                pending.remove(jti);
            }
        }
    }
}

pub(super) enum WriteOp {
    Link {
        jtis: Vec<String>,
        link: RefreshLink,
    },
    EndSession {
        session_id: String,
        revocation: Revocation,
    },
    EndUser {
        user_id: String,
        revocation: Revocation,
    },
    RememberEvent {
        uuid: String,
        expires_at: i64,
    },
    PurgeLinks {
        now: i64,
    },
    PurgeRevocations {
        now: i64,
    },
}

impl WriteOp {
    /// Returns true when the op must be on disk before its caller gets a response.
    fn needs_fsync(&self) -> bool {
        !matches!(
            self,
            Self::Link { .. } | Self::PurgeLinks { .. } | Self::PurgeRevocations { .. }
        )
    }
}

/// When commits reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Every commit is fsynced before its callers get a response.
    Immediate,
    /// Link commits are fsynced at most this long after they were made.
    Batched {
        /// Maximum time a link commit stays without fsync.
        flush_every: Duration,
    },
}

impl Durability {
    /// Maps the configuration setting.
    pub fn from_config(mode: StoreDurability, flush_interval_ms: u64) -> Self {
        match mode {
            StoreDurability::Immediate => Self::Immediate,
            StoreDurability::Batched => Self::Batched {
                flush_every: Duration::from_millis(flush_interval_ms),
            },
        }
    }
}

pub(super) enum WriteOutcome {
    Done,
    Purged(u64),
}

pub(super) struct WriteRequest {
    pub(super) op: WriteOp,
    pub(super) reply: oneshot::Sender<Result<WriteOutcome, StoreError>>,
}

pub(super) fn run_writer(
    db: &Database,
    receiver: &mpsc::Receiver<WriteRequest>,
    durability: Durability,
    pending: &PendingLinks,
) {
    // Time of the oldest commit not yet fsynced.
    let mut unsynced_since: Option<Instant> = None;

    loop {
        let first = match (durability, unsynced_since) {
            (Durability::Batched { flush_every }, Some(since)) => {
                let wait = flush_every.saturating_sub(since.elapsed());
                match receiver.recv_timeout(wait) {
                    Ok(request) => request,
                    Err(RecvTimeoutError::Timeout) => {
                        flush(db);
                        unsynced_since = None;
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            _ => match receiver.recv() {
                Ok(request) => request,
                Err(_) => break,
            },
        };

        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }

        let fsync = match durability {
            Durability::Immediate => true,
            Durability::Batched { flush_every } => {
                batch.iter().any(|request| request.op.needs_fsync())
                    || unsynced_since.is_some_and(|since| since.elapsed() >= flush_every)
            }
        };
        let (ops, replies): (Vec<WriteOp>, Vec<_>) = batch
            .into_iter()
            .map(|request| (request.op, request.reply))
            .unzip();
        let links: Vec<(Vec<String>, RefreshLink)> = ops
            .iter()
            .filter_map(|op| match op {
                WriteOp::Link { jtis, link } => Some((jtis.clone(), link.clone())),
                _ => None,
            })
            .collect();

        let committed = apply_batch(db, ops, fsync);

        // Committed links are now in the table; lost ones must not stay
        // visible, so both leave the overlay.
        if committed.is_err() && !links.is_empty() {
            tracing::error!(
                links = links.len(),
                "refresh links lost; their refreshes will be denied"
            );
        }
        for (jtis, link) in &links {
            pending.remove_committed(jtis, link);
        }

        match committed {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    // A caller that gave up (deadline) has dropped its receiver.
                    let _ = reply.send(outcome);
                }
                if fsync {
                    unsynced_since = None;
                } else {
                    unsynced_since.get_or_insert_with(Instant::now);
                }
            }
            Err(error) => {
                tracing::error!(%error, writes = replies.len(), "store commit failed");
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }

    if unsynced_since.is_some() {
        flush(db);
    }
    tracing::info!("store writer stopped");
}

/// Makes every earlier commit durable with an empty fsynced commit.
pub(super) fn flush(db: &Database) {
    let result = db.begin_write().map_err(backend).and_then(|mut txn| {
        txn.set_durability(redb::Durability::Immediate)
            .map_err(backend)?;
        txn.commit().map_err(backend)
    });
    if let Err(error) = result {
        tracing::error!(%error, "store flush failed");
    }
}

/// Applies `ops` in one transaction. A failed op fails only its caller;
/// a failed commit fails every caller.
fn apply_batch(
    db: &Database,
    ops: Vec<WriteOp>,
    fsync: bool,
) -> Result<Vec<Result<WriteOutcome, StoreError>>, StoreError> {
    let mut txn = db.begin_write().map_err(backend)?;
    let durability = if fsync {
        redb::Durability::Immediate
    } else {
        redb::Durability::None
    };
    txn.set_durability(durability).map_err(backend)?;
    let outcomes = ops.into_iter().map(|op| apply(&txn, op)).collect();
    txn.commit().map_err(backend)?;
    Ok(outcomes)
}

fn apply(txn: &WriteTransaction, op: WriteOp) -> Result<WriteOutcome, StoreError> {
    match op {
        WriteOp::Link { jtis, link } => {
            let bytes = encode(&link)?;
            let mut table = txn.open_table(LINKS).map_err(backend)?;
            for jti in &jtis {
                table
                    .insert(jti.as_str(), bytes.as_slice())
                    .map_err(backend)?;
            }
            Ok(WriteOutcome::Done)
        }
        WriteOp::EndSession {
            session_id,
            revocation,
        } => {
            let mut table = txn.open_table(ENDED_SESSIONS).map_err(backend)?;
            table
                .insert(session_id.as_str(), encode(&revocation)?.as_slice())
                .map_err(backend)?;
            Ok(WriteOutcome::Done)
        }
        WriteOp::EndUser {
            user_id,
            revocation,
        } => {
            let mut table = txn.open_table(ENDED_USERS).map_err(backend)?;
            let existing: Option<Revocation> = match table.get(user_id.as_str()).map_err(backend)? {
                Some(guard) => Some(decode(&user_id, guard.value())?),
                None => None,
            };
            // Keep the latest cutoff: it covers every earlier one.
            let merged = match existing {
                Some(old) => Revocation {
                    ended_at_ms: old.ended_at_ms.max(revocation.ended_at_ms),
                    expires_at: old.expires_at.max(revocation.expires_at),
                },
                None => revocation,
            };
            table
                .insert(user_id.as_str(), encode(&merged)?.as_slice())
                .map_err(backend)?;
            Ok(WriteOutcome::Done)
        }
        WriteOp::RememberEvent { uuid, expires_at } => {
            let mut table = txn.open_table(SEEN_EVENTS).map_err(backend)?;
            table.insert(uuid.as_str(), expires_at).map_err(backend)?;
            Ok(WriteOutcome::Done)
        }
        WriteOp::PurgeLinks { now } => {
            let mut table = txn.open_table(LINKS).map_err(backend)?;
            let mut purged = 0_u64;
            table
                .retain(|_, bytes| {
                    let keep = serde_json::from_slice::<RefreshLink>(bytes)
                        .map(|link| link.expires_at > now)
                        // An undecodable link can never be used: drop it.
                        .unwrap_or(false);
                    purged += u64::from(!keep);
                    keep
                })
                .map_err(backend)?;
            Ok(WriteOutcome::Purged(purged))
        }
        WriteOp::PurgeRevocations { now } => {
            let mut purged = 0_u64;
            for definition in [ENDED_SESSIONS, ENDED_USERS] {
                let mut table = txn.open_table(definition).map_err(backend)?;
                table
                    .retain(|_, bytes| {
                        let keep = serde_json::from_slice::<Revocation>(bytes)
                            .map(|revocation| revocation.expires_at > now)
                            .unwrap_or(false);
                        purged += u64::from(!keep);
                        keep
                    })
                    .map_err(backend)?;
            }
            let mut seen = txn.open_table(SEEN_EVENTS).map_err(backend)?;
            seen.retain(|_, expires_at| {
                let keep = expires_at > now;
                purged += u64::from(!keep);
                keep
            })
            .map_err(backend)?;
            Ok(WriteOutcome::Purged(purged))
        }
    }
}
