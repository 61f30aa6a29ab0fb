//! `Core`: one `watchtower-logs` handle (and its worker) per Python handler.
//!
//! Calls that may wait (starting, setting up the log group, flush, shutdown, waiting for room
//! in a full queue) release the GIL; `emit` otherwise only takes the core's short queue lock
//! (queueing and waiting for room: `core/emit.rs`).
//!
//! Fork safety: a `Core` remembers the process that made it. In a forked child the parent's
//! worker thread does not exist and the locks it shares with the handle may have been copied
//! while held, so a `Core` dropped in another process leaks its handle instead of dropping it
//! (the Python side also never calls a parent's `Core` from a child: it starts a new one).

use std::collections::HashMap;
use std::mem::ManuallyDrop;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use watchtower_logs::{
    Config, ConfigError, DropReason, FlushError, Handle, OverflowPolicy, Record, RetryPolicy,
    WorkerGuard,
};

use crate::credentials::CredentialsBroker;
use crate::sink::BackgroundSink;
use crate::stats::stats_dict;
use crate::text::utf8;
use crate::WatchtowerError;

/// Queueing a record (waiting for room) and the `emit` outcome codes.
mod emit;
/// The AWS settings a handler's options make.
mod settings;
pub(crate) use emit::{AFTER_SHUTDOWN, DROPPED, EMPTY, IGNORED, QUEUED, TRUNCATED};

/// Longest duration accepted from Python (larger values are clamped): one year.
const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// Converts seconds from Python (int, float, clamped to 0 ..= one year).
pub(crate) fn seconds(value: f64) -> Duration {
    if value.is_nan() || value <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(value)
        .unwrap_or(MAX_DURATION)
        .min(MAX_DURATION)
}

struct Live {
    handle: Handle,
    /// Kept for its `Drop`: the last owner of a `Live` flushes and stops the worker.
    _guard: WorkerGuard,
}

/// The Rust half of one `CloudWatchLogHandler`.
#[pyclass(module = "watchtower._watchtower", frozen)]
pub struct Core {
    live: ManuallyDrop<Live>,
    /// The process that started the worker.
    pid: u32,
    max_queue_bytes: u64,
    max_message_size: usize,
    queue_full_timeout: Duration,
    epoch: Instant,
    /// Milliseconds since `epoch` (plus one) when a wait for room last timed out; 0: never.
    last_full: AtomicU64,
    /// The stream name template is not one the core renders (a Python format spec, a literal
    /// `:`, an unknown placeholder): the Python side renders names, as watchtower 3.4 does.
    #[pyo3(get)]
    stream_names_in_python: bool,
    /// Why the log group tags were not used (they break the service's rules), if they were not.
    #[pyo3(get)]
    tag_error: Option<String>,
    /// Whether the template has `{logger_name}` / `{thread_name}` (else `emit` skips them).
    uses_logger_name: bool,
    uses_thread_name: bool,
    /// Where the core's warnings go; keeps the worker-failure warning for `worker_failure`.
    sink: BackgroundSink,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("handle", &self.live.handle)
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}

