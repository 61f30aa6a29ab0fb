//! The worker: a named thread running its own single-threaded tokio runtime, so the library
//! works the same from plain sync code, from Python, and inside any user runtime.
//!
//! It sleeps until a queue is full, a queue's oldest event reaches its deadline, or a control
//! message arrives ([`Control::Flush`], [`Control::Shutdown`], on their own channel so a full
//! queue cannot stall them). Due batches are handed to delivery tasks, at most
//! `max_concurrent_requests` at once; each batch is tracked in flight until all its events are
//! settled, which is what flush and shutdown wait for.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, Notify, Semaphore};

use crate::batch::{Batch, BatchLimits};
use crate::config::Config;
use crate::deliver::Delivery;
use crate::error::{FlushError, SetupError, StartError};
use crate::ingest::Drainer;
use crate::queue::Queues;
use crate::send::Sender;
use crate::stats::{Counters, DropReason};
use crate::template::RenderContext;
use crate::warn::{Warner, WarningKind};

/// Accepting records.
pub(crate) const RUNNING: u8 = 0;
/// Shutdown started: new records are refused.
pub(crate) const STOPPING: u8 = 1;

thread_local! {
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// Whether the calling thread belongs to a watchtower worker (its runtime thread or a blocking
/// helper thread of that runtime). Front ends use it to keep the SDK's and HTTP stack's own log
/// records, emitted while shipping, out of the queues.
pub fn is_worker_thread() -> bool {
    IN_WORKER.with(Cell::get)
}

/// State shared by handles, the worker and delivery tasks.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) queues: Queues,
    pub(crate) counters: Counters,
    pub(crate) warner: Warner,
    pub(crate) inflight: InFlight,
    /// Wakes the worker: a queue got its first event or filled up.
    pub(crate) wake: Notify,
    pub(crate) state: AtomicU8,
    /// The stream name when the template has no per-event placeholder.
    pub(crate) constant_stream: Option<Arc<str>>,
    /// Events the `log` and `tracing` front ends handed over, not yet rendered.
    #[cfg(any(feature = "log", feature = "tracing"))]
    pub(crate) ingest: crate::ingest::Ingest,
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
        Shared {
            #[cfg(any(feature = "log", feature = "tracing"))]
            ingest: crate::ingest::Ingest::new(&config),
            constant_stream,
            queues: Queues::new(limits, config.max_queue_bytes),
            counters: Counters::default(),
            warner: Warner::new(config.warnings.clone()),
            inflight: InFlight::default(),
            wake: Notify::new(),
            state: AtomicU8::new(RUNNING),
            config,
        }
    }

    /// Records the end of (part of) in-flight batch `id`: `delivered` events of
    /// `delivered_bytes`, and drops by reason. Does nothing if shutdown already counted it.
    pub(crate) fn settle(
        &self,
        id: u64,
        batch: &Batch,
        delivered: usize,
        delivered_bytes: usize,
        dropped: &[(DropReason, usize)],
    ) {
        if !self.inflight.settle(id, batch.events.len(), batch.bytes) {
            return;
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
        self.queues.release(batch.bytes, batch.events.len(), c);
    }
}

/// Batches in flight, for flush and shutdown to wait on.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    state: Mutex<InFlightState>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct InFlightState {
    next_id: u64,
    /// Per batch id: events and bytes not settled yet.
    active: BTreeMap<u64, (usize, usize)>,
}

