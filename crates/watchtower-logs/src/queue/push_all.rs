//! Pushing a drain's events together, under one lock: one lock and a few counter updates per
//! block of events instead of per event. Per event, the lock and the shared counters cost more
//! than the rest of queueing (their cache lines move between the drain's core and the
//! worker's; see `bench/notes.md`).

use super::*;

/// Events to push together, with their streams' names (a run of events to one stream holds
/// its name once).
#[derive(Debug, Default)]
pub(crate) struct PushBatch {
    names: String,
    events: Vec<(std::ops::Range<usize>, QueuedEvent)>,
    /// Records admitted into the batch (queued or not), counted when it is pushed.
    pub(crate) records: u64,
}

impl PushBatch {
    /// Adds `event`, for `stream`.
    pub(crate) fn add(&mut self, stream: &str, event: QueuedEvent) {
        let range = match self.events.last() {
            Some((range, _)) if &self.names[range.clone()] == stream => range.clone(),
            _ => {
                let start = self.names.len();
                self.names.push_str(stream);
                start..self.names.len()
            }
        };
        self.events.push((range, event));
    }

    /// Whether no event waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

/// What became of a batch's events.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PushedAll {
    /// Queued.
    pub(crate) queued: usize,
    /// Whether the worker must look now (a new deadline or a full batch).
    pub(crate) wake: bool,
    /// Dropped because the bound was reached.
    pub(crate) full: usize,
    /// Dropped because shutdown had emptied the queues for the last time.
    pub(crate) closed: usize,
}

impl PushedAll {
    fn tally(&mut self, pushed: Pushed) {
        match pushed {
            Pushed::Queued { wake } => {
                self.queued += 1;
                self.wake |= wake;
            }
            Pushed::Full => self.full += 1,
            Pushed::Closed => self.closed += 1,
        }
    }
}

impl Queues {
    /// Pushes every event of `batch`, in order, emptying it: what [`Queues::push_marked`] does
    /// for each, under one lock. `Block` waits for room with the lock released, so with it the
    /// events are pushed one by one.
    pub(crate) fn push_all(
        &self,
        batch: &mut PushBatch,
        policy: OverflowPolicy,
        counters: &Counters,
        wake_worker: impl Fn(),
        evicted: &mut Vec<u64>,
    ) -> PushedAll {
        let mut done = PushedAll::default();
        let names = &batch.names;
        if let OverflowPolicy::Block { .. } = policy {
            for (range, event) in batch.events.drain(..) {
                let stream = &names[range];
                done.tally(self.push_marked(
                    stream,
                    event,
                    policy,
                    counters,
                    &wake_worker,
                    evicted,
                ));
            }
        } else {
            let mut state = self.lock();
            // Counted once at the end (or before an eviction subtracts from the counters).
            let (mut events, mut bytes) = (0u64, 0u64);
            let count = |events: &mut u64, bytes: &mut u64| {
                counters
                    .queued_events
                    .fetch_add(std::mem::take(events), Relaxed);
                counters
                    .queued_bytes
                    .fetch_add(std::mem::take(bytes), Relaxed);
            };
            let mut pending = batch.events.drain(..).peekable();
            while let Some((range, event)) = pending.next() {
                if state.closed {
                    done.closed += 1;
                    continue;
                }
                let held = event.held();
                if self.over(&state, held) {
                    count(&mut events, &mut bytes);
                    if !matches!(policy, OverflowPolicy::DropOldest)
                        || !self.evict_for(&mut state, held, counters, evicted)
                    {
                        done.full += 1;
                        continue;
                    }
                }
                // This event, then the rest of its stream's run while they fit: the stream's
                // queue looked up once per run.
                let (limits, max_bytes) = (self.limits, self.max_bytes);
                let State {
                    streams,
                    held_bytes,
                    ..
                } = &mut *state;
                with_queue(streams, &names[range.clone()], |queue| {
                    let mut next = Some((event, held));
                    while let Some((event, held)) = next.take() {
                        *held_bytes += held;
                        done.wake |= push_to(queue, event, limits);
                        // Kept current for `reserve`, which reads it without the lock.
                        self.held.store(*held_bytes, Relaxed);
                        done.queued += 1;
                        events += 1;
                        bytes += held as u64;
                        if let Some((_, event)) = pending.next_if(|(r, e)| {
                            *r == range
                                && *held_bytes + self.reserved.load(Relaxed) + e.held() <= max_bytes
                        }) {
                            let held = event.held();
                            next = Some((event, held));
                        }
                    }
                });
            }
            count(&mut events, &mut bytes);
        }
        batch.names.clear();
        done
    }
}
