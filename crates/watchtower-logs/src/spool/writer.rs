//! The spool's writer thread: every `spool_sync_interval` (sooner when a megabyte waits) it
//! writes the buffered records with one `write(2)` per segment, fsyncs the files written, and
//! deletes the segments that are sealed and fully settled.
//!
//! A new segment file is created as `<name>.tmp`, locked, then renamed to `<name>.wal`: a
//! `.wal` file is never seen unlocked while its writer lives.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::sync::atomic::Ordering::Relaxed;

use super::fork::Locked;
use super::{lock, rotate, Pending, Spool, FLUSH_BYTES};

/// Buffers kept for reuse, and the largest one kept.
const SPARE_BUFFERS: usize = 4;
const SPARE_CAPACITY: usize = 4 << 20;

/// The writer loop; returns after [`Spool::close`] once everything buffered is written.
pub(super) fn run(spool: &Spool) {
    let mut files: HashMap<u32, Locked> = HashMap::new();
    loop {
        let (pending, stopping) = {
            let mut st = spool.lock();
            if !st.stopping && st.pending_bytes < FLUSH_BYTES {
                st = spool
                    .tick
                    .wait_timeout(st, spool.sync_interval)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            // A caller waits for room: an active segment whose records are all settled can go.
            if st.room_waiters > 0 && st.active_index > 0 {
                let active = st.active;
                if st
                    .segments
                    .get(&active)
                    .is_some_and(|s| s.settled >= s.written)
                {
                    rotate(&mut st);
                }
            }
            st.pending_bytes = 0;
            (std::mem::take(&mut st.pending), st.stopping)
        };
        let wrote = !pending.is_empty();
        write_pending(spool, &mut files, pending);
        delete_settled(spool, &mut files);
        if stopping && !wrote && spool.lock().pending.is_empty() {
            return;
        }
    }
}

fn write_pending(spool: &Spool, files: &mut HashMap<u32, Locked>, pending: Vec<Pending>) {
    let mut written: Vec<u32> = Vec::new();
    let mut not_spooled = 0;
    let mut spare = Vec::new();
    for mut p in pending {
        if spool.fallen_back.load(Relaxed) {
            not_spooled += p.records;
        } else {
            match write_one(spool, files, &p) {
                Ok(()) => written.push(p.segment),
                Err(e) => {
                    spool.fall_back(&e);
                    not_spooled += p.records;
                }
            }
            let waited = p.since.elapsed().as_micros() as u64;
            spool.window_us.fetch_max(waited, Relaxed);
        }
        if p.bytes.capacity() <= SPARE_CAPACITY {
            p.bytes.clear();
            spare.push(p.bytes);
        }
    }
    written.dedup();
    for segment in written {
        if let Some(file) = files.get(&segment) {
            if let Err(e) = file.sync_data() {
                spool.fall_back(&e);
            }
        }
    }
    if not_spooled > 0 {
        spool
            .counters
            .spool_fallback
            .fetch_add(not_spooled, Relaxed);
    }
    let mut st = spool.lock();
    spare.truncate(SPARE_BUFFERS.saturating_sub(st.spare.len()));
    st.spare.append(&mut spare);
}

/// Writes one buffer, creating its segment file first if needed.
fn write_one(spool: &Spool, files: &mut HashMap<u32, Locked>, p: &Pending) -> io::Result<()> {
    let file = match files.entry(p.segment) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(v) => {
            let name = match spool.lock().segments.get(&p.segment) {
                Some(seg) => seg.name.clone(),
                None => return Ok(()),
            };
            let tmp = spool.dir.join(format!("{name}.tmp"));
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            // Logs can be private: only the owner reads the segments.
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            // Listed before it is locked: a child forked at any moment after lets go of it.
            let file = Locked::new(options.open(&tmp)?);
            if !super::lock::try_lock(&file)? {
                return Err(io::Error::other(
                    "a new segment file was locked by another process",
                ));
            }
            std::fs::rename(&tmp, spool.dir.join(format!("{name}.wal")))?;
            // The new name survives a power cut too.
            File::open(&spool.dir)?.sync_all()?;
            v.insert(file)
        }
    };
    file.write_all(&p.bytes)?;
    // Acks settled before the file existed.
    let deferred = {
        let mut st = spool.lock();
        match st.segments.get_mut(&p.segment) {
            Some(seg) if !seg.on_disk => {
                seg.on_disk = true;
                let entries = std::mem::take(&mut seg.deferred);
                (!entries.is_empty()).then(|| (p.segment, seg.name.clone(), entries))
            }
            _ => None,
        }
    };
    if let Some(write) = deferred {
        spool.write_acks(vec![write]);
    }
    Ok(())
}

/// Deletes the files of sealed segments whose records are all settled.
fn delete_settled(spool: &Spool, files: &mut HashMap<u32, Locked>) {
    let doomed: Vec<(u32, std::sync::Arc<str>)> = {
        let mut st = spool.lock();
        let ids: Vec<u32> = st
            .segments
            .iter()
            .filter(|(id, s)| {
                s.sealed && s.settled >= s.written && !st.pending.iter().any(|p| p.segment == **id)
            })
            .map(|(id, _)| *id)
            .collect();
        let mut doomed = Vec::new();
        for id in ids {
            if let Some(seg) = st.segments.remove(&id) {
                if seg.own {
                    st.own_bytes = st.own_bytes.saturating_sub(seg.bytes);
                }
                doomed.push((id, seg.name));
            }
        }
        doomed
    };
    if doomed.is_empty() {
        return;
    }
    for (id, name) in doomed {
        // The segment first (while still locked), then its acks.
        let _ = std::fs::remove_file(spool.dir.join(format!("{name}.wal")));
        lock(&spool.acks).remove(&id);
        let _ = std::fs::remove_file(spool.dir.join(format!("{name}.ack")));
        files.remove(&id);
        lock(&spool.claimed).remove(&id);
    }
    spool.room.notify_all();
}
