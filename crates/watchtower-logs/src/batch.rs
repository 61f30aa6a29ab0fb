//! Batches: events cut from the front of a stream queue so that one PutLogEvents call respects
//! every limit.
//!
//! A batch holds at most `max_batch_count` events and `max_batch_size` bytes (message UTF-8
//! bytes + 26 each), is sorted by timestamp (stably, so equal timestamps keep their logging
//! order) and spans less than 24 hours. [`take_batch`] cuts by count and bytes in logging order;
//! [`into_batches`] sorts and splits at the 24-hour boundary.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::limits::MAX_BATCH_SPAN_MS;
use crate::record::QueuedEvent;

/// The count and byte bounds of one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchLimits {
    pub(crate) max_bytes: usize,
    pub(crate) max_count: usize,
}

/// Events for one PutLogEvents call, sorted by timestamp.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) stream: Arc<str>,
    pub(crate) events: Vec<QueuedEvent>,
    /// Sum of event sizes (message bytes + 26).
    pub(crate) bytes: usize,
}

impl Batch {
    /// Memory the batch's events hold (see [`QueuedEvent::held`]).
    pub(crate) fn held(&self) -> usize {
        self.events.iter().map(QueuedEvent::held).sum()
    }

    /// Memory a request for this batch may hold on top of the batch while it is in flight: its
    /// encoded body (`encode.rs`: the JSON-escaped messages, at most this much; gzipped, far
    /// less). Counted against `max_queue_bytes` until the batch is settled (see `sealed.rs`
    /// for why it is not cut to the body's real size).
    pub(crate) fn request_copies(&self) -> usize {
        self.bytes + self.bytes / 4 + self.events.len() * 16
    }

    /// Splits the batch into two halves (for isolating an event the service refuses).
    pub(crate) fn split_in_half(mut self) -> (Batch, Batch) {
        let second = self.events.split_off(self.events.len() / 2);
        let second_bytes: usize = second.iter().map(QueuedEvent::size).sum();
        let first = Batch {
            stream: self.stream.clone(),
            bytes: self.bytes - second_bytes,
            events: self.events,
        };
        (
            first,
            Batch {
                stream: self.stream,
                events: second,
                bytes: second_bytes,
            },
        )
    }
}

/// Whether a queue holding `count` events of `bytes` can take no more events.
pub(crate) fn is_full(count: usize, bytes: usize, limits: BatchLimits) -> bool {
    count >= limits.max_count || bytes >= limits.max_bytes
}

/// Removes from the front of `queue` the longest run of events that fits in one batch, in
/// logging order. Takes at least one event when the queue is not empty (an event larger than
/// `max_batch_size`, allowed by `large_events_alone`, goes in a batch of its own).
///
/// Runs under the queues' lock, so it moves as little as it can: a whole queue is taken in
/// O(1), and otherwise the shorter of the batch and the rest is copied (a backlog of a million
/// events is never copied per batch).
pub(crate) fn take_batch(
    queue: &mut VecDeque<QueuedEvent>,
    limits: BatchLimits,
) -> (VecDeque<QueuedEvent>, usize) {
    let mut bytes = 0;
    let mut count = 0;
    for event in queue.iter() {
        let size = event.size();
        if count == limits.max_count || (count > 0 && bytes + size > limits.max_bytes) {
            break;
        }
        bytes += size;
        count += 1;
    }
    let batch = if count == queue.len() {
        std::mem::take(queue)
    } else if queue.len() - count < count {
        // A short rest: copy it, keep the batch where it is.
        let rest = queue.split_off(count);
        std::mem::replace(queue, rest)
    } else {
        // A long rest (a backlog): copy the batch out, never the whole backlog.
        queue.drain(..count).collect()
    };
    (batch, bytes)
}