impl InFlight {
    fn lock(&self) -> std::sync::MutexGuard<'_, InFlightState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn register(&self, events: usize, bytes: usize) -> u64 {
        let mut s = self.lock();
        let id = s.next_id;
        s.next_id += 1;
        s.active.insert(id, (events, bytes));
        id
    }

    /// Marks `events` of batch `id` settled; false if the batch was already taken by shutdown.
    fn settle(&self, id: u64, events: usize, bytes: usize) -> bool {
        let mut s = self.lock();
        let Some(entry) = s.active.get_mut(&id) else {
            return false;
        };
        entry.0 = entry.0.saturating_sub(events);
        entry.1 = entry.1.saturating_sub(bytes);
        if entry.0 == 0 {
            s.active.remove(&id);
            drop(s);
            self.changed.notify_waiters();
        }
        true
    }

    fn next_id(&self) -> u64 {
        self.lock().next_id
    }

    /// Waits until every batch registered before `target` is settled.
    async fn wait_before(&self, target: u64) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let done = self
                .lock()
                .active
                .first_key_value()
                .is_none_or(|(id, _)| *id >= target);
            if done {
                return;
            }
            changed.await;
        }
    }

    /// Removes every batch still in flight; returns (events, bytes) they held.
    fn take_all(&self) -> (usize, usize) {
        let mut s = self.lock();
        let taken = std::mem::take(&mut s.active);
        drop(s);
        self.changed.notify_waiters();
        taken
            .values()
            .fold((0, 0), |(e, b), (ev, by)| (e + ev, b + by))
    }
}

/// Where the answer to a control message goes.
pub(crate) enum Reply {
    Sync(std::sync::mpsc::SyncSender<Result<(), FlushError>>),
    Async(oneshot::Sender<Result<(), FlushError>>),
}

impl Reply {
    fn send(self, result: Result<(), FlushError>) {
        match self {
            Reply::Sync(tx) => {
                let _ = tx.try_send(result);
            }
            Reply::Async(tx) => {
                let _ = tx.send(result);
            }
        }
    }
}

/// Messages to the worker, on their own channel.
pub(crate) enum Control {
    /// Send everything queued now and answer when all of it (and everything in flight) is
    /// settled, or after `timeout`.
    Flush { timeout: Duration, reply: Reply },
    /// Flush, count what is left after `timeout` as dropped, and stop.
    Shutdown { timeout: Duration, reply: Reply },
    /// Create the log group (if configured) and apply its retention now.
    SetupGroup {
        reply: std::sync::mpsc::SyncSender<Result<(), SetupError>>,
    },
}

/// Starts the worker thread; returns once its client is built (or failed to build).
pub(crate) fn spawn(
    shared: Arc<Shared>,
) -> Result<(mpsc::UnboundedSender<Control>, std::thread::JoinHandle<()>), StartError> {
    let (control_tx, control_rx) = mpsc::unbounded_channel();
    let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel::<Result<(), StartError>>(1);
    let thread = std::thread::Builder::new()
        .name("watchtower-worker".into())
        .spawn(move || {
            IN_WORKER.with(|w| w.set(true));
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .thread_name("watchtower-worker-blocking")
                .on_thread_start(|| IN_WORKER.with(|w| w.set(true)))
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(StartError::Worker(e.to_string())));
                    return;
                }
            };
            runtime.block_on(async move {
                let client = match shared.config.aws.build_client(&shared.config.retry).await {
                    Ok(client) => client,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                let delivery = Arc::new(Delivery::new(shared.clone(), Sender::new(client)));
                run(shared, delivery, control_rx).await;
            });
            runtime.shutdown_timeout(Duration::from_millis(100));
        })
        .map_err(|e| StartError::Worker(e.to_string()))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok((control_tx, thread)),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err(StartError::Worker(
            "the worker thread exited while starting".into(),
        )),
    }
}

