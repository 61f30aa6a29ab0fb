//! Batches dispatched and not settled yet: what flush and shutdown wait on, and how far the
//! front ends' drain may render ahead of sealing.
//!
//! A batch is registered when the worker dispatches it and sealed (encoded and compressed,
//! its events freed: `sealed.rs`) by its delivery task soon after. Until then its events are
//! held rendered, their largest form; the drain (`ingest.rs`) waits for sealing to catch up
//! before rendering more ([`InFlight::wait_for_sealing`]), so that a burst waits in the
//! compact form the front ends captured it in.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// Batches in flight, for flush and shutdown to wait on.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    state: Mutex<InFlightState>,
    changed: Notify,
    /// A batch was sealed or left (for [`wait_for_sealing`](Self::wait_for_sealing)).
    sealed: Condvar,
}

#[derive(Debug, Default)]
struct InFlightState {
    next_id: u64,
    /// Per batch id: events not settled yet, and the memory they and the batch's request copies
    /// hold (counted against the queue bound).
    active: BTreeMap<u64, Active>,
    /// The most unsealed bytes a drain went on with (see `ingest_tests.rs`).
    #[cfg(test)]
    most_unsealed: usize,
}

#[derive(Debug, Clone, Copy)]
struct Active {
    events: usize,
    held: usize,
    copies: usize,
    sealed: bool,
}

impl InFlightState {
    /// Whether a batch awaits sealing, and the memory counted for the sealed ones (their
    /// events and request copies). Derived on each look: a drain looks once per block of
    /// events, and a few hundred batches in flight cost less than keeping running sums right
    /// through every way a batch settles or leaves.
    fn sealing(&self) -> (bool, usize) {
        self.active
            .values()
            .fold((false, 0), |(unsealed, bytes), a| {
                if a.sealed {
                    (unsealed, bytes + a.held + a.copies)
                } else {
                    (true, bytes)
                }
            })
    }
}

impl InFlight {
    fn lock(&self) -> MutexGuard<'_, InFlightState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a batch of `events` holding `held` bytes, whose requests hold `copies` more.
    pub(crate) fn register(&self, events: usize, held: usize, copies: usize) -> u64 {
        let mut s = self.lock();
        let id = s.next_id;
        s.next_id += 1;
        s.active.insert(
            id,
            Active {
                events,
                held,
                copies,
                sealed: false,
            },
        );
        id
    }

    /// Batch `id` is sealed: its events are no longer held rendered.
    pub(crate) fn mark_sealed(&self, id: u64) {
        let mut s = self.lock();
        if let Some(active) = s.active.get_mut(&id) {
            active.sealed = true;
        }
        drop(s);
        self.sealed.notify_all();
    }

