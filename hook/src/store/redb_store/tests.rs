//! Tests of the redb store.

use std::time::Duration;

use super::*;
use crate::store::{RefreshLink, RefreshStore, RevocationStore, SessionRef};

fn link(session_id: &str, expires_at: i64) -> RefreshLink {
    RefreshLink {
        session_id: session_id.to_owned(),
        user_id: Some("00u1".to_owned()),
        session_created_at_ms: 100,
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
    store
        .link(vec!["rt1".into(), "rt2".into()], link("102a", 1000))
        .await
        .unwrap();
    let found = store.lookup("rt2", 500).await.unwrap();
    assert_eq!(found.map(|link| link.session_id), Some("102a".to_owned()));
}

#[tokio::test]
async fn lookup_hides_expired_link() {
    let (_dir, store) = open_temp();
    store
        .link(vec!["rt1".into()], link("102a", 1000))
        .await
        .unwrap();
    assert_eq!(store.lookup("rt1", 1000).await.unwrap(), None);
}

#[tokio::test]
async fn purge_deletes_only_expired() {
    let (_dir, store) = open_temp();
    store
        .link(vec!["old".into()], link("102a", 10))
        .await
        .unwrap();
    store
        .link(vec!["new".into()], link("102b", 1000))
        .await
        .unwrap();
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
        created_at_ms: 150,
    };
    let newer = SessionRef {
        created_at_ms: 250,
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
        store
            .link(vec!["rt1".into()], link("102a", 1000))
            .await
            .unwrap();
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
        store
            .link(vec!["rt1".into()], link("102a", 1000))
            .await
            .unwrap();
    }
    let reopened = RedbStore::open(&path, batched).unwrap();
    assert!(reopened.lookup("rt1", 500).await.unwrap().is_some());
}

#[tokio::test]
async fn batched_link_visible_before_commit() {
    let dir = tempfile::tempdir().unwrap();
    let batched = Durability::Batched {
        flush_every: Duration::from_secs(3600),
    };
    let store = RedbStore::open(&dir.path().join("store.redb"), batched).unwrap();

    store
        .link(vec!["rt1".into()], link("102a", 1000))
        .await
        .unwrap();

    let found = store.lookup("rt1", 500).await.unwrap();
    assert_eq!(found.map(|link| link.session_id), Some("102a".to_owned()));
}
