//! Warnings: what the library tells its user about lost or changed events.
//!
//! Warnings never go back into the logging pipeline (no `log`, no `tracing`): they go to a
//! [`WarningSink`], stderr by default. Each kind is rate-limited: the first is passed on at
//! once, then at most one every [`WARNING_INTERVAL`], carrying the number suppressed meanwhile.
//! Messages never contain credentials.
//!
//! Warnings never hold up delivery: [`StderrSink`] hands the worker's warnings to a writer
//! thread of its own (a full stderr pipe then delays the warnings, never the logs), and a sink
//! that panics is caught and its warning dropped.
//!
//! ```
//! use std::sync::Arc;
//! use watchtower_logs::{Config, FnSink, Warning};
//!
//! let config = Config::builder()
//!     .warnings(Arc::new(FnSink(|w: &Warning| eprintln!("cloudwatch: {} ({:?})", w.message, w.kind))))
//!     .build()?;
//! # Ok::<(), watchtower_logs::ConfigError>(())
//! ```

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU64,
    Ordering::{AcqRel, Acquire, Relaxed},
};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Shortest time between two warnings of the same kind passed to the sink.
pub const WARNING_INTERVAL: Duration = Duration::from_secs(10);

/// What a warning is about.
///
/// ```
/// use watchtower_logs::WarningKind;
/// assert!(WarningKind::ALL.contains(&WarningKind::Retrying));
/// ```
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
    /// A request failed and is being retried: the first failure of each kind is reported at
    /// once with its cause (connection refused, DNS, TLS, timeout, HTTP status and the
    /// service's code), repeats are rate-limited.
    Retrying,
    /// The worker failed (a panic); what it held was counted as lost.
    WorkerFailed,
    /// The shutdown summary: how many events were not delivered, and why.
    Summary,
    /// The durable spool cannot be used (its directory cannot be created or written, or the
    /// disk is full): events are kept in memory only from then on.
    SpoolUnavailable,
    /// The durable spool reached `spool_max_bytes` and events were dropped.
    SpoolFull,
    /// Records of the durable spool left by an earlier process were torn or corrupt.
    SpoolCorrupt,
}

impl WarningKind {
    /// Every kind, in a stable order.
    pub const ALL: [WarningKind; 16] = [
        WarningKind::EmptyMessage,
        WarningKind::AfterShutdown,
        WarningKind::Truncated,
        WarningKind::Oversize,
        WarningKind::QueueFull,
        WarningKind::DeliveryFailed,
        WarningKind::Rejected,
        WarningKind::Credentials,
        WarningKind::Setup,
        WarningKind::Timeout,
        WarningKind::Retrying,
        WarningKind::WorkerFailed,
        WarningKind::Summary,
        WarningKind::SpoolUnavailable,
        WarningKind::SpoolFull,
        WarningKind::SpoolCorrupt,
    ];

    fn index(self) -> usize {
        WarningKind::ALL
            .iter()
            .position(|k| *k == self)
            .unwrap_or(0)
    }
}

/// One warning.
///
/// ```
/// use watchtower_logs::{Warning, WarningKind};
/// let w = Warning { kind: WarningKind::QueueFull, message: "full".into(), suppressed: 3 };
/// assert_eq!(w.suppressed, 3);
/// ```
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
///
/// ```
/// use watchtower_logs::{Warning, WarningSink};
/// struct Metrics;
/// impl WarningSink for Metrics {
///     fn warn(&self, warning: &Warning) {
///         eprintln!("cloudwatch shipper: {:?}: {}", warning.kind, warning.message);
///     }
/// }
/// let config = watchtower_logs::Config::builder().warnings(std::sync::Arc::new(Metrics)).build()?;
/// # Ok::<(), watchtower_logs::ConfigError>(())
/// ```
pub trait WarningSink: Send + Sync + 'static {
    /// Called for each warning that passes the rate limit, on whatever thread found it.
    fn warn(&self, warning: &Warning);
}

