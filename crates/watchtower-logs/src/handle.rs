//! The handle front ends log through: cheap to clone, `Send + Sync`, never blocks on the
//! network.
//!
//! [`Config::start`] returns a [`Handle`] and a [`WorkerGuard`]. `Handle::log` checks the
//! record (empty, oversize), renders its stream name and queues it; the worker thread does the
//! rest. `flush` and `shutdown` wait, with a timeout, for everything logged before them.
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

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::config::{Config, OversizePolicy};
use crate::error::{FlushError, SetupError, StartError};
use crate::guard::WorkerGuard;
use crate::queue::Pushed;
use crate::record::{now_millis, Record};
use crate::stats::{DropReason, Stats};
use crate::template::RenderContext;
use crate::warn::WarningKind;
use crate::worker::{self, Control, Reply, Shared, RUNNING};

/// Extra time a caller waits for the worker's answer beyond the timeout it asked the worker
/// to respect.
const REPLY_GRACE: Duration = Duration::from_secs(2);

/// What [`Handle::log`] did with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogOutcome {
    /// Queued as one event.
    Queued,
    /// Cut to `max_message_size`, then queued.
    Truncated,
    /// Queued as this many events ([`OversizePolicy::Split`]).
    Split(usize),
    /// Not queued, for this reason (counted in [`Stats::dropped`]).
    Dropped(DropReason),
}

/// Logs records to CloudWatch Logs through the worker. Clones share the same queues.
#[derive(Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

struct Inner {
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
    /// flushes and stops the worker when dropped.
    ///
    /// Blocks until the AWS SDK client is built (region and endpoint resolved; credentials are
    /// only loaded when the first batch is sent). Fails if no region can be found.
    pub fn start(self) -> Result<(Handle, WorkerGuard), StartError> {
        let handle = Handle::start(self)?;
        let guard = WorkerGuard::new(handle.clone());
        Ok((handle, guard))
    }
}

thread_local! {
    static STREAM_NAME: RefCell<String> = const { RefCell::new(String::new()) };
}

impl Handle {
    fn start(config: Config) -> Result<Handle, StartError> {
        let shared = Arc::new(Shared::new(config));
        let (control, thread) = worker::spawn(shared.clone())?;
        Ok(Handle {
            inner: Arc::new(Inner {
                shared,
                control,
                thread: Mutex::new(Some(thread)),
            }),
        })
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

    /// Sends everything queued now and waits until every event logged before the call is
    /// delivered or counted as failed, or `timeout` passes ([`FlushError::Timeout`]).
    ///
    /// Blocks the calling thread; inside async code prefer [`Handle::flush_async`].
    pub fn flush(&self, timeout: Duration) -> Result<(), FlushError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.control(Control::Flush {
            timeout,
            reply: Reply::Sync(tx),
        })?;
        rx.recv_timeout(timeout + REPLY_GRACE)
            .unwrap_or(Err(self.timeout_error(timeout)))
    }

    /// [`Handle::flush`] for async code: waits without blocking the executor.
    pub async fn flush_async(&self, timeout: Duration) -> Result<(), FlushError> {
        let (tx, rx) = oneshot::channel();
        self.control(Control::Flush {
            timeout,
            reply: Reply::Async(tx),
        })?;
        rx.await.unwrap_or(Err(self.timeout_error(timeout)))
    }