#[pymethods]
impl Core {
    /// Checks the options, builds the client and starts the worker (with the GIL released).
    #[new]
    #[pyo3(signature = (
        *,
        log_group_name,
        log_stream_name,
        send_interval,
        max_batch_size,
        max_batch_count,
        max_message_size,
        create_log_group,
        create_log_stream,
        retention_days,
        log_group_tags,
        program_name,
        machine_name,
        region = None,
        endpoint_url = None,
        profile_name = None,
        credentials = None,
        max_queue_bytes = 64 * 1024 * 1024,
        queue_full_timeout = 1.0,
        shutdown_timeout = 30.0,
        max_retry_time = None,
        request_timeout = None,
        proxy_url = None,
        no_proxy = None,
        ca_bundle = None,
        spool_dir = None,
        compress = true,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        log_group_name: String,
        log_stream_name: String,
        send_interval: f64,
        max_batch_size: usize,
        max_batch_count: usize,
        max_message_size: usize,
        create_log_group: bool,
        create_log_stream: bool,
        retention_days: Option<u32>,
        log_group_tags: HashMap<String, String>,
        program_name: String,
        machine_name: String,
        region: Option<String>,
        endpoint_url: Option<String>,
        profile_name: Option<String>,
        credentials: Option<PyRef<'_, CredentialsBroker>>,
        max_queue_bytes: usize,
        queue_full_timeout: f64,
        shutdown_timeout: f64,
        max_retry_time: Option<f64>,
        request_timeout: Option<f64>,
        proxy_url: Option<String>,
        no_proxy: Option<String>,
        ca_bundle: Option<PathBuf>,
        spool_dir: Option<PathBuf>,
        compress: bool,
    ) -> PyResult<Self> {
        let sink = BackgroundSink::default();
        let aws = settings::Connection {
            region,
            endpoint_url,
            profile_name,
            proxy_url,
            no_proxy,
            ca_bundle,
        }
        .aws_settings(py, credentials.as_deref())?;
        let mut retry = RetryPolicy::default();
        if let Some(limit) = max_retry_time {
            retry.max_elapsed = seconds(limit);
        }
        if let Some(timeout) = request_timeout {
            retry.attempt_timeout = seconds(timeout);
        }
        let mut builder = Config::builder()
            .log_group_name(log_group_name)
            .log_stream_name(log_stream_name)
            .send_interval(seconds(send_interval))
            .max_batch_size(max_batch_size)
            .max_batch_count(max_batch_count)
            .max_message_size(max_message_size)
            // A message larger than max_batch_size is sent alone, as in 3.4 (not truncated).
            .large_events_alone(true)
            .retry(retry)
            .create_log_group(create_log_group)
            .create_log_stream(create_log_stream)
            .log_group_tags(log_group_tags)
            .program_name(program_name)
            .machine_name(machine_name)
            .max_queue_bytes(max_queue_bytes)
            .queue_full_advice("CloudWatchLogHandler.MAX_QUEUE_BYTES and QUEUE_FULL_TIMEOUT")
            // Waiting for room is done here, with the GIL released (see `wait_for_room`).
            .overflow(OverflowPolicy::DropNewest)
            .shutdown_timeout(seconds(shutdown_timeout))
            .compression(compress)
            .warnings(Arc::new(sink.clone()))
            .aws(aws);
        if let Some(days) = retention_days {
            builder = builder.retention_days(days);
        }
        if let Some(dir) = spool_dir {
            builder = builder.spool_dir(dir);
        }
        let mut stream_names_in_python = false;
        let mut tag_error = None;
        let config = loop {
            match builder.clone().build() {
                Ok(config) => break config,
                Err(ConfigError::InvalidStreamTemplate { .. }) if !stream_names_in_python => {
                    stream_names_in_python = true;
                    builder = builder.log_stream_name("-");
                }
                Err(e @ ConfigError::InvalidTag { .. }) if tag_error.is_none() => {
                    tag_error = Some(e.to_string());
                    builder = builder.log_group_tags(std::iter::empty::<(String, String)>());
                }
                Err(e) => return Err(WatchtowerError::new_err(e.to_string())),
            }
        };
        let max_message_size = config.max_message_size();
        let template = config.log_stream_name();
        let uses_logger_name = template.contains("{logger_name");
        let uses_thread_name = template.contains("{thread_name");
        let (handle, guard) = py
            .detach(|| config.start())
            .map_err(|e| WatchtowerError::new_err(e.to_string()))?;
        Ok(Core {
            live: ManuallyDrop::new(Live {
                handle,
                _guard: guard,
            }),
            pid: std::process::id(),
            max_queue_bytes: max_queue_bytes as u64,
            max_message_size,
            queue_full_timeout: seconds(queue_full_timeout),
            epoch: Instant::now(),
            last_full: AtomicU64::new(0),
            stream_names_in_python,
            tag_error,
            uses_logger_name,
            uses_thread_name,
            sink,
        })
    }

    /// Creates the log group (if configured) and applies the retention policy now, raising
    /// `WatchtowerError` with the service's error, as watchtower 3.4's constructor does.
    fn setup_log_group(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let handle = &self.live.handle;
        py.detach(|| handle.setup_log_group(seconds(timeout)))
            .map_err(|e| WatchtowerError::new_err(e.to_string()))
    }

    /// Queues one formatted record; the stream name comes from the template. `created` is
    /// `LogRecord.created` (seconds); the event's timestamp is `int(created * 1000)`. The
    /// names are only read when the template uses them.
    #[pyo3(signature = (message, created, logger_name, thread_name = None))]
    fn emit(
        &self,
        py: Python<'_>,
        message: &Bound<'_, PyAny>,
        created: f64,
        logger_name: &Bound<'_, PyAny>,
        thread_name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u8> {
        if crate::is_worker_thread() {
            return Ok(IGNORED);
        }
        let message = utf8(message)?;
        let logger_name = match self.uses_logger_name {
            true => Some(utf8(logger_name)?),
            false => None,
        };
        let thread_name = match (self.uses_thread_name, thread_name) {
            (true, Some(name)) if !name.is_none() => Some(utf8(name)?),
            _ => None,
        };
        // `as` truncates toward zero, like Python's int().
        let mut record = Record::new(message).timestamp_millis((created * 1000.0) as i64);
        if let Some(logger_name) = logger_name {
            record = record.logger_name(logger_name);
        }
        if let Some(thread_name) = thread_name {
            record = record.thread_name(thread_name);
        }
        Ok(self.push(py, None, record))
    }

    /// Queues one formatted message to the stream named `stream` (used when the stream name is
    /// computed in Python).
    fn emit_to_stream(
        &self,
        py: Python<'_>,
        stream: &Bound<'_, PyAny>,
        message: &Bound<'_, PyAny>,
        timestamp_ms: i64,
    ) -> PyResult<u8> {
        if crate::is_worker_thread() {
            return Ok(IGNORED);
        }
        let record = Record::new(utf8(message)?).timestamp_millis(timestamp_ms);
        Ok(self.push(py, Some(utf8(stream)?), record))
    }

    /// Sends everything queued and waits (GIL released) until it is delivered or counted as
    /// failed, up to `timeout` seconds. Returns False on timeout.
    fn flush(&self, py: Python<'_>, timeout: f64) -> bool {
        let handle = &self.live.handle;
        match py.detach(|| handle.flush(seconds(timeout))) {
            Ok(()) | Err(FlushError::AlreadyShutdown) => true,
            Err(_) => false,
        }
    }

    /// Flushes, then stops the worker (GIL released). Returns False if events were still
    /// undelivered after `timeout` seconds (they are counted as dropped). A second call does
    /// nothing and returns True.
    fn shutdown(&self, py: Python<'_>, timeout: f64) -> bool {
        let handle = &self.live.handle;
        match py.detach(|| handle.shutdown(seconds(timeout))) {
            Ok(()) | Err(FlushError::AlreadyShutdown) => true,
            Err(_) => false,
        }
    }

    /// Why the worker failed and how many events were lost, if it failed
    /// (`FlushError::WorkerFailed`): the core's warning, or the flush error's text if that
    /// warning has not reached the sink yet.
    fn worker_failure(&self) -> Option<String> {
        let handle = &self.live.handle;
        if !handle.worker_failed() {
            return None;
        }
        self.sink.worker_failure().or_else(|| {
            Some(
                FlushError::WorkerFailed {
                    lost: handle.stats().dropped.get(DropReason::WorkerFailed),
                }
                .to_string(),
            )
        })
    }

    /// Whether `shutdown` was called.
    #[getter]
    fn is_shut_down(&self) -> bool {
        self.live.handle.is_shut_down()
    }

    /// The core's counters as a dict (see `CloudWatchLogHandler.stats`).
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        stats_dict(py, &self.live.handle.stats())
    }
}

