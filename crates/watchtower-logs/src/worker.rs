//! The worker: a named thread running its own single-threaded tokio runtime, so the library
//! works the same from plain sync code, from Python, and inside any user runtime.
//!
//! It sleeps until a queue is full, a queue's oldest event reaches its deadline, or a control
//! message arrives ([`Control::Flush`], [`Control::Shutdown`], on their own channel so a full
//! queue cannot stall them). Due batches are handed to delivery tasks, one at a time per stream
//! (so that a stream keeps its logging order for equal timestamps), whose requests take
//! permits from the adaptive limiter (`concurrency.rs`: at most `max_concurrent_requests` in
//! flight, fewer and paced when the service pushes back); each batch is tracked in flight
//! until all its events are settled, which is what flush and shutdown wait for. While a flush
//! or a shutdown waits for the front ends' buffers to be drained, full batches keep being
//! dispatched, so that a burst is sealed as it is rendered.
//!
//! A panic is never a silent loss: a delivery task that panics has its batch counted as
//! [`DropReason::WorkerFailed`](crate::DropReason::WorkerFailed); a worker that panics becomes
//! a state ([`crate::hub::DEAD`]) in which everything it held is counted and `flush` and
//! `shutdown` return [`FlushError::WorkerFailed`].

use std::cell::Cell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::batch::Batch;
use crate::deliver::Delivery;
use crate::drainer::Drainer;
use crate::error::{FlushError, SetupError, StartError};
use crate::hub::{panic_text, Shared, STOPPING};
use crate::send::Sender;
use crate::stats::DropReason;
use crate::warn::WarningKind;

