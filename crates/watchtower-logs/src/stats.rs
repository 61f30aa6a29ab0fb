//! Counters of everything that happened to the events logged through a handle.
//!
//! Every event logged ends up delivered or dropped for a counted reason; while it is on its
//! way it shows in [`Stats::queued_events`]. So at any time
//! `events == delivered + settled_failed() + queued_events` (see [`Stats::settled_failed`]), and every record handed to
//! `log` is either queued as one event or more (`split`), or dropped before queueing.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Why an event was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// The queue bound was reached ([`OverflowPolicy`](crate::OverflowPolicy)).
    QueueFull,
    /// Over `max_message_size` with [`OversizePolicy::Drop`](crate::OversizePolicy::Drop).
    Oversize,
    /// Empty message: the service refuses them.
    Empty,
    /// Rejected by the service as older than 14 days or the group's retention.
    TooOld,
    /// Rejected by the service as more than 2 hours in the future.
    TooNew,
    /// Rejected by the service as already expired by the retention policy.
    Expired,
    /// Throttling, 5xx or network errors lasted longer than the retry bound.
    RetriesExhausted,
    /// Logged after shutdown (or close).
    AfterShutdown,
    /// Still queued or in flight when the shutdown timeout passed.
    ShutdownTimeout,
    /// Credentials missing, invalid or expired, or permission denied.
    Credentials,
    /// The service refused the event itself (InvalidParameterException for a single event).
    InvalidParameter,
    /// The group or stream does not exist and creating it is disabled or failed.
    ResourceNotFound,
}

impl DropReason {
    /// Every reason, in a stable order.
    pub const ALL: [DropReason; 12] = [
        DropReason::QueueFull,
        DropReason::Oversize,
        DropReason::Empty,
        DropReason::TooOld,
        DropReason::TooNew,
        DropReason::Expired,
        DropReason::RetriesExhausted,
        DropReason::AfterShutdown,
        DropReason::ShutdownTimeout,
        DropReason::Credentials,
        DropReason::InvalidParameter,
        DropReason::ResourceNotFound,
    ];

    /// A short snake_case name, for summaries and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue_full",
            DropReason::Oversize => "oversize",
            DropReason::Empty => "empty",
            DropReason::TooOld => "too_old",
            DropReason::TooNew => "too_new",
            DropReason::Expired => "expired",
            DropReason::RetriesExhausted => "retries_exhausted",
            DropReason::AfterShutdown => "after_shutdown",
            DropReason::ShutdownTimeout => "shutdown_timeout",
            DropReason::Credentials => "credentials",
            DropReason::InvalidParameter => "invalid_parameter",
            DropReason::ResourceNotFound => "resource_not_found",
        }
    }

    fn index(self) -> usize {
        DropReason::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}

impl std::fmt::Display for DropReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A snapshot of the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Calls to `log`.
    pub records: u64,
    /// Events that entered a queue (more than records when messages are split).
    pub events: u64,
    /// Events the service accepted.
    pub delivered: u64,
    /// Successful PutLogEvents calls.
    pub batches: u64,
    /// Bytes delivered, counting message bytes plus 26 per event.
    pub bytes: u64,
    /// PutLogEvents attempts repeated after an error (beyond the SDK's own attempts).
    pub retries: u64,
    /// Records cut to `max_message_size`.
    pub truncated: u64,
    /// Records sent as several events.
    pub split: u64,
    /// Events queued or in flight now.
    pub queued_events: u64,
    /// Bytes held by queued or in-flight events now.
    pub queued_bytes: u64,
    /// Events dropped from a queue to make room ([`OverflowPolicy::DropOldest`](crate::OverflowPolicy::DropOldest));
    /// also counted in `dropped` as [`DropReason::QueueFull`].
    pub evicted: u64,
    /// Events dropped, by reason.
    pub dropped: Dropped,
}

/// Dropped events, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dropped {
    counts: [u64; DropReason::ALL.len()],
}

impl Dropped {
    /// Events dropped for `reason`.
    pub fn get(&self, reason: DropReason) -> u64 {
        self.counts[reason.index()]
    }

    /// Events dropped for any reason.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Each reason with a non-zero count.
    pub fn iter(&self) -> impl Iterator<Item = (DropReason, u64)> + '_ {
        DropReason::ALL
            .iter()
            .map(|r| (*r, self.get(*r)))
            .filter(|(_, n)| *n > 0)
    }

    /// Events dropped after they had been queued: service rejections, retries exhausted,
    /// shutdown timeout, credentials, invalid parameter, missing resource (not counting
    /// [`Stats::evicted`]).
    pub fn after_queue(&self) -> u64 {
        [
            DropReason::TooOld,
            DropReason::TooNew,
            DropReason::Expired,
            DropReason::RetriesExhausted,
            DropReason::ShutdownTimeout,
            DropReason::Credentials,
            DropReason::InvalidParameter,
            DropReason::ResourceNotFound,
        ]
        .iter()
        .map(|r| self.get(*r))
        .sum()
    }
}

impl Stats {
    /// Events that left a queue without being delivered: `dropped.after_queue() + evicted`.
    /// `events == delivered + settled_failed() + queued_events` holds once the worker is idle.
    pub fn settled_failed(&self) -> u64 {
        self.dropped.after_queue() + self.evicted
    }
}

/// The live counters, updated with relaxed atomics.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) records: AtomicU64,
    pub(crate) events: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) batches: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) truncated: AtomicU64,
    pub(crate) split: AtomicU64,
    pub(crate) queued_events: AtomicU64,
    pub(crate) queued_bytes: AtomicU64,
    /// Events dropped from a queue to make room (`DropOldest`); also counted as `QueueFull`.
    pub(crate) evicted: AtomicU64,
    dropped: [AtomicU64; DropReason::ALL.len()],
}

impl Counters {
    pub(crate) fn drop_events(&self, reason: DropReason, n: u64) {
        if n > 0 {
            self.dropped[reason.index()].fetch_add(n, Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> Stats {
        let mut dropped = Dropped::default();
        for (i, c) in self.dropped.iter().enumerate() {
            dropped.counts[i] = c.load(Relaxed);
        }
        Stats {
            records: self.records.load(Relaxed),
            events: self.events.load(Relaxed),
            delivered: self.delivered.load(Relaxed),
            batches: self.batches.load(Relaxed),
            bytes: self.bytes.load(Relaxed),
            retries: self.retries.load(Relaxed),
            truncated: self.truncated.load(Relaxed),
            split: self.split.load(Relaxed),
            queued_events: self.queued_events.load(Relaxed),
            queued_bytes: self.queued_bytes.load(Relaxed),
            evicted: self.evicted.load(Relaxed),
            dropped,
        }
    }
}