/// Writes warnings to stderr, prefixed with `[watchtower]`.
///
/// Warnings found on the worker's threads go through a bounded queue to a writer thread, so
/// that a stderr nobody reads (a full pipe) never stalls delivery; when that queue is full the
/// line is dropped and the number dropped is said with the next line written. Warnings found on
/// the application's own threads (shutdown summaries, say) are written at once.
///
/// ```
/// use std::sync::Arc;
/// let config = watchtower_logs::Config::builder()
///     .warnings(Arc::new(watchtower_logs::StderrSink)) // the default
///     .build()?;
/// # Ok::<(), watchtower_logs::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct StderrSink;

impl WarningSink for StderrSink {
    fn warn(&self, warning: &Warning) {
        let line = if warning.suppressed > 0 {
            format!(
                "[watchtower] {} ({} similar warnings suppressed)",
                warning.message, warning.suppressed
            )
        } else {
            format!("[watchtower] {}", warning.message)
        };
        if crate::worker::is_worker_thread() {
            stderr_writer().send(line);
        } else {
            write_stderr(&line);
        }
    }
}

/// Lines waiting for the writer thread, at most.
const STDERR_QUEUE: usize = 256;

/// The writer thread's queue, and the lines dropped because it was full.
struct StderrWriter {
    /// The process that started the writer thread: a forked child has a copy of this writer
    /// but not its thread (and its locks may have been copied while held), so it starts its own.
    pid: u32,
    tx: SyncSender<String>,
    /// Whether the writer thread started (else lines are written inline).
    running: AtomicBool,
    dropped: AtomicU64,
    /// Lines handed over and not yet written, for [`flush_stderr`].
    pending: Arc<(Mutex<u64>, std::sync::Condvar)>,
}

impl StderrWriter {
    fn send(&self, line: String) {
        if !self.running.load(Relaxed) {
            write_stderr(&line);
            return;
        }
        *self.pending.0.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        match self.tx.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Relaxed);
                self.done_one();
            }
        }
    }

    fn done_one(&self) {
        let (count, cv) = &*self.pending;
        let mut n = count.lock().unwrap_or_else(|e| e.into_inner());
        *n = n.saturating_sub(1);
        cv.notify_all();
    }
}

/// The writer of the process that last started one: null, or a leaked box never freed.
static WRITER: AtomicPtr<StderrWriter> = AtomicPtr::new(std::ptr::null_mut());

/// This process's writer, if it has started one.
fn current_writer() -> Option<&'static StderrWriter> {
    // SAFETY: WRITER only ever holds null or a pointer from Box::leak, never freed.
    let writer = unsafe { WRITER.load(Acquire).as_ref() }?;
    (writer.pid == std::process::id()).then_some(writer)
}

/// This process's writer, started on first use (in a forked child too).
fn stderr_writer() -> &'static StderrWriter {
    if let Some(writer) = current_writer() {
        return writer;
    }
    let seen = WRITER.load(Acquire);
    let (tx, rx) = sync_channel::<String>(STDERR_QUEUE);
    let fresh: &'static StderrWriter = Box::leak(Box::new(StderrWriter {
        pid: std::process::id(),
        tx,
        running: AtomicBool::new(false),
        dropped: AtomicU64::new(0),
        pending: Arc::default(),
    }));
    let published = WRITER.compare_exchange(
        seen,
        fresh as *const StderrWriter as *mut StderrWriter,
        AcqRel,
        Acquire,
    );
    if published.is_err() {
        // Another thread started one first (this one stays unused: a few bytes, once).
        return current_writer().unwrap_or(fresh);
    }
    if crate::thread::spawn("watchtower-stderr", move || write_lines(fresh, rx)).is_ok() {
        fresh.running.store(true, Relaxed);
    }
    fresh
}

