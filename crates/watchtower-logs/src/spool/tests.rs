//! The spool on its own (no AWS): files appear within the sync interval, settled segments are
//! deleted, a live owner's segments are never replayed, a closed one's are, with their stream,
//! time and message.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Append, Spool};
use crate::config::SpoolConfig;
use crate::stats::Counters;
use crate::warn::{StderrSink, Warner};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wt-spool-unit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn start(dir: &Path) -> Arc<Spool> {
    let config = SpoolConfig {
        dir: dir.to_owned(),
        max_bytes: 1 << 20,
        sync_interval: Duration::from_millis(5),
    };
    let counters = Arc::new(Counters::default());
    Spool::start(
        &config,
        "group",
        counters,
        Warner::new(Arc::new(StderrSink)),
    )
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == ext));
    v
}

fn wait_written(dir: &Path, bytes: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while files(dir, "wal")
        .iter()
        .map(|p| p.metadata().map(|m| m.len()).unwrap_or(0))
        .sum::<u64>()
        < bytes
    {
        assert!(Instant::now() < deadline, "not written within 30 s");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A fixed recent time (the replay counts events older than 14 days as too old).
fn base() -> i64 {
    static BASE: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *BASE.get_or_init(|| crate::record::now_millis() - 60_000)
}

fn append(spool: &Spool, i: i64) -> u64 {
    match spool.append("stream", base() + i, &format!("message {i}")) {
        Append::Spooled(mark) => mark,
        other => panic!("not spooled: {other:?}"),
    }
}

#[test]
fn settled_segments_are_deleted_at_close() {
    let d = dir("settled");
    let spool = start(&d);
    let marks: Vec<u64> = (0..3).map(|i| append(&spool, i)).collect();
    wait_written(&d, 3 * 40);
    spool.settle(marks);
    spool.close();
    assert!(files(&d, "wal").is_empty() && files(&d, "ack").is_empty());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn only_segments_without_a_live_owner_are_replayed() {
    let d = dir("owner");
    let owner = start(&d);
    let marks: Vec<u64> = (0..3).map(|i| append(&owner, i)).collect();
    wait_written(&d, 3 * 40);
    owner.settle([marks[1]]);
    let mut fed = Vec::new();
    let other = start(&d);
    other.replay(&mut |stream, ts, message, _| {
        fed.push((stream.to_owned(), ts, message));
        true
    });
    assert!(
        fed.is_empty(),
        "a live owner's segment was replayed: {fed:?}"
    );
    owner.close(); // two of three unsettled: the segment stays, unlocked
    assert_eq!(files(&d, "wal").len(), 1);
    let next = start(&d);
    next.replay(&mut |stream, ts, message, _| {
        fed.push((stream.to_owned(), ts, message));
        true
    });
    let want = [("stream", 0, "message 0"), ("stream", 2, "message 2")];
    let want: Vec<_> = want
        .iter()
        .map(|(s, t, m)| (s.to_string(), base() + t, m.to_string()))
        .collect();
    assert_eq!(fed, want);
    other.close();
    next.close();
    let _ = std::fs::remove_dir_all(&d);
}
