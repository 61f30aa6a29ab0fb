//! Settlement: which records of a segment are delivered or counted, kept beside the segment in
//! `<segment>.ack` so that a replay never sends them again.
//!
//! Each entry is a run of record indexes, `first u32 | count u32 | CRC-32 of those 8 bytes`,
//! written with one `write(2)` as soon as the batch holding them is settled. A torn or corrupt
//! entry is ignored (its records are then replayed: at least once, never lost).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use super::{lock, unmark, Spool, NO_MARK};
use crate::warn::WarningKind;

const ENTRY: usize = 12;

impl Spool {
    /// Records that the events with these marks are delivered or counted: writes their ack
    /// entries (one write per segment), so that no replay sends them again.
    pub(crate) fn settle(&self, marks: impl IntoIterator<Item = u64>) {
        let mut marks: Vec<u64> = marks.into_iter().filter(|m| *m != NO_MARK).collect();
        if marks.is_empty() {
            return;
        }
        marks.sort_unstable();
        let mut groups: Vec<(u32, Vec<u32>)> = Vec::new();
        for m in marks {
            let (segment, index) = unmark(m);
            match groups.last_mut() {
                Some((s, v)) if *s == segment => v.push(index),
                _ => groups.push((segment, vec![index])),
            }
        }
        let mut writes = Vec::new();
        {
            let mut st = self.lock();
            for (segment, indexes) in &groups {
                let Some(seg) = st.segments.get_mut(segment) else {
                    continue;
                };
                let entries = encode(&runs(indexes));
                if seg.on_disk {
                    writes.push((*segment, seg.name.clone(), entries));
                } else if !self.fallen_back.load(Relaxed) {
                    seg.deferred.extend_from_slice(&entries);
                }
            }
        }
        self.write_acks(writes);
        let mut st = self.lock();
        for (segment, indexes) in &groups {
            if let Some(seg) = st.segments.get_mut(segment) {
                seg.settled += indexes.len() as u32;
            }
        }
    }

    /// Appends ack entries to their segments' ack files.
    pub(super) fn write_acks(&self, writes: Vec<(u32, Arc<str>, Vec<u8>)>) {
        if writes.is_empty() {
            return;
        }
        let mut acks = lock(&self.acks);
        for (segment, name, entries) in writes {
            let file = match acks.entry(segment) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    match open(&self.dir.join(format!("{name}.ack"))) {
                        Ok(f) => v.insert(f),
                        Err(e) => {
                            self.warn_ack(&e);
                            continue;
                        }
                    }
                }
            };
            if let Err(e) = write(file, &entries) {
                self.warn_ack(&e);
            }
        }
    }

    fn warn_ack(&self, e: &std::io::Error) {
        if self.fallen_back.load(Relaxed) {
            return; // already said: the directory cannot be written
        }
        self.warner.warn(WarningKind::SpoolUnavailable, || {
            format!(
                "could not record delivered events in the spool directory {} ({e}); a later \
                 replay may send them again",
                self.dir.display()
            )
        });
    }
}

/// Runs of consecutive indexes in `sorted` (ascending, duplicates allowed).
pub(crate) fn runs(sorted: &[u32]) -> Vec<(u32, u32)> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &i in sorted {
        match runs.last_mut() {
            Some((first, count)) if *first + *count == i => *count += 1,
            Some((first, count)) if i < *first + *count => {}
            _ => runs.push((i, 1)),
        }
    }
    runs
}

/// Encodes runs as ack entries.
pub(crate) fn encode(runs: &[(u32, u32)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(runs.len() * ENTRY);
    for (first, count) in runs {
        let start = out.len();
        out.extend_from_slice(&first.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        let crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&crc.to_le_bytes());
    }
    out
}

/// Opens (creating) the ack file for appending.
pub(crate) fn open(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Appends `entries` with one write.
pub(crate) fn write(file: &mut File, entries: &[u8]) -> io::Result<()> {
    file.write_all(entries)
}

/// The indexes an ack file marks settled (empty when there is none).
pub(crate) fn read(path: &Path) -> Vec<(u32, u32)> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    bytes
        .chunks_exact(ENTRY)
        .filter(|e| crc32fast::hash(&e[..8]).to_le_bytes() == e[8..12])
        .map(|e| {
            let first = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
            let count = u32::from_le_bytes([e[4], e[5], e[6], e[7]]);
            (first, count)
        })
        .collect()
}

/// Whether `index` falls in one of `runs`.
pub(crate) fn is_settled(runs: &[(u32, u32)], index: u32) -> bool {
    runs.iter()
        .any(|&(first, count)| index >= first && index - first < count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_consecutive_indexes() {
        assert_eq!(runs(&[0, 1, 2, 5, 6, 9]), vec![(0, 3), (5, 2), (9, 1)]);
        assert_eq!(runs(&[]), vec![]);
    }

    #[test]
    fn entries_round_trip_and_damage_is_ignored() {
        let dir = std::env::temp_dir().join(format!("wt-ack-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.ack");
        let mut f = open(&path).unwrap();
        write(&mut f, &encode(&[(0, 3), (7, 1)])).unwrap();
        let mut bad = encode(&[(20, 5)]);
        bad[2] ^= 1;
        write(&mut f, &bad).unwrap();
        write(&mut f, &[1, 2, 3]).unwrap();
        let read = read(&path);
        assert_eq!(read, vec![(0, 3), (7, 1)]);
        assert!(is_settled(&read, 2) && is_settled(&read, 7));
        assert!(!is_settled(&read, 3) && !is_settled(&read, 21));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
