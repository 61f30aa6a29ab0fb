//! The emit path of a `Core`: queueing a record, waiting (GIL released) for room in a full
//! queue with a back-off after a wait timed out, and the outcome code the Python side switches
//! on.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use watchtower_logs::{DropReason, LogOutcome, Record};

use super::Core;

/// `emit` outcome: queued.
pub(crate) const QUEUED: u8 = 0;
/// `emit` outcome: truncated to `max_message_size`, then queued.
pub(crate) const TRUNCATED: u8 = 1;
/// `emit` outcome: dropped, the message is empty.
pub(crate) const EMPTY: u8 = 2;
/// `emit` outcome: dropped, the handler was shut down.
pub(crate) const AFTER_SHUTDOWN: u8 = 3;
/// `emit` outcome: dropped for another counted reason (queue full); the core warned on stderr.
pub(crate) const DROPPED: u8 = 4;
/// `emit` outcome: not shipped, logged from a watchtower worker thread.
pub(crate) const IGNORED: u8 = 5;

/// After a wait for room timed out, further records are dropped at once (not waited for) for
/// this long, so that an unreachable service cannot slow every logging call down.
const FULL_BACKOFF: Duration = Duration::from_secs(10);

/// Maps the core's outcome to the small integer the Python side switches on.
pub(crate) fn outcome_code(outcome: LogOutcome) -> u8 {
    match outcome {
        LogOutcome::Queued | LogOutcome::Split(_) => QUEUED,
        LogOutcome::Truncated => TRUNCATED,
        LogOutcome::Dropped(DropReason::Empty) => EMPTY,
        LogOutcome::Dropped(DropReason::AfterShutdown) => AFTER_SHUTDOWN,
        LogOutcome::Dropped(_) => DROPPED,
    }
}

impl Core {
    /// Queues a record (waiting for room with the GIL released, see `wait_for_room`) and
    /// returns its `emit` outcome.
    pub(crate) fn push(&self, py: Python<'_>, stream: Option<&str>, record: Record<'_>) -> u8 {
        let handle = &self.live.handle;
        let size = record.message().len().min(self.max_message_size) + 26;
        if !self.has_room(size) {
            py.detach(|| self.wait_for_room(size));
        }
        let outcome = match stream {
            Some(stream) => handle.log_to_stream(stream, record),
            None => handle.log(record),
        };
        outcome_code(outcome)
    }

    fn has_room(&self, size: usize) -> bool {
        // One counter, not `stats()`: every counter's line would be read on every call.
        self.live.handle.queued_bytes() + size as u64 <= self.max_queue_bytes
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    /// Waits (called with the GIL released) until the queue has room for `size` bytes or
    /// `queue_full_timeout` passes: a flush sends everything queued now (the worker would
    /// otherwise wait for the send interval) and returns as batches are delivered. After a
    /// timeout, does not wait again for `FULL_BACKOFF`: the record is dropped and counted.
    fn wait_for_room(&self, size: usize) {
        let last = self.last_full.load(Ordering::Relaxed);
        if last != 0 && self.now_ms() < last + FULL_BACKOFF.as_millis() as u64 {
            return;
        }
        let deadline = Instant::now() + self.queue_full_timeout;
        while !self.has_room(size) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.live.handle.flush(left).is_err() && !self.has_room(size) {
                self.last_full.store(self.now_ms(), Ordering::Relaxed);
                return;
            }
        }
        self.last_full.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_to_codes() {
        assert_eq!(outcome_code(LogOutcome::Queued), QUEUED);
        assert_eq!(outcome_code(LogOutcome::Split(3)), QUEUED);
        assert_eq!(outcome_code(LogOutcome::Truncated), TRUNCATED);
        assert_eq!(outcome_code(LogOutcome::Dropped(DropReason::Empty)), EMPTY);
        assert_eq!(
            outcome_code(LogOutcome::Dropped(DropReason::AfterShutdown)),
            AFTER_SHUTDOWN
        );
        assert_eq!(
            outcome_code(LogOutcome::Dropped(DropReason::QueueFull)),
            DROPPED
        );
    }
}
