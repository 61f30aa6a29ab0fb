//! The handle front ends log through: cheap to clone, `Send + Sync`, never blocks on the
//! network.
//!
//! [`Config::start`] returns a [`Handle`] and a [`WorkerGuard`]. `Handle::log` checks the
//! record (empty, oversize), renders its stream name and queues it; the worker thread does the
//! rest. `flush` and `shutdown` wait, with a timeout, for everything logged before them
//! (`handle/flush.rs`).
//!
//! ```no_run
//! use std::time::Duration;
//! use watchtower_logs::{Config, Record};
//!
//! let (logs, _guard) = Config::builder()
//!     .log_group_name("my-service")
//!     .build()?
//!     .start()?;
//! logs.log(Record::new("hello from Rust").logger_name("main"));
//! logs.flush(Duration::from_secs(5))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::admit::Accept;
use crate::config::Config;
use crate::error::{FlushError, SetupError, StartError};
use crate::guard::WorkerGuard;
use crate::hub::{Shared, DEAD, RUNNING};
use crate::record::Record;
use crate::stats::{DropReason, Stats};
use crate::worker::{self, Control};

/// `flush`, `flush_async`, `shutdown` and [`shutdown_all`].
mod flush;
pub use flush::shutdown_all;

/// What [`Handle::log`] did with a record.
///
/// ```
/// # fn offline() -> watchtower_logs::ConfigBuilder {
/// #     watchtower_logs::Config::builder().aws(watchtower_logs::AwsSettings::new()
/// #         .endpoint_url("http://127.0.0.1:1").region("us-east-1")
/// #         .credentials("AKIDEXAMPLE", "secret", None))
/// # }
/// use watchtower_logs::{DropReason, LogOutcome, Record};
/// let (logs, _guard) = offline().build()?.start()?;
/// assert_eq!(logs.log(Record::new("hello")), LogOutcome::Queued);
/// assert_eq!(logs.log(Record::new("")), LogOutcome::Dropped(DropReason::Empty));
/// # logs.shutdown(std::time::Duration::ZERO).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogOutcome {
    /// Queued as one event.
    Queued,
    /// Cut to `max_message_size`, then queued.
    Truncated,
    /// Queued as this many events ([`OversizePolicy::Split`](crate::OversizePolicy::Split)).
    Split(usize),
    /// Not queued, for this reason (counted in [`Stats::dropped`]).
    Dropped(DropReason),
}

/// Logs records to CloudWatch Logs through the worker. Clones share the same queues.
///
/// ```
/// # fn offline() -> watchtower_logs::ConfigBuilder {
/// #     watchtower_logs::Config::builder().aws(watchtower_logs::AwsSettings::new()
/// #         .endpoint_url("http://127.0.0.1:1").region("us-east-1")
/// #         .credentials("AKIDEXAMPLE", "secret", None))
/// # }
/// use std::time::Duration;
/// use watchtower_logs::Record;
///
/// let (logs, _guard) = offline().build()?.start()?;
/// let worker_side = logs.clone(); // clones share the queues
/// std::thread::spawn(move || worker_side.log(Record::new("from a thread"))).join().unwrap();
/// logs.log(Record::new("from main").logger_name("main"));
/// assert_eq!(logs.stats().records, 2);
/// // Nothing listens at the endpoint: a short shutdown counts both as undelivered.
/// assert!(logs.shutdown(Duration::from_millis(10)).is_err());
/// assert_eq!(logs.stats().dropped.total(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

struct Inner {
    /// The process that started the worker: a forked child has a copy of this handle but not
    /// its worker, and must neither wait for it nor touch its locks.
    pid: u32,
    shared: Arc<Shared>,
    control: mpsc::UnboundedSender<Control>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("log_group_name", &self.inner.shared.config.log_group_name)
            .field(
                "log_stream_name",
                &self.inner.shared.config.log_stream_name.source(),
            )
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Starts the worker thread and returns the handle to log through, and the guard that
    /// flushes and stops the worker when dropped (keep it: `let (logs, _guard) = ...`).
    ///
    /// Blocks until the AWS SDK client is built (region and endpoint resolved; credentials are
    /// only loaded when the first batch is sent). Fails if no region can be found.
    #[must_use = "the guard stops the shipper when dropped: keep it in a named variable"]
    pub fn start(self) -> Result<(Handle, WorkerGuard), StartError> {
        let handle = Handle::start(self)?;
        let guard = WorkerGuard::new(handle.clone());
        Ok((handle, guard))
    }
}

/// Every handle of the process that is still running, for [`shutdown_all`].
static LIVE: Mutex<Vec<Weak<Inner>>> = Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<Weak<Inner>>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The handles of this process still alive (not those a forked child inherited).
fn live_here() -> Vec<Arc<Inner>> {
    let pid = std::process::id();
    live()
        .iter()
        .filter_map(Weak::upgrade)
        .filter(|inner| inner.pid == pid)
        .collect()
}

