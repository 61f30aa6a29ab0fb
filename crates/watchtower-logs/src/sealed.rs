//! Sealed batches: a batch once encoded, which is what a backlog holds.
//!
//! A batch is encoded (`encode.rs`: its request body, gzipped) as soon as it is dispatched, and
//! its events are freed: a backlogged event then costs its share of the compressed body (5–30
//! bytes for typical JSON logs) instead of its message, its struct and its queue slot. What
//! delivery still needs is kept beside the body: the counts, the bytes as the service counts
//! them and the spool marks. The rare batch that must be split (the service refused it whole)
//! or whose partial rejection must be counted is decoded again from its body.
//!
//! Against `max_queue_bytes` a sealed batch still counts what its events and its request were
//! counted for when it was dispatched. Counting only its body instead let the bound admit
//! several times more events through an outage, but then peak memory with eight logging
//! threads reached 1.7–1.8× the bound (`memory-bound` in `watchtower-bench`), past the bound's
//! promise of 1.5× + 12 MiB: the accounting of events not yet sealed is too optimistic for
//! that. Counted as before, the promise holds and the memory really held is far below it.

use std::sync::Arc;

use crate::batch::Batch;
use crate::encode::PutBody;
use crate::record::QueuedEvent;
use crate::spool::NO_MARK;

/// An encoded batch, its events freed.
#[derive(Debug)]
pub(crate) struct Sealed {
    pub(crate) stream: Arc<str>,
    pub(crate) body: PutBody,
    /// Events in the batch.
    pub(crate) count: usize,
    /// Sum of event sizes as the service counts them (message bytes + 26).
    pub(crate) bytes: usize,
    /// The memory its events were counted for while queued ([`QueuedEvent::held`]): still
    /// counted against `max_queue_bytes` until the batch is settled.
    pub(crate) held: usize,
    /// Spool marks, in the batch's order; empty when no event is spooled.
    marks: Vec<u64>,
}

impl Sealed {
    /// Encodes `batch` for `group` (gzipped when `compress` and it pays) and frees its events.
    pub(crate) fn seal(batch: Batch, group: &str, compress: bool) -> Sealed {
        let held = batch.held();
        Self::seal_counted(batch, held, group, compress)
    }

    /// Seals `batch`, counted as `held`.
    fn seal_counted(batch: Batch, held: usize, group: &str, compress: bool) -> Sealed {
        let body = PutBody::encode(group, &batch.stream, &batch.events, compress);
        let marks: Vec<u64> = if batch.events.iter().any(|e| e.spool != NO_MARK) {
            batch.events.iter().map(|e| e.spool).collect()
        } else {
            Vec::new()
        };
        Sealed {
            stream: batch.stream,
            body,
            count: batch.events.len(),
            bytes: batch.bytes,
            held,
            marks,
        }
    }

