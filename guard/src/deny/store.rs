//! Deny list of token ids (`jti`), persisted in an embedded redb database
//! and mirrored in memory for the request path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::epoch::RevocationEpoch;
use crate::metrics::GuardMetrics;

/// Key: the token's `jti`. Value: a JSON [`DenyEntry`].
const DENIED: TableDefinition<&str, &[u8]> = TableDefinition::new("denied_token_ids");

/// Maximum length of a `jti` accepted on the deny list, in bytes.
pub const MAX_JTI_LEN: usize = 256;

/// Maximum length of a deny reason, in bytes.
pub const MAX_REASON_LEN: usize = 1024;

/// One denied token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenyEntry {
    /// The token's `jti`.
    pub jti: String,
    /// Reason for the denial (free text for operators).
    pub reason: String,
    /// When the entry was added, in seconds since the Unix epoch.
    pub added_at: u64,
    /// The token's `exp`, in seconds since the Unix epoch: after it the
    /// token is refused anyway, so the entry is dropped.
    pub expires_at: u64,
}

/// Failure to read or write the deny list.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum DenyListError {
    /// The database file could not be opened, read or written.
    #[error("deny list store {path}: {source}")]
    Storage {
        /// The database file.
        path: PathBuf,
        /// redb's error.
        #[source]
        source: redb::Error,
    },
    /// A stored entry does not parse.
    #[error("deny list store {path}: entry for {jti:?} is corrupt: {source}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// Key of the corrupt entry.
        jti: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// An entry to add is invalid.
    #[error("{0}")]
    Invalid(String),
}

/// The deny list. Reads come from memory; writes go to redb first.
pub struct DenyList {
    path: PathBuf,
    db: Database,
    entries: RwLock<HashMap<String, DenyEntry>>,
    epoch: RevocationEpoch,
    metrics: GuardMetrics,
}

