//! Flushing and shutting down a handle: asking the worker over the control channel, then
//! waiting for its answer under one deadline, with [`shutdown_all`] for every handle of the
//! process at once.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::{live_here, Handle};
use crate::error::FlushError;
use crate::hub::{DEAD, RUNNING, STOPPING};
use crate::stats::DropReason;
use crate::worker::{Control, Reply};

/// Extra time a caller waits for the worker's answer beyond the timeout it asked the worker
/// to respect.
const REPLY_GRACE: Duration = Duration::from_secs(2);

/// Shuts down every handle of the process under one deadline: all of them flush at once, and
/// the call returns after `timeout` at the latest, however many there are. Returns the
/// failures (a handle already shut down is not one). Signal handlers, `atexit` hooks and the
/// Python front end use it so that two shippers never double the time a process takes to
/// exit.
///
/// ```no_run
/// use std::time::Duration;
/// let (logs, _guard) = watchtower_logs::Config::builder().build()?.start()?;
/// logs.log(watchtower_logs::Record::new("bye"));
/// for err in watchtower_logs::shutdown_all(Duration::from_secs(5)) {
///     eprintln!("{err}");
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn shutdown_all(timeout: Duration) -> Vec<FlushError> {
    let handles: Vec<Handle> = live_here()
        .into_iter()
        .map(|inner| Handle { inner })
        .collect();
    let deadline = crate::deadline::after(Instant::now(), timeout);
    let waiting: Vec<_> = handles
        .iter()
        .filter_map(|h| h.begin_shutdown(timeout).map(|rx| (h, rx)))
        .collect();
    let mut errors = Vec::new();
    for (handle, rx) in waiting {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .saturating_add(REPLY_GRACE);
        if let Err(e) = handle.finish_shutdown(rx, left, timeout) {
            errors.push(e);
        }
    }
    errors
}

impl Handle {
    /// Sends everything queued now and waits until every event logged before the call is
    /// delivered or counted as failed, or `timeout` passes ([`FlushError::Timeout`]).
    ///
    /// Blocks the calling thread; inside async code prefer [`Handle::flush_async`].
    pub fn flush(&self, timeout: Duration) -> Result<(), FlushError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        if let Err(e) = self.control(Control::Flush {
            timeout,
            reply: Reply::Sync(tx),
        }) {
            // A shutdown under way (another thread's: a signal's, say): it is delivering what
            // this flush would have; wait for it, so that the caller does not exit before.
            self.inner.shared.wait_ended(timeout);
            return Err(e);
        }
        let result = rx
            .recv_timeout(timeout.saturating_add(REPLY_GRACE))
            .unwrap_or_else(|e| {
                if e == std::sync::mpsc::RecvTimeoutError::Disconnected {
                    // Only a failing worker drops a question unanswered.
                    self.join_worker();
                }
                Err(self.no_answer(timeout))
            });
        // What the worker had to say about those events is on stderr when flush returns.
        crate::warn::flush_stderr(timeout.min(Duration::from_millis(500)));
        result
    }

    /// [`Handle::flush`] for async code: waits without blocking the executor.
    pub async fn flush_async(&self, timeout: Duration) -> Result<(), FlushError> {
        let (tx, rx) = oneshot::channel();
        self.control(Control::Flush {
            timeout,
            reply: Reply::Async(tx),
        })?;
        // Only a failing worker drops a question unanswered.
        rx.await.unwrap_or_else(|_| {
            Err(FlushError::WorkerFailed {
                lost: self.stats().dropped.get(DropReason::WorkerFailed),
            })
        })
    }

    /// Flushes, then stops the worker: events still undelivered after `timeout` are counted
    /// as [`DropReason::ShutdownTimeout`], and records logged afterwards as
    /// [`DropReason::AfterShutdown`]. A second call returns [`FlushError::AlreadyShutdown`].
    ///
    /// One deadline bounds the whole call, flush and stop together.
    pub fn shutdown(&self, timeout: Duration) -> Result<(), FlushError> {
        match self.begin_shutdown(timeout) {
            Some(rx) => self.finish_shutdown(rx, timeout.saturating_add(REPLY_GRACE), timeout),
            None => {
                // Already started, maybe by another thread and still delivering: wait for it.
                self.inner.shared.wait_ended(timeout);
                Err(self.stopped_error())
            }
        }
    }

    /// Starts the shutdown; `None` when it was already started (or the worker failed).
    fn begin_shutdown(
        &self,
        timeout: Duration,
    ) -> Option<std::sync::mpsc::Receiver<Result<(), FlushError>>> {
        let shared = &self.inner.shared;
        shared
            .state
            .compare_exchange(RUNNING, STOPPING, Ordering::SeqCst, Ordering::SeqCst)
            .ok()?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        // If the worker is gone the reply channel is dropped with the message: `finish` sees it.
        let _ = self.inner.control.send(Control::Shutdown {
            timeout,
            reply: Reply::Sync(tx),
        });
        Some(rx)
    }

    /// Waits up to `wait` for the worker's answer to [`begin_shutdown`](Self::begin_shutdown),
    /// then joins its thread (unless it is stuck) and flushes the last warnings to stderr.
    fn finish_shutdown(
        &self,
        rx: std::sync::mpsc::Receiver<Result<(), FlushError>>,
        wait: Duration,
        timeout: Duration,
    ) -> Result<(), FlushError> {
        let result = match rx.recv_timeout(wait) {
            Ok(result) => {
                self.join_worker();
                result
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                self.join_worker();
                Err(self.no_answer(timeout))
            }
            // The worker is stuck: leave its thread be, and say so.
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(self.no_answer(timeout)),
        };
        // The worker's last warnings (what was lost, and why) must reach stderr before the
        // process exits.
        crate::warn::flush_stderr(Duration::from_millis(500));
        result
    }

    /// Waits for the worker thread to end (it is ending: it answered a shutdown, or failed).
    fn join_worker(&self) {
        let mut slot = self.inner.thread.lock().unwrap_or_else(|e| e.into_inner());
        if slot
            .as_ref()
            .is_some_and(|t| t.thread().id() != std::thread::current().id())
        {
            if let Some(thread) = slot.take() {
                drop(slot);
                let _ = thread.join();
            }
        }
    }

    /// No answer came: the worker failed, or it is stuck past the timeout.
    fn no_answer(&self, timeout: Duration) -> FlushError {
        if self.inner.shared.state.load(Ordering::SeqCst) == DEAD {
            self.stopped_error()
        } else {
            self.timeout_error(timeout)
        }
    }

    /// The error for a wait that ran out: the timeout, and how many events are still queued.
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
}
