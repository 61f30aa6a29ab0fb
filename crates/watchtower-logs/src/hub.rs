//! The hub: the state that handles, the worker, delivery tasks and the front ends share.
//! Nothing here calls back into those stages: they all depend on this module, it on none of
//! them (the configuration, the queues, the counters, the warnings and the durable spool are
//! its parts).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

use crate::batch::BatchLimits;
use crate::config::Config;
use crate::inflight::InFlight;
use crate::queue::Queues;
use crate::sealed::Sealed;
use crate::spool::Spool;
use crate::stats::{Counters, DropReason};
use crate::template::RenderContext;
use crate::warn::{Warner, WarningKind};

/// Accepting records.
pub(crate) const RUNNING: u8 = 0;
/// Shutdown started: new records are refused.
pub(crate) const STOPPING: u8 = 1;

/// The worker failed (panicked): nothing is accepted, what it held was counted.
pub(crate) const DEAD: u8 = 2;

/// State shared by handles, the worker and delivery tasks.
pub(crate) struct Shared {
    /// Unique in the process (from 1), never reused.
    pub(crate) id: u64,
    pub(crate) config: Config,
    pub(crate) queues: Queues,
    pub(crate) counters: Arc<Counters>,
    /// The durable spool, when `spool_dir` is set.
    pub(crate) spool: Option<Arc<Spool>>,
    pub(crate) warner: Warner,
    pub(crate) inflight: InFlight,
    /// Wakes the worker: a queue got its first event or filled up.
    pub(crate) wake: Notify,
    pub(crate) state: AtomicU8,
    /// Set when the worker thread has ended (after a shutdown, or a failure): a flush or a
    /// shutdown that finds another one under way waits for it (`wait_ended`).
    ended: (std::sync::Mutex<bool>, std::sync::Condvar),
    /// The stream name when the template has no per-event placeholder.
    pub(crate) constant_stream: Option<Arc<str>>,
    /// Events the `log` and `tracing` front ends handed over, not yet rendered.
    #[cfg(any(feature = "log", feature = "tracing"))]
    pub(crate) ingest: crate::ingest::Ingest,
    /// The guard was dropped before anything was logged (`let (logs, _) = ...`, likely).
    pub(crate) guard_dropped_early: std::sync::atomic::AtomicBool,
    /// Test hook: the worker panics on the next flush.
    #[cfg(test)]
    pub(crate) fail_next_flush: std::sync::atomic::AtomicBool,
}

impl Shared {
    pub(crate) fn new(config: Config) -> Self {
        let limits = BatchLimits {
            max_bytes: config.max_batch_size,
            max_count: config.max_batch_count,
        };
        let constant_stream = config.log_stream_name.is_constant().then(|| {
            let ctx = RenderContext {
                logger_name: "",
                thread_name: Some(""),
                timestamp_ms: 0,
            };
            Arc::from(config.log_stream_name.render(&ctx))
        });
        let counters = Arc::new(Counters::default());
        let spool = config.spool.as_ref().map(|spool| {
            let warner = Warner::new(config.warnings.clone());
            Spool::start(spool, &config.log_group_name, counters.clone(), warner)
        });
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Shared {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            spool,
            #[cfg(any(feature = "log", feature = "tracing"))]
            ingest: crate::ingest::Ingest::new(&config),
            constant_stream,
            queues: Queues::new(limits, config.max_queue_bytes),
            counters,
            warner: Warner::new(config.warnings.clone()),
            inflight: InFlight::default(),
            wake: Notify::new(),
            state: AtomicU8::new(RUNNING),
            ended: Default::default(),
            guard_dropped_early: std::sync::atomic::AtomicBool::new(false),
            #[cfg(test)]
            fail_next_flush: std::sync::atomic::AtomicBool::new(false),
            config,
        }
    }

    /// The worker thread has ended: wakes whoever waits in [`Shared::wait_ended`].
    pub(crate) fn set_ended(&self) {
        let (ended, cv) = &self.ended;
        *ended.lock().unwrap_or_else(|e| e.into_inner()) = true;
        cv.notify_all();
    }