thread_local! {
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// Whether the calling thread belongs to a watchtower worker (its runtime thread or a blocking
/// helper thread of that runtime). The front ends skip what is logged there: the SDK's and the
/// HTTP stack's own events, emitted while shipping, would otherwise feed themselves.
pub fn is_worker_thread() -> bool {
    IN_WORKER.with(Cell::get)
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
    let thread = crate::thread::spawn("watchtower-worker", move || {
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
        let worker_shared = shared.clone();
        let ran = catch_unwind(AssertUnwindSafe(|| {
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
            })
        }));
        if let Err(panic) = ran {
            worker_shared.worker_failed(&panic_text(panic.as_ref()));
        }
        runtime.shutdown_timeout(Duration::from_millis(100));
        worker_shared.set_ended();
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

/// The worker's state between wake-ups.
struct Worker {
    shared: Arc<Shared>,
    delivery: Arc<Delivery>,
    /// Per stream: completes when the stream's last dispatched batch is settled (the next one
    /// waits on it).
    stream_tails: HashMap<Arc<str>, oneshot::Receiver<()>>,
}

/// The worker loop.
async fn run(
    shared: Arc<Shared>,
    delivery: Arc<Delivery>,
    mut control: mpsc::UnboundedReceiver<Control>,
) {
    let interval = shared.config.send_interval;
    let mut worker = Worker {
        shared,
        delivery,
        stream_tails: HashMap::new(),
    };
    let shared = worker.shared.clone();
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
                    #[cfg(test)]
                    if shared.fail_next_flush.swap(false, Ordering::SeqCst) {
                        panic!("injected worker failure");
                    }
                    force = true;
                    flush = Some((timeout, reply));
                    drainer.drain_all(&shared, || worker.dispatch_due()).await;
                }
                Some(Control::SetupGroup { reply }) => {
                    let delivery = worker.delivery.clone();
                    tokio::spawn(async move {
                        let _ = reply.try_send(delivery.setup_group().await);
                    });
                }
                Some(Control::Shutdown { timeout, reply }) => {
                    let result = shut_down(&mut worker, &mut drainer, timeout).await;
                    reply.send(result);
                    return;
                }
                None => {
                    // Every handle is gone without a shutdown: deliver what is left.
                    let timeout = shared.config.shutdown_timeout;
                    let _ = shut_down(&mut worker, &mut drainer, timeout).await;
                    return;
                }
            },
        }
        drainer.after_wake(&shared, drain_wake);
        let (batches, due) = shared.queues.take_due(Instant::now(), interval, force);
        next_due = due;
        for batch in batches {
            worker.dispatch(batch);
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

impl Worker {
    /// Dispatches the batches that are full or due now (while a flush or a shutdown drains
    /// the front ends' buffers).
    fn dispatch_due(&mut self) {
        let interval = self.shared.config.send_interval;
        let (batches, _) = self.shared.queues.take_due(Instant::now(), interval, false);
        for batch in batches {
            self.dispatch(batch);
        }
    }

    /// Hands a batch to a delivery task that starts once the stream's previous batch is
    /// settled and a request permit is free. A task that panics has its batch counted.
    fn dispatch(&mut self, batch: Batch) {
        let shared = &self.shared;
        // What the request copies of the batch counts against the bound until it is settled.
        let copies = batch.request_copies();
        shared.queues.hold(copies, &shared.counters);
        let id = shared
            .inflight
            .register(batch.events.len(), batch.held(), copies);
        // Streams whose last batch is settled need no entry.
        self.stream_tails.retain(|_, settled| {
            matches!(settled.try_recv(), Err(oneshot::error::TryRecvError::Empty))
        });
        let (settled, settled_rx) = oneshot::channel::<()>();
        let previous = self.stream_tails.insert(batch.stream.clone(), settled_rx);
        let delivery = self.delivery.clone();
        let task = tokio::spawn(async move {
            let _settled = settled;
            // Sealed at once, before waiting for its turn: a backlog holds compressed bodies,
            // not events (`sealed.rs`), and a busy stream's next body is built while its
            // previous request is in flight.
            let batch = delivery.seal(id, batch);
            if let Some(previous) = previous {
                let _ = previous.await;
            }
            // Each attempt then waits for the limiter (`concurrency.rs`).
            delivery.deliver(id, batch).await;
        });
        let shared = shared.clone();
        tokio::spawn(async move {
            if let Err(e) = task.await {
                if let Ok(panic) = e.try_into_panic() {
                    shared.abandon(id, &panic_text(panic.as_ref()));
                }
            }
        });
    }
}

/// Sends everything, waits up to `timeout`, then counts whatever is left as dropped and says
/// what was lost, and why.
async fn shut_down(
    worker: &mut Worker,
    drainer: &mut Drainer,
    timeout: Duration,
) -> Result<(), FlushError> {
    let shared = worker.shared.clone();
    shared.state.store(STOPPING, Ordering::SeqCst);
    let deadline = crate::deadline::after_tokio(tokio::time::Instant::now(), timeout);
    let mut timed_out = false;
    // Records that passed the state check just before it changed may still arrive: loop until
    // the queues stay empty. The queues are closed first, so that none can come after the last
    // look (a late one is counted as logged after shutdown, never as a timeout).
    let mut closed = false;
    loop {
        drainer.drain_all(&shared, || worker.dispatch_due()).await;
        let (batches, _) = shared.queues.take_due(Instant::now(), Duration::ZERO, true);
        let sent_any = !batches.is_empty();
        for batch in batches {
            worker.dispatch(batch);
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
            // Events the spool is still replaying (left by a dead process) are delivered too.
            let replaying = shared.spool.as_ref().is_some_and(|s| s.replaying());
            if replaying && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            if closed {
                break;
            }
            shared.queues.close();
            closed = true;
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
            format!(
                "Timed out while delivering logs: {left} events were not delivered within \
                 the shutdown timeout ({timeout:?})"
            ),
        );
    }
    // What is not settled stays in the spool for the next start.
    if let Some(spool) = &shared.spool {
        spool.close();
    }
    let stats = shared.counters.snapshot();
    if stats.dropped.total() > 0 {
        shared.warner.warn_always(
            WarningKind::Summary,
            format!(
                "{} events were not delivered ({} records logged): {}",
                stats.dropped.total(),
                stats.records,
                stats.dropped
            ),
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
