//! Embedded store on a redb file.
//!
//! Reads run on the calling task. Writes go to one writer thread that
//! commits every queued write in one transaction (group commit), so
//! concurrent hook calls share one fsync instead of queueing for one each.
//!
//! With [`Durability::Batched`], `link` returns once the link is queued
//! and visible to `lookup`; the writer commits it without fsync and makes
//! it durable at most `flush_every` later (and on shutdown). A crash loses
//! at most that window of links, and each lost link makes one later
//! refresh fail closed (unknown `jti`). Revocations and event ids are
//! always committed with fsync before the caller gets a response, because
//! Okta does not redeliver an event it saw acknowledged.

#[cfg(test)]
mod tests;
mod writer;

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use async_trait::async_trait;
use redb::{Database, ReadableDatabase, TableDefinition};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

pub use writer::Durability;
use writer::{PendingLinks, WriteOp, WriteOutcome, WriteRequest, run_writer};

use super::{RefreshLink, RefreshStore, RevocationStore, SessionRef, StoreError};

/// Refresh token `jti` → JSON [`RefreshLink`].
const LINKS: TableDefinition<&str, &[u8]> = TableDefinition::new("refresh_links");
/// Okta session id → JSON [`Revocation`].
const ENDED_SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("ended_sessions");
/// Okta user id → JSON [`Revocation`]: sessions created up to `ended_at_ms` ended.
const ENDED_USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("ended_users");
/// Event hook `uuid` → expiry time.
const SEEN_EVENTS: TableDefinition<&str, i64> = TableDefinition::new("seen_events");

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Revocation {
    ended_at_ms: i64,
    expires_at: i64,
}

/// [`RefreshStore`] and [`RevocationStore`] on one redb file.
///
/// Dropping the last handle stops the writer thread after its current
/// batch and closes the file, so the same path can be opened again.
pub struct RedbStore {
    db: Arc<Database>,
    durability: Durability,
    pending: PendingLinks,
    sender: Option<mpsc::Sender<WriteRequest>>,
    writer: Option<JoinHandle<()>>,
}

fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn decode<T: for<'de> Deserialize<'de>>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|error| StoreError::Corrupt {
        key: key.to_owned(),
        message: error.to_string(),
    })
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(backend)
}

impl RedbStore {
    /// Opens the store at `path`, creating the file and its directory.
    ///
    /// # Errors
    /// [`StoreError::Open`] when the directory or file cannot be created
    /// or another process has the file open.
    pub fn open(path: &Path, durability: Durability) -> Result<Self, StoreError> {
        let open_error = |message: String| StoreError::Open {
            path: path.display().to_string(),
            message,
        };

        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|error| open_error(error.to_string()))?;
        }
        let db = Database::create(path).map_err(|error| open_error(error.to_string()))?;
        create_tables(&db).map_err(|error| open_error(error.to_string()))?;

        let db = Arc::new(db);
        let (sender, receiver) = mpsc::channel::<WriteRequest>();
        let writer_db = Arc::clone(&db);
        let pending = PendingLinks::default();
        let writer_pending = pending.clone();
        let writer = std::thread::Builder::new()
            .name("session-hook-store".to_owned())
            .spawn(move || run_writer(&writer_db, &receiver, durability, &writer_pending))
            .map_err(|error| open_error(error.to_string()))?;

        tracing::info!(path = %path.display(), ?durability, "store opened");
        Ok(Self {
            db,
            durability,
            pending,
            sender: Some(sender),
            writer: Some(writer),
        })
    }

    fn enqueue(
        &self,
        op: WriteOp,
    ) -> Result<oneshot::Receiver<Result<WriteOutcome, StoreError>>, StoreError> {
        let (reply, receive) = oneshot::channel();
        let sender = self.sender.as_ref().ok_or(StoreError::Closed)?;
        sender
            .send(WriteRequest { op, reply })
            .map_err(|_| StoreError::Closed)?;
        Ok(receive)
    }

    async fn write(&self, op: WriteOp) -> Result<WriteOutcome, StoreError> {
        self.enqueue(op)?.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `read` on the calling thread. Once its pages are in redb's
    /// cache, a lookup takes microseconds (an estimate), which is less than a
    /// hand-off to tokio's blocking pool. A cold page costs one disk read.
    fn read<T>(
        &self,
        read: impl FnOnce(&Database) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        read(&self.db)
    }
}

