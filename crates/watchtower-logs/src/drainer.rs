//! The worker's side of the hand-off from the `log` and `tracing` front ends (`ingest.rs`):
//! when to take the per-thread buffers, and running each drain on the runtime's blocking
//! thread.
//!
//! While events come in, the worker drains every [`DRAIN_INTERVAL`] (at once when a logging
//! thread's buffer holds a batch); after [`IDLE_DRAINS`] drains that found nothing it stops
//! the timer and waits for a logging thread to wake it. Flush and shutdown drain everything
//! handed over before them ([`Drainer::drain_all`]), dispatching full batches meanwhile.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::hub::Shared;

/// How often the worker takes the buffers while events come in.
pub(crate) const DRAIN_INTERVAL: Duration = Duration::from_millis(5);

/// After this many drains that found nothing, the worker stops draining on a timer until the
/// next event wakes it (~100 ms of idleness).
pub(crate) const IDLE_DRAINS: u32 = 20;

/// The worker's side of the hand-off: drains run on the runtime's blocking thread, beside the
/// requests in flight, one at a time. While events come in, a drain starts as soon as the
/// last one queued something, or every [`DRAIN_INTERVAL`]; after [`IDLE_DRAINS`] empty ones
/// the worker waits for a logging thread to wake it.
#[derive(Debug, Default)]
pub(crate) struct Drainer {
    running: Option<JoinHandle<usize>>,
    idle: u32,
    /// A wake-up came while a drain was running: drain again when it ends.
    wanted: bool,
}

/// Why [`Drainer::next`] returned.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DrainWake {
    /// The running drain finished, having queued this many events.
    Finished(usize),
    /// The timer for the next drain ran out.
    Tick,
}

impl Drainer {
    pub(crate) fn new() -> Self {
        Drainer::default()
    }

    /// Completes when the running drain finishes or, while events come in and none runs, when
    /// the next one is due. Cancel-safe.
    pub(crate) async fn next(&mut self, shared: &Shared) -> DrainWake {
        match &mut self.running {
            Some(handle) => {
                let queued = handle.await.unwrap_or(0);
                self.running = None;
                DrainWake::Finished(queued)
            }
            None if shared.ingest.is_armed() => {
                tokio::time::sleep(DRAIN_INTERVAL).await;
                DrainWake::Tick
            }
            None => std::future::pending().await,
        }
    }

    /// Called after every wake-up of the worker with what [`next`](Self::next) returned, if
    /// it was the reason: starts a drain when one is due.
    pub(crate) fn after_wake(&mut self, shared: &Arc<Shared>, wake: Option<DrainWake>) {
        let ingest = &shared.ingest;
        match wake {
            Some(DrainWake::Finished(0)) if !std::mem::take(&mut self.wanted) => {
                self.idle += 1;
                if self.idle >= IDLE_DRAINS && ingest.is_armed() {
                    ingest.set_armed(false);
                    // One more drain: an event buffered just before the store saw the flag
                    // set and did not wake us. (If it finds one, the flag is set again.)
                    self.start(shared);
                }
                return;
            }
            Some(DrainWake::Finished(queued)) => {
                if queued > 0 {
                    self.idle = 0;
                    ingest.set_armed(true);
                }
            }
            // A timer, a logging thread's wake-up, or anything else.
            Some(DrainWake::Tick) | None => {
                if self.running.is_some() {
                    self.wanted = true;
                    return;
                }
            }
        }
        self.start(shared);
    }

    fn start(&mut self, shared: &Arc<Shared>) {
        if self.running.is_none() && shared.ingest.has_buffers() {
            let shared = shared.clone();
            self.running = Some(tokio::task::spawn_blocking(move || {
                shared.ingest.drain(&shared)
            }));
        }
    }

    /// Queues everything handed over before the call (for flush and shutdown). `meanwhile`
    /// runs whenever the worker is woken while a drain renders (a batch filled up), so that
    /// full batches are sealed and sent as the drain goes instead of after it: a flush after a
    /// burst would otherwise hold the whole burst rendered, in its largest form, until the
    /// drain ends.
    pub(crate) async fn drain_all(&mut self, shared: &Arc<Shared>, mut meanwhile: impl FnMut()) {
        if let Some(handle) = self.running.take() {
            let _ = until_done(handle, shared, &mut meanwhile).await;
        }
        if shared.ingest.has_buffers() {
            let worker = shared.clone();
            let handle = tokio::task::spawn_blocking(move || worker.ingest.drain(&worker));
            let _ = until_done(handle, shared, &mut meanwhile).await;
        }
    }
}

/// Waits for a drain, running `meanwhile` on every wake-up of the worker until it ends.
async fn until_done(
    mut handle: JoinHandle<usize>,
    shared: &Shared,
    meanwhile: &mut impl FnMut(),
) -> usize {
    loop {
        tokio::select! {
            done = &mut handle => return done.unwrap_or(0),
            _ = shared.wake.notified() => meanwhile(),
        }
    }
}