/// The longest `shutdown_timeout` among the running handles (30 s when there are none).
#[cfg(unix)]
pub(crate) fn longest_shutdown_timeout() -> Duration {
    live_here()
        .iter()
        .map(|inner| inner.shared.config.shutdown_timeout)
        .max()
        .unwrap_or(crate::config::DEFAULT_SHUTDOWN_TIMEOUT)
}

impl Handle {
    fn start(config: Config) -> Result<Handle, StartError> {
        let shared = Arc::new(Shared::new(config));
        let (control, thread) = match worker::spawn(shared.clone()) {
            Ok(started) => started,
            Err(e) => {
                // Stop the spool's writer thread (nothing was logged).
                if let Some(spool) = &shared.spool {
                    spool.close();
                }
                return Err(e);
            }
        };
        shared.start_replay();
        let inner = Arc::new(Inner {
            pid: std::process::id(),
            shared,
            control,
            thread: Mutex::new(Some(thread)),
        });
        let mut live = live();
        live.retain(|w| w.strong_count() > 0);
        live.push(Arc::downgrade(&inner));
        Ok(Handle { inner })
    }

    /// Queues a record for delivery. Never blocks on the network and never panics; with
    /// [`OverflowPolicy::Block`](crate::OverflowPolicy::Block) it may wait for room up to its
    /// timeout. Every record not queued is counted and warned about.
    pub fn log(&self, record: Record<'_>) -> LogOutcome {
        self.inner.shared.log(None, record, Accept::IfRunning)
    }

    /// Like [`Handle::log`], but to the stream named `stream` instead of the template's. The
    /// name is sanitised like a rendered template (`:` and `*` become `-`, cut at 512
    /// characters, empty becomes `-`).
    pub fn log_to_stream(&self, stream: &str, record: Record<'_>) -> LogOutcome {
        let mut name = String::with_capacity(stream.len());
        crate::template::sanitize_stream_name(&mut name, stream);
        self.inner
            .shared
            .log(Some(&name), record, Accept::IfRunning)
    }

    /// The state shared with the worker (for the front ends' hand-off).
    #[cfg(any(feature = "log", feature = "tracing"))]
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.inner.shared
    }

    fn control(&self, message: Control) -> Result<(), FlushError> {
        if self.inner.shared.state.load(Ordering::SeqCst) != RUNNING {
            return Err(self.stopped_error());
        }
        self.inner
            .control
            .send(message)
            .map_err(|_| self.stopped_error())
    }

    /// The error for a handle that no longer runs: shut down, or its worker failed.
    fn stopped_error(&self) -> FlushError {
        if self.inner.shared.state.load(Ordering::SeqCst) == DEAD {
            FlushError::WorkerFailed {
                lost: self.stats().dropped.get(DropReason::WorkerFailed),
            }
        } else {
            FlushError::AlreadyShutdown
        }
    }

    /// Creates the log group now (when `create_log_group` is set; an existing group is fine)
    /// and applies the retention policy, waiting up to `timeout` and returning the service's
    /// error. Not needed for normal use (groups are created on first use); the Python front end
    /// calls it in its constructor like watchtower 3.4.
    pub fn setup_log_group(&self, timeout: Duration) -> Result<(), SetupError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.control(Control::SetupGroup { reply: tx })
            .map_err(|_| SetupError::AlreadyShutdown)?;
        rx.recv_timeout(timeout)
            .unwrap_or(Err(SetupError::Timeout(timeout)))
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.inner.shared.counters.snapshot()
    }

    /// The bytes queued now, as counted against
    /// [`max_queue_bytes`](crate::ConfigBuilder::max_queue_bytes): `stats().queued_bytes`,
    /// read alone. [`stats`](Self::stats) reads every counter, some of which the worker
    /// writes as it ships; this reads one, for a check on every logging call.
    pub fn queued_bytes(&self) -> u64 {
        self.inner
            .shared
            .counters
            .queued_bytes
            .load(Ordering::Relaxed)
    }

    /// The configuration this handle runs with.
    pub fn config(&self) -> &Config {
        &self.inner.shared.config
    }

    /// Whether [`Handle::shutdown`] has been called (by any clone or the guard).
    pub fn is_shut_down(&self) -> bool {
        self.inner.shared.state.load(Ordering::SeqCst) != RUNNING
    }

    /// Whether anything was logged through this handle (or its front end) yet.
    pub(crate) fn anything_logged(&self) -> bool {
        self.inner.shared.anything_logged()
    }

    /// The guard was dropped before anything was logged.
    pub(crate) fn mark_guard_dropped_early(&self) {
        self.inner
            .shared
            .guard_dropped_early
            .store(true, Ordering::Relaxed);
    }

    /// Whether the worker failed ([`FlushError::WorkerFailed`]).
    pub fn worker_failed(&self) -> bool {
        self.inner.shared.state.load(Ordering::SeqCst) == DEAD
    }
}

#[cfg(test)]
#[path = "handle_tests.rs"]
mod tests;
