//! Warnings: what the library tells its user about lost or changed events.
//!
//! Warnings never go back into the logging pipeline (no `log`, no `tracing`): they go to a
//! [`WarningSink`], stderr by default. Each kind is rate-limited: the first is passed on at
//! once, then at most one every [`WARNING_INTERVAL`], carrying the number suppressed meanwhile.
//! Messages never contain credentials.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Shortest time between two warnings of the same kind passed to the sink.
pub const WARNING_INTERVAL: Duration = Duration::from_secs(10);

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// An empty message was dropped.
    EmptyMessage,
    /// A record was logged after shutdown and dropped.
    AfterShutdown,
    /// A message over `max_message_size` was truncated.
    Truncated,
    /// A message over `max_message_size` was split or dropped.
    Oversize,
    /// The queue bound was reached and events were dropped.
    QueueFull,
    /// A batch could not be delivered (retries exhausted, invalid parameter, missing stream).
    DeliveryFailed,
    /// The service rejected some events of a batch (too old, too new, expired).
    Rejected,
    /// Credentials are missing or invalid, or permission was denied.
    Credentials,
    /// Creating the log group or stream, or setting retention, failed.
    Setup,
    /// Shutdown or flush timed out with events undelivered.
    Timeout,
    /// A PutLogEvents call failed and will be retried (only with
    /// [`ConfigBuilder::warn_on_retry`](crate::ConfigBuilder::warn_on_retry)).
    Retrying,
}

impl WarningKind {
    const COUNT: usize = 11;

    fn index(self) -> usize {
        self as usize
    }
}

/// One warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What it is about.
    pub kind: WarningKind,
    /// A sentence for a person, with no secrets in it.
    pub message: String,
    /// Warnings of this kind suppressed by the rate limit since the last one passed on.
    pub suppressed: u64,
}

/// Receives warnings. Implementations must not log through the pipeline they warn about.
pub trait WarningSink: Send + Sync + 'static {
    /// Called for each warning that passes the rate limit, on whatever thread found it.
    fn warn(&self, warning: &Warning);
}

/// Writes warnings to stderr, prefixed with `[watchtower]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct StderrSink;

impl WarningSink for StderrSink {
    fn warn(&self, warning: &Warning) {
        if warning.suppressed > 0 {
            eprintln!(
                "[watchtower] {} ({} similar warnings suppressed)",
                warning.message, warning.suppressed
            );
        } else {
            eprintln!("[watchtower] {}", warning.message);
        }
    }
}

/// Calls a closure for each warning; handy in tests and front ends.
pub struct FnSink<F>(pub F);

impl<F: Fn(&Warning) + Send + Sync + 'static> WarningSink for FnSink<F> {
    fn warn(&self, warning: &Warning) {
        (self.0)(warning)
    }
}

impl<F> std::fmt::Debug for FnSink<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnSink")
    }
}

/// Rate-limits warnings per kind before passing them to the sink.
pub(crate) struct Warner {
    sink: Arc<dyn WarningSink>,
    start: Instant,
    /// Per kind: milliseconds since `start` of the last warning passed on, plus one (0 = never).
    last: [AtomicU64; WarningKind::COUNT],
    suppressed: [AtomicU64; WarningKind::COUNT],
}

impl Warner {
    pub(crate) fn new(sink: Arc<dyn WarningSink>) -> Self {
        Warner {
            sink,
            start: Instant::now(),
            last: Default::default(),
            suppressed: Default::default(),
        }
    }

    /// Passes a warning on unless one of its kind passed less than [`WARNING_INTERVAL`] ago.
    /// The message is only built when it will be used.
    pub(crate) fn warn(&self, kind: WarningKind, message: impl FnOnce() -> String) {
        let i = kind.index();
        let now = self.start.elapsed().as_millis() as u64 + 1;
        let last = self.last[i].load(Relaxed);
        let interval = WARNING_INTERVAL.as_millis() as u64;
        if last != 0 && now < last + interval
            || self.last[i]
                .compare_exchange(last, now, Relaxed, Relaxed)
                .is_err()
        {
            self.suppressed[i].fetch_add(1, Relaxed);
            return;
        }
        let suppressed = self.suppressed[i].swap(0, Relaxed);
        self.sink.warn(&Warning {
            kind,
            message: message(),
            suppressed,
        });
    }

    /// Passes a warning on without rate limiting (for once-per-shutdown summaries).
    pub(crate) fn warn_always(&self, kind: WarningKind, message: String) {
        self.sink.warn(&Warning {
            kind,
            message,
            suppressed: 0,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn warnings_are_rate_limited_per_kind() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let warner = Warner::new(Arc::new(FnSink(move |w: &Warning| {
            s.lock().unwrap().push(w.clone())
        })));
        for _ in 0..5 {
            warner.warn(WarningKind::QueueFull, || "full".into());
        }
        warner.warn(WarningKind::EmptyMessage, || "empty".into());
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].kind, WarningKind::QueueFull);
        assert_eq!(seen[1].kind, WarningKind::EmptyMessage);
        assert_eq!(
            warner.suppressed[WarningKind::QueueFull.index()].load(Relaxed),
            4
        );
    }
}
