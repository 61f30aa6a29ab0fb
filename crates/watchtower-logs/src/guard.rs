//! The guard that flushes and stops the worker when dropped, like tracing-appender's
//! `WorkerGuard`.

use crate::handle::Handle;

/// Flushes every queued event and stops the worker when dropped, waiting at most the
/// configured [`shutdown_timeout`](crate::ConfigBuilder::shutdown_timeout) (30 s by default).
///
/// Keep it alive for as long as you log, typically in a named variable in `main`:
/// `let (logs, _guard) = config.start()?;`. Binding it to `_` drops it at once, which shuts the
/// worker down before anything is logged. Dropping it is safe anywhere, also inside an async
/// runtime (it blocks that thread for the flush, never the worker), and prints nothing if the
/// handle was already shut down.
///
/// ```
/// # fn offline() -> watchtower_logs::ConfigBuilder {
/// #     watchtower_logs::Config::builder().aws(watchtower_logs::AwsSettings::new()
/// #         .endpoint_url("http://127.0.0.1:1").region("us-east-1")
/// #         .credentials("AKIDEXAMPLE", "secret", None))
/// # }
/// let (logs, guard) = offline().build()?.start()?;
/// logs.log(watchtower_logs::Record::new("last words"));
/// drop(guard); // flushes, waiting at most shutdown_timeout, then stops the worker
/// assert!(logs.is_shut_down());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "dropping the guard shuts the worker down: keep it in a named variable (not `_`)"]
#[derive(Debug)]
pub struct WorkerGuard {
    handle: Handle,
}

impl WorkerGuard {
    pub(crate) fn new(handle: Handle) -> Self {
        WorkerGuard { handle }
    }

    /// The handle this guard stops.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        if self.handle.is_shut_down() {
            return;
        }
        if !self.handle.anything_logged() {
            // Maybe `let (logs, _) = config.start()?`: if a record comes later, its warning
            // says why it was dropped.
            self.handle.mark_guard_dropped_early();
        }
        // Failures were already counted and warned about by the worker.
        let _ = self
            .handle
            .shutdown(self.handle.config().shutdown_timeout());
    }
}