    /// Waits, up to `max_wait`, while batches are being sealed and more than `limit` of the
    /// `queued` bytes (the queues' count of what they and the batches in flight hold) are not
    /// sealed yet. Returns at once when no batch awaits sealing: waiting then would not help.
    #[cfg_attr(not(any(feature = "log", feature = "tracing")), allow(dead_code))]
    pub(crate) fn wait_for_sealing(
        &self,
        queued: impl Fn() -> usize,
        limit: usize,
        max_wait: Duration,
    ) {
        let until = Instant::now() + max_wait;
        let mut s = self.lock();
        loop {
            let (unsealed, sealed_bytes) = s.sealing();
            if !unsealed || queued().saturating_sub(sealed_bytes) <= limit {
                break;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            s = match self.sealed.wait_timeout(s, left) {
                Ok((s, _)) => s,
                Err(e) => e.into_inner().0,
            };
        }
        #[cfg(test)]
        {
            let now = queued().saturating_sub(s.sealing().1);
            s.most_unsealed = s.most_unsealed.max(now);
        }
    }

    /// The most bytes a drain went on with unsealed (test hook).
    #[cfg(all(test, feature = "tracing"))]
    pub(crate) fn most_unsealed(&self) -> usize {
        self.lock().most_unsealed
    }

    /// Forgets batch `id`; returns the events it still held and the memory they and its
    /// request copies held.
    pub(crate) fn abandon(&self, id: u64) -> Option<(usize, usize)> {
        let taken = self.lock().active.remove(&id);
        self.changed.notify_waiters();
        self.sealed.notify_all();
        taken.map(|a| (a.events, a.held + a.copies))
    }

    /// Marks `events` of batch `id` (holding `held` bytes) settled. Returns the memory to give
    /// back (with the request copies once the whole batch is settled), or `None` if the batch
    /// was already taken by shutdown.
    pub(crate) fn settle(&self, id: u64, events: usize, held: usize) -> Option<usize> {
        let mut s = self.lock();
        let entry = s.active.get_mut(&id)?;
        entry.events = entry.events.saturating_sub(events);
        entry.held = entry.held.saturating_sub(held);
        if entry.events > 0 {
            return Some(held);
        }
        let copies = entry.copies;
        s.active.remove(&id);
        drop(s);
        self.changed.notify_waiters();
        self.sealed.notify_all();
        Some(held + copies)
    }

    /// The id the next registered batch gets.
    pub(crate) fn next_id(&self) -> u64 {
        self.lock().next_id
    }

    /// Waits until every batch registered before `target` is settled.
    pub(crate) async fn wait_before(&self, target: u64) {
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
    pub(crate) fn take_all(&self) -> (usize, usize) {
        let mut s = self.lock();
        let taken = std::mem::take(&mut s.active);
        drop(s);
        self.changed.notify_waiters();
        self.sealed.notify_all();
        taken
            .values()
            .fold((0, 0), |(e, b), a| (e + a.events, b + a.held + a.copies))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn sealing_figures_follow_every_way_a_batch_leaves() {
        let f = InFlight::default();
        let a = f.register(10, 1000, 500);
        let b = f.register(4, 400, 200);
        let figures = |f: &InFlight| f.lock().sealing();
        assert_eq!(figures(&f), (true, 0));
        f.mark_sealed(a);
        f.mark_sealed(a); // twice counts once
        assert_eq!(figures(&f), (true, 1500));
        // Part of a sealed batch settles, then the rest with its copies.
        assert_eq!(f.settle(a, 6, 600), Some(600));
        assert_eq!(figures(&f), (true, 900));
        assert_eq!(f.settle(a, 4, 400), Some(900));
        assert_eq!(figures(&f), (true, 0));
        // An unsealed batch abandoned.
        assert_eq!(f.abandon(b), Some((4, 600)));
        assert_eq!(figures(&f), (false, 0));
        // Shutdown takes whatever is left.
        let c = f.register(1, 100, 0);
        f.register(1, 100, 0);
        f.mark_sealed(c);
        assert_eq!(f.take_all(), (2, 200));
        assert_eq!(figures(&f), (false, 0));
    }

    #[test]
    fn the_drain_waits_for_sealing_only_while_a_batch_is_being_sealed() {
        let f = Arc::new(InFlight::default());
        let long = Duration::from_secs(30);
        // Nothing being sealed: no wait, however much is queued.
        let started = Instant::now();
        f.wait_for_sealing(|| 1 << 30, 0, long);
        assert!(started.elapsed() < long);
        // Within the limit: no wait either.
        let id = f.register(10, 1000, 0);
        f.wait_for_sealing(|| 1000, 1000, long);
        // Over it: waits until the batch is sealed.
        let sealer = {
            let f = f.clone();
            std::thread::spawn(move || f.mark_sealed(id))
        };
        let started = Instant::now();
        f.wait_for_sealing(|| 1000, 10, long);
        assert!(started.elapsed() < long);
        sealer.join().unwrap();
        assert!(!f.lock().sealing().0, "sealed");
        // With a batch that is never sealed: waits as long as asked, and no longer.
        // (The first batch, sealed, counts 1,000 of the 5,000 queued bytes.)
        f.register(10, 1000, 0);
        let started = Instant::now();
        f.wait_for_sealing(|| 5000, 10, Duration::from_millis(20));
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(20) && waited < long,
            "{waited:?}"
        );
    }
}