fn write_lines(writer: &'static StderrWriter, rx: Receiver<String>) {
    for line in rx {
        let dropped = writer.dropped.swap(0, Relaxed);
        if dropped > 0 {
            write_stderr(&format!(
                "[watchtower] {dropped} warnings were not written: stderr was not being read"
            ));
        }
        write_stderr(&line);
        writer.done_one();
    }
}

/// One line to stderr, in one write. Straight to descriptor 2 on Unix, without std's stderr
/// lock, which a forked child may have inherited held.
fn write_stderr(line: &str) {
    use std::io::Write;
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    #[cfg(unix)]
    {
        use std::os::fd::FromRawFd;
        // SAFETY: descriptor 2 is borrowed for one write and never closed (ManuallyDrop).
        let mut fd2 = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(2) });
        let _ = fd2.write_all(&bytes);
    }
    #[cfg(not(unix))]
    {
        let _ = std::io::stderr().write_all(&bytes);
    }
}

/// Waits up to `timeout` for the warnings queued for stderr to be written (at shutdown, so
/// that the last warnings are not lost when the process exits).
pub(crate) fn flush_stderr(timeout: Duration) {
    let Some(writer) = current_writer() else {
        return; // none started in this process: nothing queued
    };
    if !writer.running.load(Relaxed) {
        return;
    }
    let (count, cv) = &*writer.pending;
    let n = count.lock().unwrap_or_else(|e| e.into_inner());
    let _ = cv.wait_timeout_while(n, timeout, |n| *n > 0);
}

/// Calls a closure for each warning; handy in tests and front ends.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use watchtower_logs::{FnSink, Warning};
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = seen.clone();
/// let config = watchtower_logs::Config::builder()
///     .warnings(Arc::new(FnSink(move |w: &Warning| sink.lock().unwrap().push(w.message.clone()))))
///     .build()?;
/// # Ok::<(), watchtower_logs::ConfigError>(())
/// ```
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
    last: [AtomicU64; WarningKind::ALL.len()],
    suppressed: [AtomicU64; WarningKind::ALL.len()],
    /// Warnings lost because the sink panicked.
    sink_panics: AtomicU64,
}

impl Warner {
    pub(crate) fn new(sink: Arc<dyn WarningSink>) -> Self {
        Warner {
            sink,
            start: Instant::now(),
            last: Default::default(),
            suppressed: Default::default(),
            sink_panics: AtomicU64::new(0),
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
        self.pass_on(&Warning {
            kind,
            message: message(),
            suppressed,
        });
    }

    /// Passes a warning on without rate limiting (for once-per-shutdown summaries).
    pub(crate) fn warn_always(&self, kind: WarningKind, message: String) {
        self.pass_on(&Warning {
            kind,
            message,
            suppressed: 0,
        });
    }

    /// Calls the sink; a sink that panics loses that warning, never the pipeline.
    fn pass_on(&self, warning: &Warning) {
        let sink = &self.sink;
        if catch_unwind(AssertUnwindSafe(|| sink.warn(warning))).is_err() {
            self.sink_panics.fetch_add(1, Relaxed);
        }
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

    #[test]
    fn every_kind_has_its_own_slot() {
        for (i, kind) in WarningKind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i, "{kind:?}");
        }
    }

    #[test]
    fn a_panicking_sink_loses_the_warning_not_the_caller() {
        let warner = Warner::new(Arc::new(FnSink(|_: &Warning| panic!("sink bug"))));
        warner.warn(WarningKind::QueueFull, || "full".into());
        warner.warn_always(WarningKind::Summary, "summary".into());
        assert_eq!(warner.sink_panics.load(Relaxed), 2);
    }

    #[test]
    fn worker_warnings_are_queued_not_written_inline() {
        let writer = stderr_writer();
        writer.send("[watchtower] test line from the worker".into());
        flush_stderr(Duration::from_secs(5));
        assert_eq!(*writer.pending.0.lock().unwrap(), 0);
    }
}
