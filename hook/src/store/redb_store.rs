//! Embedded store on a redb file.
//!
//! Reads run on tokio's blocking pool. Writes go to one writer thread that
//! commits every queued write in one transaction (group commit), so
//! concurrent hook calls share one fsync instead of queueing for one each.
//!
//! With [`Durability::Batched`], refresh links are committed without fsync
//! and made durable at most `flush_every` later (and on shutdown). A crash
//! loses at most that window of links; each lost link makes one later
//! refresh fail closed (unknown `jti`). Revocations and event ids are
//! always committed with fsync, because Okta does not redeliver an event
//! it saw acknowledged.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};

use crate::config::StoreDurability;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::{RefreshLink, RefreshStore, RevocationStore, SessionRef, StoreError};

/// Refresh token `jti` → JSON [`RefreshLink`].
const LINKS: TableDefinition<&str, &[u8]> = TableDefinition::new("refresh_links");
/// Okta session id → JSON [`Revocation`].
const ENDED_SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("ended_sessions");
/// Okta user id → JSON [`Revocation`]: sessions created up to `ended_at` ended.
const ENDED_USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("ended_users");
/// Event hook `uuid` → expiry time.
const SEEN_EVENTS: TableDefinition<&str, i64> = TableDefinition::new("seen_events");

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 256;

#[derive(Debug, Serialize, Deserialize)]
struct Revocation {
    ended_at: i64,
    expires_at: i64,
}

enum WriteOp {
    Link { jtis: Vec<String>, link: RefreshLink },
    EndSession { session_id: String, revocation: Revocation },
    EndUser { user_id: String, revocation: Revocation },
    RememberEvent { uuid: String, expires_at: i64 },
    PurgeLinks { now: i64 },
    PurgeRevocations { now: i64 },
}

impl WriteOp {
    /// Whether the op must be on disk before its caller is answered.
    fn needs_fsync(&self) -> bool {
        !matches!(self, Self::Link { .. } | Self::PurgeLinks { .. } | Self::PurgeRevocations { .. })
    }
}

/// When commits reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Every commit is fsynced before its callers are answered.
    Immediate,
    /// Link commits are fsynced at most this long after they were made.
    Batched {
        /// Longest time a link commit stays without fsync.
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

enum WriteOutcome {
    Done,
    Purged(u64),
}

struct WriteRequest {
    op: WriteOp,
    reply: oneshot::Sender<Result<WriteOutcome, StoreError>>,
}

/// [`RefreshStore`] and [`RevocationStore`] on one redb file.
///
/// Dropping the last handle stops the writer thread after its current
/// batch and closes the file, so the same path can be opened again.
pub struct RedbStore {
    db: Arc<Database>,
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
    /// or another process holds the file.
    pub fn open(path: &Path, durability: Durability) -> Result<Self, StoreError> {
        let open_error = |message: String| StoreError::Open {
            path: path.display().to_string(),
            message,
        };

        if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|error| open_error(error.to_string()))?;
        }
        let db = Database::create(path).map_err(|error| open_error(error.to_string()))?;
        create_tables(&db).map_err(|error| open_error(error.to_string()))?;

        let db = Arc::new(db);
        let (sender, receiver) = mpsc::channel::<WriteRequest>();
        let writer_db = Arc::clone(&db);
        let writer = std::thread::Builder::new()
            .name("session-hook-store".to_owned())
            .spawn(move || run_writer(&writer_db, &receiver, durability))
            .map_err(|error| open_error(error.to_string()))?;

        tracing::info!(path = %path.display(), ?durability, "store opened");
        Ok(Self {
            db,
            sender: Some(sender),
            writer: Some(writer),
        })
    }

    async fn write(&self, op: WriteOp) -> Result<WriteOutcome, StoreError> {
        let (reply, receive) = oneshot::channel();
        let sender = self.sender.as_ref().ok_or(StoreError::Closed)?;
        sender
            .send(WriteRequest { op, reply })
            .map_err(|_| StoreError::Closed)?;
        receive.await.map_err(|_| StoreError::Closed)?
    }

    async fn read<T, F>(&self, read: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || read(&db))
            .await
            .map_err(backend)?
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