/// The worker loop.
async fn run(
    shared: Arc<Shared>,
    delivery: Arc<Delivery>,
    mut control: mpsc::UnboundedReceiver<Control>,
) {
    let permits = Arc::new(Semaphore::new(shared.config.max_concurrent_requests));
    let interval = shared.config.send_interval;
    let mut next_due: Option<Instant> = None;
    let mut drainer = Drainer::new();
    loop {
        let mut force = false;
        let mut flush = None;
        let sleep = async {
            match next_due {
                Some(due) => tokio::time::sleep_until(due.into()).await,
                None => std::future::pending().await,
            }
        };
        let mut drain_wake = None;
        tokio::select! {
            _ = shared.wake.notified() => {}
            _ = sleep => {}
            wake = drainer.next(&shared) => drain_wake = Some(wake),
            message = control.recv() => match message {
                Some(Control::Flush { timeout, reply }) => {
                    force = true;
                    flush = Some((timeout, reply));
                    drainer.drain_all(&shared).await;
                }
                Some(Control::SetupGroup { reply }) => {
                    let delivery = delivery.clone();
                    tokio::spawn(async move {
                        let _ = reply.try_send(delivery.setup_group().await);
                    });
                }
                Some(Control::Shutdown { timeout, reply }) => {
                    let result =
                        shut_down(&shared, &delivery, &permits, &mut drainer, timeout).await;
                    reply.send(result);
                    return;
                }
                None => {
                    // Every handle is gone without a shutdown: deliver what is left.
                    let timeout = shared.config.shutdown_timeout;
                    let _ = shut_down(&shared, &delivery, &permits, &mut drainer, timeout).await;
                    return;
                }
            },
        }
        drainer.after_wake(&shared, drain_wake);
        let (batches, due) = shared.queues.take_due(Instant::now(), interval, force);
        next_due = due;
        for batch in batches {
            dispatch(&shared, &delivery, &permits, batch);
        }
        if let Some((timeout, reply)) = flush {
            let target = shared.inflight.next_id();
            let shared = shared.clone();
            tokio::spawn(async move {
                let waited =
                    tokio::time::timeout(timeout, shared.inflight.wait_before(target)).await;
                reply.send(match waited {
                    Ok(()) => Ok(()),
                    Err(_) => Err(FlushError::Timeout {
                        timeout,
                        pending: shared.counters.queued_events.load(Ordering::Relaxed),
                    }),
                });
            });
        }
    }
}

fn dispatch(
    shared: &Arc<Shared>,
    delivery: &Arc<Delivery>,
    permits: &Arc<Semaphore>,
    batch: Batch,
) {
    let id = shared.inflight.register(batch.events.len(), batch.bytes);
    let delivery = delivery.clone();
    let permits = permits.clone();
    tokio::spawn(async move {
        // The semaphore is never closed, so acquiring only fails if it were; deliver anyway.
        let _permit = permits.acquire_owned().await;
        delivery.deliver(id, batch).await;
    });
}

/// Sends everything, waits up to `timeout`, then counts whatever is left as dropped.
async fn shut_down(
    shared: &Arc<Shared>,
    delivery: &Arc<Delivery>,
    permits: &Arc<Semaphore>,
    drainer: &mut Drainer,
    timeout: Duration,
) -> Result<(), FlushError> {
    shared.state.store(STOPPING, Ordering::SeqCst);
    let deadline = tokio::time::Instant::now() + timeout;
    let mut timed_out = false;
    // Records that passed the state check just before it changed may still arrive: loop until
    // the queues stay empty.
    loop {
        drainer.drain_all(shared).await;
        let (batches, _) = shared.queues.take_due(Instant::now(), Duration::ZERO, true);
        let sent_any = !batches.is_empty();
        for batch in batches {
            dispatch(shared, delivery, permits, batch);
        }
        let target = shared.inflight.next_id();
        if tokio::time::timeout_at(deadline, shared.inflight.wait_before(target))
            .await
            .is_err()
        {
            timed_out = true;
            break;
        }
        if !sent_any {
            break;
        }
    }
    let (inflight_events, inflight_bytes) = shared.inflight.take_all();
    let (queued_events, queued_bytes) = shared.queues.drain_all();
    let left = inflight_events + queued_events;
    if left > 0 {
        shared
            .counters
            .drop_events(DropReason::ShutdownTimeout, left as u64);
        shared
            .queues
            .release(inflight_bytes + queued_bytes, left, &shared.counters);
        shared.warner.warn_always(
            WarningKind::Timeout,
            format!("Timed out while delivering logs: {left} events were not delivered"),
        );
    }
    if timed_out || left > 0 {
        Err(FlushError::Timeout {
            timeout,
            pending: left as u64,
        })
    } else {
        Ok(())
    }
}
