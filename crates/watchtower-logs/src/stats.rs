//! Counters of everything that happened to the events logged through a handle.
//!
//! Every event logged ends up delivered or dropped for a counted reason; while it is on its
//! way it shows in [`Stats::queued_events`]. So at any time
//! `events == delivered + settled_failed() + queued_events` (see [`Stats::settled_failed`]), and every record handed to
//! `log` is either queued as one event or more (`split`), or dropped before queueing.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Why an event was not delivered.
///
/// ```
/// use watchtower_logs::DropReason;
/// assert_eq!(DropReason::QueueFull.to_string(), "queue_full");
/// assert!(DropReason::ALL.contains(&DropReason::WorkerFailed));
/// ```
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
    /// Logged after shutdown (or close), or after the worker failed.
    AfterShutdown,
    /// Still queued or in flight when the shutdown timeout passed.
    ShutdownTimeout,
    /// Credentials missing, invalid or expired, or permission denied.
    Credentials,
    /// The service refused the event itself (InvalidParameterException for a single event).
    InvalidParameter,
    /// The group or stream does not exist and creating it is disabled or failed.
    ResourceNotFound,
    /// Queued or in flight when the worker failed (a panic in it or in code it called): see
    /// [`FlushError::WorkerFailed`](crate::FlushError::WorkerFailed).
    WorkerFailed,
    /// A record of the durable spool left by an earlier process was torn or corrupt (its
    /// checksum did not match) and could not be replayed.
    SpoolCorrupt,
    /// The durable spool held `spool_max_bytes` and the overflow policy dropped the event.
    SpoolFull,
}

impl DropReason {
    /// Every reason, in a stable order.
    pub const ALL: [DropReason; 15] = [
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
        DropReason::WorkerFailed,
        DropReason::SpoolCorrupt,
        DropReason::SpoolFull,
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
            DropReason::WorkerFailed => "worker_failed",
            DropReason::SpoolCorrupt => "spool_corrupt",
            DropReason::SpoolFull => "spool_full",
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
///
/// ```
/// # fn offline() -> watchtower_logs::ConfigBuilder {
/// #     watchtower_logs::Config::builder().aws(watchtower_logs::AwsSettings::new()
/// #         .endpoint_url("http://127.0.0.1:1").region("us-east-1")
/// #         .credentials("AKIDEXAMPLE", "secret", None))
/// # }
/// use watchtower_logs::{DropReason, Record};
/// let (logs, _guard) = offline().build()?.start()?;
/// logs.log(Record::new(""));
/// let stats = logs.stats();
/// assert_eq!(stats.dropped.get(DropReason::Empty), 1);
/// println!("{stats}"); // records=1 events=0 delivered=0 ... dropped: empty=1
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    /// Events replayed from the durable spool, left there by an earlier process (also counted
    /// in `events`).
    pub replayed: u64,
    /// Events kept in memory only because the durable spool could not take them (its
    /// directory is unwritable or its disk full): they are delivered, but would not survive a
    /// crash.
    pub spool_fallback: u64,
    /// Events dropped, by reason.
    pub dropped: Dropped,
}

/// Dropped events, by reason.
///
/// ```
/// let dropped = watchtower_logs::Stats::default().dropped;
/// assert_eq!(dropped.total(), 0);
/// assert_eq!(dropped.to_string(), "none");
/// ```
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
            DropReason::WorkerFailed,
        ]
        .iter()
        .map(|r| self.get(*r))
        .sum()
    }
}

impl std::fmt::Display for Dropped {
    /// `queue_full=3 shutdown_timeout=2`, or `none`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut any = false;
        for (reason, n) in self.iter() {
            if any {
                f.write_str(" ")?;
            }
            write!(f, "{reason}={n}")?;
            any = true;
        }
        if !any {
            f.write_str("none")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for Stats {
    /// One line with every count labelled, for logs and exit summaries:
    /// `records=10 events=10 delivered=8 ... dropped: queue_full=2`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "records={} events={} delivered={} batches={} bytes={} retries={} truncated={} \
             split={} queued_events={} queued_bytes={} evicted={} replayed={} \
             spool_fallback={} dropped: {}",
            self.records,
            self.events,
            self.delivered,
            self.batches,
            self.bytes,
            self.retries,
            self.truncated,
            self.split,
            self.queued_events,
            self.queued_bytes,
            self.evicted,
            self.replayed,
            self.spool_fallback,
            self.dropped
        )
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
    pub(crate) replayed: AtomicU64,
    pub(crate) spool_fallback: AtomicU64,
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
            replayed: self.replayed.load(Relaxed),
            spool_fallback: self.spool_fallback.load(Relaxed),
            dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    #[allow(unused_imports)] // also compiled into the benches, without the tests
    use super::*;

    #[test]
    fn stats_print_labelled_counts() {
        let c = Counters::default();
        c.records.store(10, Relaxed);
        c.delivered.store(7, Relaxed);
        c.drop_events(DropReason::QueueFull, 2);
        c.drop_events(DropReason::WorkerFailed, 1);
        let line = c.snapshot().to_string();
        assert!(
            line.starts_with("records=10 events=0 delivered=7 "),
            "{line}"
        );
        assert!(
            line.ends_with("dropped: queue_full=2 worker_failed=1"),
            "{line}"
        );
        assert_eq!(Counters::default().snapshot().dropped.to_string(), "none");
        assert_eq!(c.snapshot().dropped.after_queue(), 1);
    }
}