fn run_writer(db: &Database, receiver: &mpsc::Receiver<WriteRequest>, durability: Durability) {
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
        let (ops, replies): (Vec<WriteOp>, Vec<_>) =
            batch.into_iter().map(|request| (request.op, request.reply)).unzip();

        match apply_batch(db, ops, fsync) {
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
fn flush(db: &Database) {
    let result = db.begin_write().map_err(backend).and_then(|mut txn| {
        txn.set_durability(redb::Durability::Immediate).map_err(backend)?;
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
                table.insert(jti.as_str(), bytes.as_slice()).map_err(backend)?;
            }
            Ok(WriteOutcome::Done)
        }
        WriteOp::EndSession { session_id, revocation } => {
            let mut table = txn.open_table(ENDED_SESSIONS).map_err(backend)?;
            table
                .insert(session_id.as_str(), encode(&revocation)?.as_slice())
                .map_err(backend)?;
            Ok(WriteOutcome::Done)
        }
        WriteOp::EndUser { user_id, revocation } => {
            let mut table = txn.open_table(ENDED_USERS).map_err(backend)?;
            let existing: Option<Revocation> = match table.get(user_id.as_str()).map_err(backend)? {
                Some(guard) => Some(decode(&user_id, guard.value())?),
                None => None,
            };
            // Keep the latest cutoff: it covers every earlier one.
            let merged = match existing {
                Some(old) => Revocation {
                    ended_at: old.ended_at.max(revocation.ended_at),
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
        self.write(WriteOp::Link { jtis, link }).await.map(|_| ())
    }

    async fn lookup(&self, jti: &str, now: i64) -> Result<Option<RefreshLink>, StoreError> {
        let jti = jti.to_owned();
        self.read(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(LINKS).map_err(backend)?;
            let Some(guard) = table.get(jti.as_str()).map_err(backend)? else {
                return Ok(None);
            };
            let link: RefreshLink = decode(&jti, guard.value())?;
            Ok((link.expires_at > now).then_some(link))
        })
        .await
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
    async fn end_session(&self, session_id: &str, ended_at: i64, expires_at: i64) -> Result<(), StoreError> {
        let op = WriteOp::EndSession {
            session_id: session_id.to_owned(),
            revocation: Revocation { ended_at, expires_at },
        };
        self.write(op).await.map(|_| ())
    }

    async fn end_user_sessions(&self, user_id: &str, ended_at: i64, expires_at: i64) -> Result<(), StoreError> {
        let op = WriteOp::EndUser {
            user_id: user_id.to_owned(),
            revocation: Revocation { ended_at, expires_at },
        };
        self.write(op).await.map(|_| ())
    }

    async fn is_ended(&self, session: SessionRef<'_>, now: i64) -> Result<bool, StoreError> {
        let session_id = session.session_id.to_owned();
        let user_id = session.user_id.map(str::to_owned);
        let created_at = session.created_at;

        self.read(move |db| {
            let by_session = read_revocation(db, ENDED_SESSIONS, &session_id)?;
            if by_session.is_some_and(|revocation| revocation.expires_at > now) {
                return Ok(true);
            }

            let Some(user_id) = user_id else {
                return Ok(false);
            };
            let by_user = read_revocation(db, ENDED_USERS, &user_id)?;
            Ok(by_user.is_some_and(|revocation| revocation.expires_at > now && created_at <= revocation.ended_at))
        })
        .await
    }

    async fn event_seen(&self, uuid: &str, now: i64) -> Result<bool, StoreError> {
        let uuid = uuid.to_owned();
        self.read(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let table = txn.open_table(SEEN_EVENTS).map_err(backend)?;
            let seen_until = table.get(uuid.as_str()).map_err(backend)?.map(|guard| guard.value());
            Ok(seen_until.is_some_and(|until| until > now))
        })
        .await
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

#[cfg(test)]
mod tests {
    use super::*;

    fn link(session_id: &str, expires_at: i64) -> RefreshLink {
        RefreshLink {
            session_id: session_id.to_owned(),
            user_id: Some("00u1".to_owned()),
            session_created_at: 100,
            linked_at: 100,
            expires_at,
        }
    }

    fn open_temp() -> (tempfile::TempDir, RedbStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStore::open(&dir.path().join("store.redb"), Durability::Immediate).unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn lookup_returns_linked_session() {
        let (_dir, store) = open_temp();
        store.link(vec!["rt1".into(), "rt2".into()], link("102a", 1000)).await.unwrap();
        let found = store.lookup("rt2", 500).await.unwrap();
        assert_eq!(found.map(|link| link.session_id), Some("102a".to_owned()));
    }

    #[tokio::test]
    async fn lookup_hides_expired_link() {
        let (_dir, store) = open_temp();
        store.link(vec!["rt1".into()], link("102a", 1000)).await.unwrap();
        assert_eq!(store.lookup("rt1", 1000).await.unwrap(), None);
    }

    #[tokio::test]
    async fn purge_deletes_only_expired() {
        let (_dir, store) = open_temp();
        store.link(vec!["old".into()], link("102a", 10)).await.unwrap();
        store.link(vec!["new".into()], link("102b", 1000)).await.unwrap();
        assert_eq!(store.purge_expired_links(500).await.unwrap(), 1);
        assert!(store.lookup("new", 500).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn user_cutoff_ends_older_sessions_only() {
        let (_dir, store) = open_temp();
        store.end_user_sessions("00u1", 200, 1000).await.unwrap();
        let older = SessionRef {
            session_id: "102old",
            user_id: Some("00u1"),
            created_at: 150,
        };
        let newer = SessionRef {
            created_at: 250,
            session_id: "102new",
            ..older
        };
        assert!(store.is_ended(older, 300).await.unwrap());
        assert!(!store.is_ended(newer, 300).await.unwrap());
    }

    #[tokio::test]
    async fn event_seen_after_remember() {
        let (_dir, store) = open_temp();
        assert!(!store.event_seen("uuid-1", 0).await.unwrap());
        store.remember_event("uuid-1", 100).await.unwrap();
        assert!(store.event_seen("uuid-1", 1).await.unwrap());
    }

    #[tokio::test]
    async fn reopen_keeps_links() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        {
            let store = RedbStore::open(&path, Durability::Immediate).unwrap();
            store.link(vec!["rt1".into()], link("102a", 1000)).await.unwrap();
        }
        let reopened = RedbStore::open(&path, Durability::Immediate).unwrap();
        assert!(reopened.lookup("rt1", 500).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn batched_links_survive_clean_close() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let batched = Durability::Batched {
            flush_every: Duration::from_secs(3600),
        };
        {
            let store = RedbStore::open(&path, batched).unwrap();
            store.link(vec!["rt1".into()], link("102a", 1000)).await.unwrap();
        }
        let reopened = RedbStore::open(&path, batched).unwrap();
        assert!(reopened.lookup("rt1", 500).await.unwrap().is_some());
    }
}