/// Sorts events by timestamp (stable) and splits them wherever the span from a batch's first
/// event would reach 24 hours.
pub(crate) fn into_batches(stream: Arc<str>, events: VecDeque<QueuedEvent>) -> Vec<Batch> {
    let mut events = Vec::from(events);
    events.sort_by_key(|e| e.timestamp_ms);
    let (first, last) = match (events.first(), events.last()) {
        (Some(f), Some(l)) => (f.timestamp_ms, l.timestamp_ms),
        _ => return Vec::new(),
    };
    if last - first < MAX_BATCH_SPAN_MS {
        let bytes = events.iter().map(QueuedEvent::size).sum();
        return vec![Batch {
            stream,
            events,
            bytes,
        }];
    }
    let mut batches = Vec::new();
    let mut current: Vec<QueuedEvent> = Vec::new();
    let mut bytes = 0;
    for event in events {
        if let Some(head) = current.first() {
            if event.timestamp_ms - head.timestamp_ms >= MAX_BATCH_SPAN_MS {
                batches.push(Batch {
                    stream: stream.clone(),
                    events: std::mem::take(&mut current),
                    bytes: std::mem::take(&mut bytes),
                });
            }
        }
        bytes += event.size();
        current.push(event);
    }
    batches.push(Batch {
        stream,
        events: current,
        bytes,
    });
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(ts: i64, msg: &str) -> QueuedEvent {
        QueuedEvent::text(ts, msg.to_owned(), u64::MAX)
    }

    const LIMITS: BatchLimits = BatchLimits {
        max_bytes: 1_048_576,
        max_count: 10_000,
    };

    #[test]
    fn takes_exactly_the_byte_limit() {
        // 16 events of 65,536 bytes (65,510 + 26) make exactly 1,048,576.
        let body = "x".repeat(65_510);
        let mut q: VecDeque<_> = (0..17).map(|i| ev(i, &body)).collect();
        let (batch, bytes) = take_batch(&mut q, LIMITS);
        assert_eq!(batch.len(), 16);
        assert_eq!(bytes, 1_048_576);
        assert_eq!(q.len(), 1);
    }

    /// An escaped message (a front end's JSON, queued as it goes in the body) counts its
    /// text's bytes, as the service does, not its longer escaped form.
    #[test]
    fn escaped_events_count_their_text() {
        let text = "\"".repeat(65_510);
        let escaped = QueuedEvent {
            escaped: Some(65_510),
            ..QueuedEvent::text(0, "\\\"".repeat(65_510), u64::MAX)
        };
        assert_eq!(escaped.text_len(), text.len());
        let mut q: VecDeque<_> = (0..17).map(|_| escaped.clone()).collect();
        let (batch, bytes) = take_batch(&mut q, LIMITS);
        assert_eq!(batch.len(), 16);
        assert_eq!(bytes, 1_048_576);
    }

    #[test]
    fn takes_at_most_the_count_limit() {
        let mut q: VecDeque<_> = (0..10_001).map(|i| ev(i, "m")).collect();
        let (batch, _) = take_batch(&mut q, LIMITS);
        assert_eq!(batch.len(), 10_000);
        assert_eq!(q.len(), 1);
        assert!(is_full(10_000, 0, LIMITS));
        assert!(!is_full(9_999, 1_048_575, LIMITS));
        assert!(is_full(1, 1_048_576, LIMITS));
    }

    #[test]
    fn cuts_a_backlog_in_logging_order() {
        // A backlog of 2.5 batches: the first cuts copy the batch out (long rest), the last
        // ones the short rest; every cut keeps logging order and leaves the rest intact.
        let limits = BatchLimits {
            max_bytes: 1_048_576,
            max_count: 4,
        };
        let mut q: VecDeque<_> = (0..10).map(|i| ev(i, &i.to_string())).collect();
        let mut cuts = Vec::new();
        while !q.is_empty() {
            let (batch, bytes) = take_batch(&mut q, limits);
            assert_eq!(bytes, batch.iter().map(QueuedEvent::size).sum::<usize>());
            cuts.push(batch.iter().map(|e| e.timestamp_ms).collect::<Vec<_>>());
        }
        assert_eq!(cuts, [vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]);
    }

    #[test]
    fn one_maximal_event_is_one_batch() {
        let body = "y".repeat(1_048_550);
        let mut q: VecDeque<_> = [ev(0, &body), ev(1, "z")].into_iter().collect();
        let (batch, bytes) = take_batch(&mut q, LIMITS);
        assert_eq!((batch.len(), bytes), (1, 1_048_576));
    }

    #[test]
    fn an_event_larger_than_the_batch_bound_goes_alone() {
        let limits = BatchLimits {
            max_bytes: 1024,
            max_count: 10_000,
        };
        let large = "L".repeat(5_000);
        let mut q: VecDeque<_> = [ev(0, "a"), ev(1, &large), ev(2, "b")]
            .into_iter()
            .collect();
        let sizes: Vec<usize> =
            std::iter::from_fn(|| (!q.is_empty()).then(|| take_batch(&mut q, limits).0.len()))
                .collect();
        assert_eq!(sizes, [1, 1, 1]);
    }

    #[test]
    fn sorts_stably_by_timestamp() {
        let events = VecDeque::from(vec![ev(3, "c"), ev(1, "a1"), ev(2, "b"), ev(1, "a2")]);
        let batches = into_batches("s".into(), events);
        assert_eq!(batches.len(), 1);
        let msgs: Vec<_> = batches[0]
            .events
            .iter()
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(msgs, ["a1", "a2", "b", "c"]);
    }

    #[test]
    fn splits_at_24_hours() {
        let day = MAX_BATCH_SPAN_MS;
        let events = VecDeque::from(vec![
            ev(day + 5, "d"),
            ev(0, "a"),
            ev(day - 1, "b"),
            ev(day, "c"),
            ev(3 * day, "e"),
        ]);
        let batches = into_batches("s".into(), events);
        let groups: Vec<Vec<&str>> = batches
            .iter()
            .map(|b| b.events.iter().map(|e| e.message.as_str()).collect())
            .collect();
        assert_eq!(groups, vec![vec!["a", "b"], vec!["c", "d"], vec!["e"]]);
        for b in &batches {
            let span = b.events.last().unwrap().timestamp_ms - b.events[0].timestamp_ms;
            assert!(span < day);
            assert_eq!(b.bytes, b.events.iter().map(|e| e.size()).sum::<usize>());
        }
    }

    #[test]
    fn halves_keep_bytes_consistent() {
        let batches = into_batches("s".into(), (0..5).map(|i| ev(i, "abc")).collect());
        let (a, b) = batches.into_iter().next().unwrap().split_in_half();
        assert_eq!((a.events.len(), b.events.len()), (2, 3));
        assert_eq!((a.bytes, b.bytes), (58, 87));
    }
}