impl Core {
    /// Whether the stream name template reads the logger name (else it need not be passed).
    pub(crate) fn uses_logger_name(&self) -> bool {
        self.uses_logger_name
    }

    /// Whether the stream name template reads the thread name.
    pub(crate) fn uses_thread_name(&self) -> bool {
        self.uses_thread_name
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        // SAFETY: `live` is taken exactly once, here, and never used afterwards.
        let live = unsafe { ManuallyDrop::take(&mut self.live) };
        if std::process::id() != self.pid {
            // A forked child: the parent's worker is not here, and the queue and channel locks
            // may have been copied while held. Touch nothing; leak it.
            std::mem::forget(live);
            return;
        }
        if live.handle.is_shut_down() {
            return;
        }
        // Dropped without close(): deliver what is queued without blocking the dropping thread
        // (the guard's drop flushes, up to the shutdown timeout).
        let spawned = watchtower_logs::thread::spawn("watchtower-drop", move || drop(live));
        if let Err(e) = spawned {
            eprintln!(
                "[watchtower] could not deliver the remaining logs of a dropped handler: {e}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_clamped() {
        assert_eq!(seconds(-1.0), Duration::ZERO);
        assert_eq!(seconds(f64::NAN), Duration::ZERO);
        assert_eq!(seconds(1.5), Duration::from_millis(1500));
        assert_eq!(seconds(f64::INFINITY), MAX_DURATION);
        assert_eq!(seconds(1e300), MAX_DURATION);
    }
}