    /// Flushes, then stops the worker: events still undelivered after `timeout` are counted
    /// as [`DropReason::ShutdownTimeout`], and records logged afterwards as
    /// [`DropReason::AfterShutdown`]. A second call returns [`FlushError::AlreadyShutdown`].
    pub fn shutdown(&self, timeout: Duration) -> Result<(), FlushError> {
        let shared = &self.inner.shared;
        if shared
            .state
            .compare_exchange(
                RUNNING,
                worker::STOPPING,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_err()
        {
            return Err(FlushError::AlreadyShutdown);
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let sent = self.inner.control.send(Control::Shutdown {
            timeout,
            reply: Reply::Sync(tx),
        });
        let result = match sent {
            Ok(()) => rx.recv_timeout(timeout + REPLY_GRACE),
            Err(_) => Err(std::sync::mpsc::RecvTimeoutError::Disconnected),
        };
        let thread = self
            .inner
            .thread
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        match result {
            Ok(result) => {
                if let Some(thread) = thread {
                    let _ = thread.join();
                }
                result
            }
            // The worker is stuck or gone: leave its thread be, and say so.
            Err(_) => Err(self.timeout_error(timeout)),
        }
    }

    fn control(&self, message: Control) -> Result<(), FlushError> {
        if self.inner.shared.state.load(Ordering::SeqCst) != RUNNING {
            return Err(FlushError::AlreadyShutdown);
        }
        self.inner
            .control
            .send(message)
            .map_err(|_| FlushError::AlreadyShutdown)
    }

    fn timeout_error(&self, timeout: Duration) -> FlushError {
        FlushError::Timeout {
            timeout,
            pending: self
                .inner
                .shared
                .counters
                .queued_events
                .load(Ordering::Relaxed),
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

    /// The configuration this handle runs with.
    pub fn config(&self) -> &Config {
        &self.inner.shared.config
    }

    /// Whether [`Handle::shutdown`] has been called (by any clone or the guard).
    pub fn is_shut_down(&self) -> bool {
        self.inner.shared.state.load(Ordering::SeqCst) != RUNNING
    }
}

/// Whether a record is refused once shutdown has started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accept {
    /// Refused after shutdown started ([`DropReason::AfterShutdown`]): a record logged now.
    IfRunning,
    /// Queued even while shutting down: an event handed over by a front end before.
    #[cfg_attr(not(any(feature = "log", feature = "tracing")), allow(dead_code))]
    Always,
}

impl Shared {
    /// Checks a record (empty, oversize), renders its stream name and queues it: what
    /// [`Handle::log`] does, and what the worker does with the events the front ends handed
    /// over (with [`Accept::Always`]: they were logged before any shutdown).
    pub(crate) fn log(
        &self,
        explicit_stream: Option<&str>,
        record: Record<'_>,
        accept: Accept,
    ) -> LogOutcome {
        let shared = self;
        let config = &shared.config;
        shared.counters.records.fetch_add(1, Ordering::Relaxed);
        if accept == Accept::IfRunning && shared.state.load(Ordering::Relaxed) != RUNNING {
            return self.drop_after_shutdown();
        }
        let mut message = record.message;
        if message.is_empty() {
            return self.drop_record(DropReason::Empty, WarningKind::EmptyMessage, || {
                "Received empty message. Empty messages cannot be sent to CloudWatch Logs".into()
            });
        }
        let timestamp_ms = record.timestamp_ms.unwrap_or_else(now_millis);
        let max = config.max_message_bytes();
        let mut outcome = LogOutcome::Queued;
        let mut parts: Vec<String> = Vec::new();
        if message.len() > max {
            match config.oversize {
                OversizePolicy::Truncate => {
                    message.truncate(floor_char_boundary(&message, max));
                    shared.counters.truncated.fetch_add(1, Ordering::Relaxed);
                    shared.warner.warn(WarningKind::Truncated, || {
                        "Log message size exceeds CWL max payload size, truncated".into()
                    });
                    outcome = LogOutcome::Truncated;
                }
                OversizePolicy::Split => {
                    parts = split_message(&message, max);
                    shared.counters.split.fetch_add(1, Ordering::Relaxed);
                    shared.warner.warn(WarningKind::Oversize, || {
                        "Log message size exceeds CWL max payload size, split into several events"
                            .into()
                    });
                    outcome = LogOutcome::Split(parts.len());
                }
                OversizePolicy::Drop => {
                    return self.drop_record(DropReason::Oversize, WarningKind::Oversize, || {
                        format!(
                            "Log message size exceeds CWL max payload size ({} bytes), dropped",
                            config.max_message_size
                        )
                    });
                }
            }
        }
        let ctx = RenderContext {
            logger_name: record.logger_name,
            thread_name: record.thread_name,
            timestamp_ms,
        };
        let queue = |stream: &str, message: String| -> Option<LogOutcome> {
            self.queue(stream, timestamp_ms, message)
        };
        let dropped = if let Some(stream) = explicit_stream {
            self.queue_all(stream, message, parts, &queue)
        } else if let Some(stream) = &shared.constant_stream {
            self.queue_all(stream, message, parts, &queue)
        } else {
            STREAM_NAME.with(|buf| match buf.try_borrow_mut() {
                Ok(mut buf) => {
                    config.log_stream_name.render_into(&mut buf, &ctx);
                    self.queue_all(&buf, message, parts, &queue)
                }
                Err(_) => {
                    let name = config.log_stream_name.render(&ctx);
                    self.queue_all(&name, message, parts, &queue)
                }
            })
        };
        dropped.unwrap_or(outcome)
    }

    fn queue_all(
        &self,
        stream: &str,
        message: String,
        parts: Vec<String>,
        queue: &dyn Fn(&str, String) -> Option<LogOutcome>,
    ) -> Option<LogOutcome> {
        if parts.is_empty() {
            return queue(stream, message);
        }
        let mut first_drop = None;
        for part in parts {
            if let Some(d) = queue(stream, part) {
                first_drop.get_or_insert(d);
            }
        }
        first_drop
    }

    /// Pushes one event; `Some` when it was dropped.
    fn queue(&self, stream: &str, timestamp_ms: i64, message: String) -> Option<LogOutcome> {
        let shared = self;
        let pushed = shared.queues.push(
            stream,
            timestamp_ms,
            message,
            shared.config.overflow,
            &shared.counters,
            || shared.wake.notify_one(),
        );
        match pushed {
            Pushed::Queued { wake } => {
                shared.counters.events.fetch_add(1, Ordering::Relaxed);
                if wake {
                    shared.wake.notify_one();
                }
                None
            }
            Pushed::Full => {
                Some(
                    self.drop_record(DropReason::QueueFull, WarningKind::QueueFull, || {
                        format!(
                    "the log queue is full ({} bytes queued or in flight); dropping events \
                     (see max_queue_bytes and overflow)",
                    shared.config.max_queue_bytes
                )
                    }),
                )
            }
            Pushed::Closed => Some(self.drop_after_shutdown()),
        }
    }

    /// Counts and warns about a record that came after shutdown (watchtower 3.4's words).
    fn drop_after_shutdown(&self) -> LogOutcome {
        self.drop_record(
            DropReason::AfterShutdown,
            WarningKind::AfterShutdown,
            || "Received message after logging system shutdown".into(),
        )
    }

    fn drop_record(
        &self,
        reason: DropReason,
        kind: WarningKind,
        message: impl FnOnce() -> String,
    ) -> LogOutcome {
        let shared = self;
        shared.counters.drop_events(reason, 1);
        shared.warner.warn(kind, message);
        LogOutcome::Dropped(reason)
    }
}

/// The largest index `<= max` that is a char boundary of `s`.
fn floor_char_boundary(s: &str, max: usize) -> usize {
    let mut cut = max.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
}

/// Cuts `s` into pieces of at most `max` bytes at char boundaries (`max >= 4`).
fn split_message(s: &str, max: usize) -> Vec<String> {
    let mut parts = Vec::with_capacity(s.len() / max + 1);
    let mut rest = s;
    while !rest.is_empty() {
        let cut = floor_char_boundary(rest, max);
        parts.push(rest[..cut].to_owned());
        rest = &rest[cut..];
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_fall_on_char_boundaries() {
        let s = "aé€😀";
        assert_eq!(floor_char_boundary(s, 2), 1);
        assert_eq!(floor_char_boundary(s, 3), 3);
        assert_eq!(floor_char_boundary(s, 5), 3);
        assert_eq!(floor_char_boundary(s, 6), 6);
        assert_eq!(floor_char_boundary(s, 100), s.len());
        let parts = split_message(&"€".repeat(10), 7);
        assert!(parts.iter().all(|p| p.len() <= 7 && !p.is_empty()));
        assert_eq!(parts.concat(), "€".repeat(10));
    }
}
