//! The durable spool ([`ConfigBuilder::spool_dir`](crate::ConfigBuilder::spool_dir)): every
//! event is also appended to a segment file, and stays there until it is delivered or counted,
//! so that a process that dies (SIGKILL, OOM kill, `exit`, a container stop) loses nothing a
//! later process with the same directory cannot deliver.
//!
//! - The calling thread only encodes the record into a memory buffer ([`Spool::append`]); the
//!   spool's writer thread writes the buffers with one `write(2)` per segment and fsyncs at
//!   least every `spool_sync_interval` (`writer`). A crash loses at most that window.
//! - Settling a batch writes which records are done to `<segment>.ack` (`ack`); a segment is
//!   deleted once rotated and all its records are settled.
//! - At start, segments whose owner is gone (`lock`: an `flock` that dies with its process) are
//!   claimed, checked (`format`: CRC-32 per record) and fed back to the queues (`replay`).
//! - A child forked without exec lets go of the segments' locks it shares with its parent as
//!   it starts (`fork`), so that the parent's death leaves them to the next start at once.
//! - A directory that cannot be written, or a full disk, falls back to memory: one warning, and
//!   [`Stats::spool_fallback`](crate::Stats::spool_fallback) counts the events not spooled.

mod ack;
mod fork;
mod format;
mod lock;
mod replay;
#[cfg(test)]
mod tests;
mod writer;

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::config::SpoolConfig;
use crate::stats::Counters;
use crate::warn::{Warner, WarningKind};

/// The mark of an event that is not in the spool.
pub(crate) const NO_MARK: u64 = u64::MAX;

/// The writer is woken early once this many bytes wait.
const FLUSH_BYTES: usize = 1 << 20;

/// Where an event is in the spool: segment id and record index.
fn mark(segment: u32, index: u32) -> u64 {
    (u64::from(segment) << 32) | u64::from(index)
}

fn unmark(mark: u64) -> (u32, u32) {
    ((mark >> 32) as u32, mark as u32)
}

static INSTANCE: AtomicU64 = AtomicU64::new(0);

/// What [`Spool::append`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Append {
    /// Buffered for the segment file, with this mark.
    Spooled(u64),
    /// The spool is unusable: keep the event in memory only (counted).
    Memory,
    /// The spool holds `spool_max_bytes`.
    Full,
}

#[derive(Debug)]
struct Segment {
    /// File name without extension.
    name: Arc<str>,
    written: u32,
    settled: u32,
    /// No record will be added.
    sealed: bool,
    bytes: u64,
    /// Written by this process (counts against the bound), not claimed from a dead one.
    own: bool,
    /// The file exists.
    on_disk: bool,
    /// Ack entries settled before the file existed.
    deferred: Vec<u8>,
}

/// Bytes waiting for the writer, for one segment.
#[derive(Debug)]
struct Pending {
    segment: u32,
    bytes: Vec<u8>,
    records: u64,
    since: Instant,
}

#[derive(Debug, Default)]
struct State {
    active: u32,
    active_index: u32,
    active_bytes: u64,
    next_id: u32,
    pending: Vec<Pending>,
    pending_bytes: usize,
    spare: Vec<Vec<u8>>,
    segments: HashMap<u32, Segment>,
    own_bytes: u64,
    room_waiters: u32,
    stopping: bool,
}

/// One shipper's spool.
pub(crate) struct Spool {
    dir: PathBuf,
    prefix: String,
    group: String,
    max_bytes: u64,
    segment_bytes: u64,
    sync_interval: Duration,
    state: Mutex<State>,
    /// Wakes the writer.
    tick: Condvar,
    /// Wakes `Block` callers waiting for room.
    room: Condvar,
    acks: Mutex<HashMap<u32, File>>,
    /// Locked files of segments claimed from dead processes.
    claimed: Mutex<HashMap<u32, fork::Locked>>,
    fallen_back: AtomicBool,
    replaying: AtomicBool,
    counters: Arc<Counters>,
    warner: Warner,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Longest time a record waited between `append` and its write, in µs.
    window_us: AtomicU64,
}

