//! Replay at start: segments left by processes that are gone are claimed (an exclusive
//! non-blocking `flock`, so that among concurrent starters exactly one takes each), checked
//! record by record, and fed back with their stream, timestamp and order. Records already
//! settled (`ack`) are skipped; torn or corrupt ones are skipped and counted as
//! [`DropReason::SpoolCorrupt`]; events older than the service accepts are counted as
//! [`DropReason::TooOld`]. A damaged segment is never a reason to refuse to start.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use super::{ack, format, lock, mark, Segment, Spool};
use crate::stats::DropReason;
use crate::warn::WarningKind;

/// The service refuses events older than 14 days; an hour of margin for the way there.
const TOO_OLD_MS: i64 = (14 * 24 - 1) * 3_600_000;

/// Takes one replayed event: its stream, timestamp, message and spool mark. Returns false to
/// stop (the shipper is shutting down): the rest stays in the spool.
pub(crate) type Feed<'a> = dyn FnMut(&str, i64, String, u64) -> bool + 'a;

impl Spool {
    /// Replays every orphaned segment of this log group through `feed`; returns the number of
    /// events fed. Clears [`Spool::replaying`] when done.
    pub(crate) fn replay(&self, feed: &mut Feed<'_>) -> u64 {
        let fed = self.replay_all(feed);
        self.replaying.store(false, Relaxed);
        fed
    }

    fn replay_all(&self, feed: &mut Feed<'_>) -> u64 {
        if self.fallen_back.load(Relaxed) {
            return 0;
        }
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut files: Vec<(std::time::SystemTime, std::path::PathBuf)> = entries
            .filter_map(Result::ok)
            .map(|e| {
                let modified = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                (modified, e.path())
            })
            .collect();
        files.sort();
        let mut fed = 0;
        for (_, path) in &files {
            match path.extension().and_then(|e| e.to_str()) {
                Some("wal") => match self.replay_segment(path, feed) {
                    Some(n) => fed += n,
                    None => return fed,
                },
                Some("tmp") => remove_if_orphaned(path),
                _ => {}
            }
        }
        // Ack files whose segment is gone (deleted by a process that died just after).
        for (_, path) in &files {
            if path.extension().is_some_and(|e| e == "ack") && !path.with_extension("wal").exists()
            {
                let _ = std::fs::remove_file(path);
            }
        }
        fed
    }

    /// Claims and replays one segment; `None` when `feed` asked to stop.
    fn replay_segment(&self, path: &Path, feed: &mut Feed<'_>) -> Option<u64> {
        let Ok(file) = File::open(path) else {
            return Some(0);
        };
        // Listed before it is locked: a child forked at any moment after lets go of it.
        let mut file = super::fork::Locked::new(file);
        if !matches!(lock::try_lock(&file), Ok(true)) || !lock::still_linked(&file) {
            return Some(0); // a live owner, or another replayer has it
        }
        let mut bytes = Vec::new();
        if file.read_to_end(&mut bytes).is_err() {
            return Some(0);
        }
        let ack_path = path.with_extension("ack");
        if bytes.is_empty() {
            // Created, never written: nothing in it.
            let _ = std::fs::remove_file(path);
            let _ = std::fs::remove_file(&ack_path);
            return Some(0);
        }
        let (group, start) = match format::decode_header(&bytes) {
            Ok(header) => header,
            Err(why) => {
                self.count_damage(path, 1, why);
                let _ = std::fs::remove_file(path);
                let _ = std::fs::remove_file(&ack_path);
                return Some(0);
            }
        };
        if group != self.group {
            return Some(0); // another shipper's: left for a process logging to that group
        }
        let settled = ack::read(&ack_path);
        let name: Arc<str> = path.file_stem()?.to_string_lossy().into();
        let id = {
            let mut st = self.lock();
            let id = st.next_id;
            st.next_id += 1;
            st.segments.insert(
                id,
                Segment {
                    name,
                    written: 0,
                    settled: 0,
                    sealed: false,
                    bytes: 0,
                    own: false,
                    on_disk: true,
                    deferred: Vec::new(),
                },
            );
            id
        };
        super::lock(&self.claimed).insert(id, file);
        let cutoff = crate::record::now_millis() - TOO_OLD_MS;
        let mut reader = format::Reader::new(&bytes, start);
        let mut too_old = Vec::new();
        let mut fed = 0;
        for record in reader.by_ref() {
            if ack::is_settled(&settled, record.index) {
                continue;
            }
            if let Some(seg) = self.lock().segments.get_mut(&id) {
                seg.written += 1;
            }
            if record.timestamp_ms < cutoff {
                too_old.push(mark(id, record.index));
                continue;
            }
            let m = mark(id, record.index);
            if !feed(
                record.stream,
                record.timestamp_ms,
                record.message.to_owned(),
                m,
            ) {
                if let Some(seg) = self.lock().segments.get_mut(&id) {
                    seg.written -= 1;
                }
                self.settle_too_old(too_old);
                return None;
            }
            fed += 1;
        }
        if reader.damaged > 0 {
            let why = if reader.torn_tail && reader.damaged == 1 {
                "its last record was cut short: the process writing it was killed mid-write, \
                 within the crash window"
            } else {
                "torn or corrupt records"
            };
            self.count_damage(path, reader.damaged, why);
        }
        self.settle_too_old(too_old);
        if let Some(seg) = self.lock().segments.get_mut(&id) {
            seg.sealed = true;
        }
        self.counters.replayed.fetch_add(fed, Relaxed);
        Some(fed)
    }

    fn settle_too_old(&self, marks: Vec<u64>) {
        if !marks.is_empty() {
            // Counted as events (they entered the pipeline) and as dropped.
            self.counters.events.fetch_add(marks.len() as u64, Relaxed);
            self.counters
                .drop_events(DropReason::TooOld, marks.len() as u64);
            self.warner.warn(WarningKind::Rejected, || {
                format!(
                    "{} events replayed from the spool were older than the 14 days CloudWatch \
                     Logs accepts; counted as too_old",
                    marks.len()
                )
            });
            self.settle(marks);
        }
    }

    fn count_damage(&self, path: &Path, records: u64, why: &str) {
        self.counters.drop_events(DropReason::SpoolCorrupt, records);
        self.warner.warn(WarningKind::SpoolCorrupt, || {
            format!(
                "the spool segment {} is damaged ({why}): {records} records could not be \
                 replayed; counted as spool_corrupt",
                path.display()
            )
        });
    }
}

/// Removes a `.tmp` file its creator no longer holds (it died before renaming it; nothing was
/// written to it).
fn remove_if_orphaned(path: &Path) {
    if let Ok(file) = File::open(path) {
        if matches!(lock::try_lock(&file), Ok(true)) && lock::still_linked(&file) {
            let _ = std::fs::remove_file(path);
        }
    }
}