    /// The events' spool marks (none when nothing is spooled).
    pub(crate) fn marks(&self) -> impl Iterator<Item = u64> + '_ {
        self.marks.iter().copied()
    }

    /// The events again, decoded from the body, with their spool marks.
    pub(crate) fn events(&self) -> Result<Vec<QueuedEvent>, String> {
        let decoded = self.body.decode()?;
        if decoded.len() != self.count {
            return Err(format!(
                "the encoded body holds {} events, not {}",
                decoded.len(),
                self.count
            ));
        }
        Ok(decoded
            .into_iter()
            .enumerate()
            .map(|(i, (timestamp_ms, message))| {
                let mark = self.marks.get(i).copied().unwrap_or(NO_MARK);
                QueuedEvent::text(timestamp_ms, message, mark)
            })
            .collect())
    }

    /// Splits the batch into two halves, each encoded again (for isolating an event the service
    /// refuses). The memory counted for the events is shared in proportion, so that settling
    /// both halves gives back exactly what the whole was counted for. On error (a body that
    /// does not decode: a bug of ours) the cause is returned.
    pub(crate) fn split_in_half(
        &self,
        group: &str,
        compress: bool,
    ) -> Result<(Sealed, Sealed), String> {
        let whole = Batch {
            stream: self.stream.clone(),
            events: self.events()?,
            bytes: self.bytes,
        };
        let (a, b) = whole.split_in_half();
        let held_a = self.held * a.events.len() / self.count.max(1);
        Ok((
            Self::seal_counted(a, held_a, group, compress),
            Self::seal_counted(b, self.held - held_a, group, compress),
        ))
    }

    /// Bytes (as the service counts them) of the events `range` of the batch: what a partial
    /// rejection delivered.
    pub(crate) fn bytes_of(&self, range: std::ops::Range<usize>) -> Result<usize, String> {
        if range.start == 0 && range.end == self.count {
            return Ok(self.bytes);
        }
        let events = self.events()?;
        Ok(events
            .get(range)
            .map_or(0, |slice| slice.iter().map(QueuedEvent::size).sum()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(messages: &[&str], spooled: bool) -> Batch {
        let events: Vec<QueuedEvent> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mark = if spooled { 100 + i as u64 } else { NO_MARK };
                QueuedEvent::text(1_700_000_000_000 + i as i64, (*m).to_owned(), mark)
            })
            .collect();
        let bytes = events.iter().map(QueuedEvent::size).sum();
        Batch {
            stream: "s".into(),
            events,
            bytes,
        }
    }

    fn messages(sealed: &Sealed) -> Vec<String> {
        sealed
            .events()
            .unwrap()
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    #[test]
    fn a_sealed_batch_gives_back_its_events_and_marks() {
        for compress in [false, true] {
            let texts: Vec<String> = (0..200)
                .map(|i| format!("{{\"level\":\"INFO\",\"n\":{i},\"msg\":\"é \\\" \\u0001\"}}"))
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let original = batch(&refs, true);
            let (bytes, held) = (original.bytes, original.held());
            let sealed = Sealed::seal(original, "g", compress);
            assert_eq!(
                (sealed.count, sealed.bytes, sealed.held),
                (200, bytes, held)
            );
            assert_eq!(messages(&sealed), texts);
            let marks: Vec<u64> = sealed.events().unwrap().iter().map(|e| e.spool).collect();
            assert_eq!(marks, (100..300).collect::<Vec<u64>>());
            assert_eq!(sealed.marks().collect::<Vec<_>>(), marks);
            // Gzipped, the body is a fraction of what the events held.
            if compress {
                assert!(
                    sealed.body.len() * 4 < bytes,
                    "{} vs {bytes}",
                    sealed.body.len()
                );
            }
        }
        // Events outside the spool carry no marks at all.
        assert_eq!(
            Sealed::seal(batch(&["a"], false), "g", true)
                .marks()
                .count(),
            0
        );
    }

    #[test]
    fn halves_keep_events_bytes_and_counted_memory() {
        let original = batch(&["a", "bb", "ccc", "dddd", "eeeee"], true);
        let (bytes, held) = (original.bytes, original.held());
        let sealed = Sealed::seal(original, "g", true);
        let (a, b) = sealed.split_in_half("g", true).unwrap();
        assert_eq!(messages(&a), ["a", "bb"]);
        assert_eq!(messages(&b), ["ccc", "dddd", "eeeee"]);
        assert_eq!((a.count, b.count), (2, 3));
        assert_eq!(a.bytes + b.bytes, bytes);
        assert_eq!(a.held + b.held, held);
        assert_eq!(b.marks().collect::<Vec<_>>(), [102, 103, 104]);
    }

    #[test]
    fn bytes_of_a_range_count_only_that_range() {
        let sealed = Sealed::seal(batch(&["a", "bb", "ccc"], false), "g", false);
        assert_eq!(sealed.bytes_of(0..3).unwrap(), sealed.bytes);
        assert_eq!(sealed.bytes_of(1..2).unwrap(), 2 + 26);
        assert_eq!(sealed.bytes_of(3..3).unwrap(), 0);
    }
}