    /// Waits up to `timeout` for the worker thread to end; whether it has.
    pub(crate) fn wait_ended(&self, timeout: std::time::Duration) -> bool {
        let (ended, cv) = &self.ended;
        let guard = ended.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = cv
            .wait_timeout_while(guard, timeout, |ended| !*ended)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }

    /// Whether anything was logged yet: a record, or an event a front end handed over.
    pub(crate) fn anything_logged(&self) -> bool {
        #[cfg(any(feature = "log", feature = "tracing"))]
        if self.ingest.has_buffers() {
            return true;
        }
        self.counters.records.load(Ordering::Relaxed) > 0
    }

    /// The worker failed: refuses every record from now on, and counts what the queues and
    /// requests in flight held as [`DropReason::WorkerFailed`]. Returns that number.
    pub(crate) fn worker_failed(&self, cause: &str) -> u64 {
        self.state.store(DEAD, Ordering::SeqCst);
        let (inflight_events, inflight_bytes) = self.inflight.take_all();
        let (queued_events, queued_bytes) = self.queues.drain_all();
        let lost = inflight_events + queued_events;
        self.counters
            .drop_events(DropReason::WorkerFailed, lost as u64);
        self.queues
            .release(inflight_bytes + queued_bytes, lost, &self.counters);
        self.warner.warn_always(
            WarningKind::WorkerFailed,
            format!(
                "the watchtower worker failed ({cause}); {lost} queued events were lost, and \
                 records logged from now on are dropped. Please report this bug."
            ),
        );
        self.counters
            .snapshot()
            .dropped
            .get(DropReason::WorkerFailed)
    }

    /// Rendering one handed-over event panicked: it is counted as lost.
    #[cfg_attr(not(any(feature = "log", feature = "tracing")), allow(dead_code))]
    pub(crate) fn event_failed(&self, cause: &str) {
        self.counters.drop_events(DropReason::WorkerFailed, 1);
        self.warner.warn(WarningKind::WorkerFailed, || {
            format!("rendering a log event failed ({cause}); it was counted as worker_failed")
        });
    }

    /// A delivery task panicked: its batch's unsettled events are counted as
    /// [`DropReason::WorkerFailed`]; the worker goes on.
    pub(crate) fn abandon(&self, id: u64, cause: &str) {
        let Some((events, bytes)) = self.inflight.abandon(id) else {
            return;
        };
        self.counters
            .drop_events(DropReason::WorkerFailed, events as u64);
        self.queues.release(bytes, events, &self.counters);
        self.warner.warn(WarningKind::WorkerFailed, || {
            format!(
                "delivering a batch failed ({cause}); its {events} events were counted as \
                 worker_failed. Please report this bug."
            )
        });
    }

    /// Records the end of (part of) in-flight batch `id`: `delivered` events of
    /// `delivered_bytes`, and drops by reason. Does nothing if shutdown already counted it.
    pub(crate) fn settle(
        &self,
        id: u64,
        batch: &Sealed,
        delivered: usize,
        delivered_bytes: usize,
        dropped: &[(DropReason, usize)],
    ) {
        let Some(release) = self.inflight.settle(id, batch.count, batch.held) else {
            return;
        };
        if let Some(spool) = &self.spool {
            spool.settle(batch.marks());
        }
        let c = &self.counters;
        if delivered > 0 {
            c.delivered.fetch_add(delivered as u64, Ordering::Relaxed);
            c.bytes.fetch_add(delivered_bytes as u64, Ordering::Relaxed);
            c.batches.fetch_add(1, Ordering::Relaxed);
        }
        for (reason, n) in dropped {
            c.drop_events(*reason, *n as u64);
        }
        self.queues.release(release, batch.count, c);
    }
}

/// What a panic said, for a warning.
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into());
    format!("panic: {text}")
}