impl std::fmt::Debug for Spool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spool")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Spool {
    /// Opens the spool (creating its directory) and starts its writer thread. Never fails: a
    /// directory that cannot be made falls back to memory.
    pub(crate) fn start(
        config: &SpoolConfig,
        group: &str,
        counters: Arc<Counters>,
        warner: Warner,
    ) -> Arc<Spool> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let spool = Arc::new(Spool {
            dir: config.dir.clone(),
            prefix: format!(
                "{}-{nanos:x}-{}",
                std::process::id(),
                INSTANCE.fetch_add(1, Relaxed)
            ),
            group: group.to_owned(),
            max_bytes: config.max_bytes,
            // Small enough that settled segments free room long before the bound.
            segment_bytes: (config.max_bytes / 16).clamp(4 * 1024, 4 << 20),
            sync_interval: config.sync_interval,
            state: Mutex::new(State {
                next_id: 1,
                ..State::default()
            }),
            tick: Condvar::new(),
            room: Condvar::new(),
            acks: Mutex::new(HashMap::new()),
            claimed: Mutex::new(HashMap::new()),
            fallen_back: AtomicBool::new(false),
            replaying: AtomicBool::new(true),
            counters,
            warner,
            writer: Mutex::new(None),
            window_us: AtomicU64::new(0),
        });
        let mut dir = std::fs::DirBuilder::new();
        dir.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
        if let Err(e) = dir.create(&spool.dir) {
            spool.fall_back(&e);
            spool.replaying.store(false, Relaxed);
            return spool;
        }
        let thread = {
            let spool = spool.clone();
            crate::thread::spawn("watchtower-spool", move || writer::run(&spool))
        };
        match thread {
            Ok(t) => *lock(&spool.writer) = Some(t),
            Err(e) => spool.fall_back(&e),
        }
        spool
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Buffers one record for the segment file: no system call on the caller's thread.
    pub(crate) fn append(&self, stream: &str, timestamp_ms: i64, message: &str) -> Append {
        if self.fallen_back.load(Relaxed) {
            self.counters.spool_fallback.fetch_add(1, Relaxed);
            return Append::Memory;
        }
        let len = format::record_len(stream, message) as u64;
        let mut st = self.lock();
        if st.own_bytes + len > self.max_bytes {
            return Append::Full;
        }
        let (segment, index) = (st.active, st.active_index);
        if st.pending.last().is_none_or(|p| p.segment != segment) {
            let bytes = st.spare.pop().unwrap_or_default();
            st.pending.push(Pending {
                segment,
                bytes,
                records: 0,
                since: Instant::now(),
            });
        }
        let mut added = 0;
        if let Some(p) = st.pending.last_mut() {
            let before = p.bytes.len();
            if index == 0 {
                format::encode_header(&mut p.bytes, &self.group);
            }
            format::encode_record(&mut p.bytes, index, timestamp_ms, stream, message);
            p.records += 1;
            added = p.bytes.len() - before;
        }
        let was_below = st.pending_bytes < FLUSH_BYTES;
        st.pending_bytes += added;
        st.active_index += 1;
        st.active_bytes += added as u64;
        st.own_bytes += added as u64;
        let prefix = &self.prefix;
        let seg = st.segments.entry(segment).or_insert_with(|| Segment {
            name: format!("{prefix}-{segment:06}").into(),
            written: 0,
            settled: 0,
            sealed: false,
            bytes: 0,
            own: true,
            on_disk: false,
            deferred: Vec::new(),
        });
        seg.written += 1;
        seg.bytes += added as u64;
        if st.active_bytes >= self.segment_bytes {
            rotate(&mut st);
        }
        // Wake the writer once, when the buffer crosses the mark (a wake is a system call).
        let wake = was_below && st.pending_bytes >= FLUSH_BYTES;
        drop(st);
        if wake {
            self.tick.notify_one();
        }
        Append::Spooled(mark(segment, index))
    }

    /// Waits up to `wait` for room (the `Block` policy), asking the writer to rotate.
    pub(crate) fn wait_room(&self, wait: Duration) {
        let mut st = self.lock();
        st.room_waiters += 1;
        self.tick.notify_one();
        let mut st = self
            .room
            .wait_timeout(st, wait)
            .unwrap_or_else(|e| e.into_inner())
            .0;
        st.room_waiters -= 1;
    }

    /// The spool cannot be written: memory only from now on, said once.
    fn fall_back(&self, cause: &std::io::Error) {
        if !self.fallen_back.swap(true, Relaxed) {
            self.warner.warn_always(
                WarningKind::SpoolUnavailable,
                format!(
                    "the spool directory {} cannot be used ({cause}); events are kept in memory \
                     only from now on and would be lost if the process died",
                    self.dir.display()
                ),
            );
        }
    }

    /// The bound on the spool's bytes.
    pub(crate) fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// No replay will run (its thread could not start).
    pub(crate) fn skip_replay(&self) {
        self.replaying.store(false, Relaxed);
    }

    /// Whether the start-up replay is still feeding events.
    pub(crate) fn replaying(&self) -> bool {
        self.replaying.load(Relaxed)
    }

    /// Longest time a record waited in memory before its write, so far (the crash window).
    #[allow(dead_code)]
    pub(crate) fn window(&self) -> Duration {
        Duration::from_micros(self.window_us.load(Relaxed))
    }

    /// Shutdown's last step: seals the active segment, writes what is buffered, deletes the
    /// settled segments and stops the writer. What is not settled stays for the next start.
    pub(crate) fn close(&self) {
        {
            let mut st = self.lock();
            if st.active_index > 0 {
                rotate(&mut st);
            }
            st.stopping = true;
        }
        self.tick.notify_all();
        self.room.notify_all();
        let writer = lock(&self.writer).take();
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        lock(&self.claimed).clear();
        lock(&self.acks).clear();
    }
}

/// Seals the active segment; the next record starts a new one.
fn rotate(st: &mut State) {
    let active = st.active;
    if let Some(seg) = st.segments.get_mut(&active) {
        seg.sealed = true;
    }
    st.active = st.next_id.max(active + 1);
    st.next_id = st.active + 1;
    st.active_index = 0;
    st.active_bytes = 0;
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