impl std::fmt::Debug for DenyList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DenyList")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl DenyList {
    /// Opens (or creates) the store at `path` and loads the unexpired entries.
    pub(crate) fn open(
        path: &Path,
        now: SystemTime,
        epoch: RevocationEpoch,
        metrics: GuardMetrics,
    ) -> Result<Self, DenyListError> {
        let storage = |source: redb::Error| DenyListError::Storage {
            path: path.to_owned(),
            source,
        };
        let db = Database::create(path).map_err(|error| storage(error.into()))?;

        // Create the table on first use and drop entries that expired
        // while the process was down.
        let cutoff = epoch_seconds(now);
        let write = db.begin_write().map_err(|error| storage(error.into()))?;
        let mut entries = HashMap::new();
        {
            let mut table = write
                .open_table(DENIED)
                .map_err(|error| storage(error.into()))?;
            table
                .retain(|_, value| parse(value).is_none_or(|entry| entry.expires_at > cutoff))
                .map_err(|error| storage(error.into()))?;
            for item in table.iter().map_err(|error| storage(error.into()))? {
                let (key, value) = item.map_err(|error| storage(error.into()))?;
                let entry: DenyEntry = serde_json::from_slice(value.value()).map_err(|source| {
                    DenyListError::Corrupt {
                        path: path.to_owned(),
                        jti: key.value().to_owned(),
                        source,
                    }
                })?;
                entries.insert(entry.jti.clone(), entry);
            }
        }
        write.commit().map_err(|error| storage(error.into()))?;

        tracing::info!(path = %path.display(), entries = entries.len(), "deny list opened");
        metrics.set_deny_list_entries(entries.len());
        Ok(Self {
            path: path.to_owned(),
            db,
            entries: RwLock::new(entries),
            epoch,
            metrics,
        })
    }

    /// Returns the entry for `jti` if it is denied at `now`.
    pub fn lookup(&self, jti: &str, now: SystemTime) -> Option<DenyEntry> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(jti)
            .filter(|entry| entry.expires_at > epoch_seconds(now))
            .cloned()
    }

    /// Adds (or replaces) an entry, persisting it before it takes effect.
    ///
    /// # Errors
    ///
    /// [`DenyListError::Invalid`] for an empty or oversized `jti` or reason,
    /// or an expiry in the past; [`DenyListError::Storage`] when redb fails.
    pub fn add(
        &self,
        entry: DenyEntry,
        now: SystemTime,
        max_lifetime: Duration,
    ) -> Result<(), DenyListError> {
        validate(&entry, now, max_lifetime)?;
        let bytes = serde_json::to_vec(&entry).map_err(|source| DenyListError::Corrupt {
            path: self.path.clone(),
            jti: entry.jti.clone(),
            source,
        })?;
        // Each write also drops entries whose token has expired, so the
        // store stays bounded without a background task.
        let cutoff = epoch_seconds(now);
        self.write(|table| {
            table
                .retain(|_, value| parse(value).is_none_or(|stored| stored.expires_at > cutoff))?;
            table.insert(entry.jti.as_str(), bytes.as_slice())?;
            Ok(())
        })?;

        let count = {
            let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
            entries.retain(|_, stored| stored.expires_at > cutoff);
            entries.insert(entry.jti.clone(), entry.clone());
            entries.len()
        };
        self.epoch.bump();
        self.metrics.set_deny_list_entries(count);
        tracing::info!(jti = %entry.jti, expires_at = entry.expires_at, reason = %entry.reason, "token denied");
        Ok(())
    }

    /// Removes an entry. Returns whether it existed.
    ///
    /// # Errors
    ///
    /// [`DenyListError::Storage`] when redb fails.
    pub fn remove(&self, jti: &str) -> Result<bool, DenyListError> {
        let mut existed = false;
        self.write(|table| {
            existed = table.remove(jti)?.is_some();
            Ok(())
        })?;
        let count = {
            let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
            entries.remove(jti);
            entries.len()
        };
        self.epoch.bump();
        self.metrics.set_deny_list_entries(count);
        tracing::info!(jti = %jti, existed, "deny list entry removed");
        Ok(existed)
    }

    /// Returns the unexpired entries, sorted by `jti`.
    pub fn list(&self, now: SystemTime) -> Vec<DenyEntry> {
        let cutoff = epoch_seconds(now);
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let mut listed: Vec<DenyEntry> = entries
            .values()
            .filter(|entry| entry.expires_at > cutoff)
            .cloned()
            .collect();
        listed.sort_by(|a, b| a.jti.cmp(&b.jti));
        listed
    }

    /// Drops expired entries from memory and disk.
    ///
    /// # Errors
    ///
    /// [`DenyListError::Storage`] when redb fails.
    pub fn purge_expired(&self, now: SystemTime) -> Result<usize, DenyListError> {
        let cutoff = epoch_seconds(now);
        self.write(|table| {
            table.retain(|_, value| parse(value).is_none_or(|entry| entry.expires_at > cutoff))?;
            Ok(())
        })?;
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        let before = entries.len();
        entries.retain(|_, entry| entry.expires_at > cutoff);
        self.metrics.set_deny_list_entries(entries.len());
        Ok(before - entries.len())
    }

    fn write(
        &self,
        change: impl FnOnce(
            &mut redb::Table<'_, &'static str, &'static [u8]>,
        ) -> Result<(), redb::Error>,
    ) -> Result<(), DenyListError> {
        let storage = |source: redb::Error| DenyListError::Storage {
            path: self.path.clone(),
            source,
        };
        let write = self
            .db
            .begin_write()
            .map_err(|error| storage(error.into()))?;
        {
            let mut table = write
                .open_table(DENIED)
                .map_err(|error| storage(error.into()))?;
            change(&mut table).map_err(storage)?;
        }
        write.commit().map_err(|error| storage(error.into()))
    }

    /// Reads every entry straight from disk (used to prove persistence).
    ///
    /// # Errors
    ///
    /// [`DenyListError::Storage`] when redb fails.
    pub fn count_on_disk(&self) -> Result<usize, DenyListError> {
        let storage = |source: redb::Error| DenyListError::Storage {
            path: self.path.clone(),
            source,
        };
        let read = self
            .db
            .begin_read()
            .map_err(|error| storage(error.into()))?;
        let table = read
            .open_table(DENIED)
            .map_err(|error| storage(error.into()))?;
        let count = table.len().map_err(|error| storage(error.into()))?;
        Ok(usize::try_from(count).unwrap_or(usize::MAX))
    }
}

fn parse(value: &[u8]) -> Option<DenyEntry> {
    serde_json::from_slice(value).ok()
}

fn validate(
    entry: &DenyEntry,
    now: SystemTime,
    max_lifetime: Duration,
) -> Result<(), DenyListError> {
    if entry.jti.is_empty() || entry.jti.len() > MAX_JTI_LEN {
        return Err(DenyListError::Invalid(format!(
            "jti must be 1 to {MAX_JTI_LEN} bytes long, got {} bytes",
            entry.jti.len()
        )));
    }
    if entry.reason.len() > MAX_REASON_LEN {
        return Err(DenyListError::Invalid(format!(
            "reason must be at most {MAX_REASON_LEN} bytes long, got {} bytes",
            entry.reason.len()
        )));
    }
    let now_s = epoch_seconds(now);
    if entry.expires_at <= now_s {
        return Err(DenyListError::Invalid(format!(
            "expires_at {} is not in the future (now is {now_s}); use the token's exp",
            entry.expires_at
        )));
    }
    let latest = now_s + max_lifetime.as_secs();
    if entry.expires_at > latest {
        return Err(DenyListError::Invalid(format!(
            "expires_at {} is later than any token can live (at most {latest}); use the token's exp",
            entry.expires_at
        )));
    }
    Ok(())
}

pub(crate) fn epoch_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