impl Drop for RedbStore {
    fn drop(&mut self) {
        // Closing the channel ends the writer loop after its batch.
        drop(self.sender.take());
        if let Some(writer) = self.writer.take()
            && writer.join().is_err()
        {
            tracing::error!("store writer thread panicked");
        }
    }
}

fn create_tables(db: &Database) -> Result<(), redb::Error> {
    let txn = db.begin_write()?;
    txn.open_table(LINKS)?;
    txn.open_table(ENDED_SESSIONS)?;
    txn.open_table(ENDED_USERS)?;
    txn.open_table(SEEN_EVENTS)?;
    txn.commit()?;
    Ok(())
}

fn read_revocation(
    db: &Database,
    definition: TableDefinition<&str, &[u8]>,
    key: &str,
) -> Result<Option<Revocation>, StoreError> {
    let txn = db.begin_read().map_err(backend)?;
    let table = txn.open_table(definition).map_err(backend)?;
    match table.get(key).map_err(backend)? {
        Some(guard) => decode(key, guard.value()).map(Some),
        None => Ok(None),
    }
}

#[async_trait]
impl RefreshStore for RedbStore {
    async fn link(&self, jtis: Vec<String>, link: RefreshLink) -> Result<(), StoreError> {
        match self.durability {
            Durability::Immediate => self.write(WriteOp::Link { jtis, link }).await.map(|_| ()),
            Durability::Batched { .. } => {
                self.pending.insert(&jtis, &link);
                // The writer logs a failed commit; the caller does not wait.
                self.enqueue(WriteOp::Link { jtis, link }).map(|_| ())
            }
        }
    }

    async fn lookup(&self, jti: &str, now: i64) -> Result<Option<RefreshLink>, StoreError> {
        if let Some(link) = self.pending.get(jti) {
            return Ok((link.expires_at > now).then_some(link));
        }

        self.read(|db| {
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(LINKS).map_err(backend)?;
            let Some(guard) = table.get(jti).map_err(backend)? else {
                return Ok(None);
            };
            let link: RefreshLink = decode(jti, guard.value())?;
            Ok((link.expires_at > now).then_some(link))
        })
    }

    async fn purge_expired_links(&self, now: i64) -> Result<u64, StoreError> {
        match self.write(WriteOp::PurgeLinks { now }).await? {
            WriteOutcome::Purged(count) => Ok(count),
            _ => Ok(0),
        }
    }
}

#[async_trait]
impl RevocationStore for RedbStore {
    async fn end_session(
        &self,
        session_id: &str,
        ended_at_ms: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let op = WriteOp::EndSession {
            session_id: session_id.to_owned(),
            revocation: Revocation {
                ended_at_ms,
                expires_at,
            },
        };
        self.write(op).await.map(|_| ())
    }

    async fn end_user_sessions(
        &self,
        user_id: &str,
        ended_at_ms: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let op = WriteOp::EndUser {
            user_id: user_id.to_owned(),
            revocation: Revocation {
                ended_at_ms,
                expires_at,
            },
        };
        self.write(op).await.map(|_| ())
    }

    async fn is_ended(&self, session: SessionRef<'_>, now: i64) -> Result<bool, StoreError> {
        self.read(|db| {
            let by_session = read_revocation(db, ENDED_SESSIONS, session.session_id)?;
            if by_session.is_some_and(|revocation| revocation.expires_at > now) {
                return Ok(true);
            }

            let Some(user_id) = session.user_id else {
                return Ok(false);
            };
            let by_user = read_revocation(db, ENDED_USERS, user_id)?;
            Ok(by_user.is_some_and(|revocation| {
                revocation.expires_at > now && session.created_at_ms <= revocation.ended_at_ms
            }))
        })
    }

    async fn event_seen(&self, uuid: &str, now: i64) -> Result<bool, StoreError> {
        self.read(|db| {
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(SEEN_EVENTS).map_err(backend)?;
            let seen_until = table.get(uuid).map_err(backend)?.map(|guard| guard.value());
            Ok(seen_until.is_some_and(|until| until > now))
        })
    }

    async fn remember_event(&self, uuid: &str, expires_at: i64) -> Result<(), StoreError> {
        let op = WriteOp::RememberEvent {
            uuid: uuid.to_owned(),
            expires_at,
        };
        self.write(op).await.map(|_| ())
    }

    async fn purge_expired_revocations(&self, now: i64) -> Result<u64, StoreError> {
        match self.write(WriteOp::PurgeRevocations { now }).await? {
            WriteOutcome::Purged(count) => Ok(count),
            _ => Ok(0),
        }
    }
}
