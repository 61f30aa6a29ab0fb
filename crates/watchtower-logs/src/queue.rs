//! Per-stream queues, shared by the logging threads (which push) and the worker (which cuts
//! batches).
//!
//! One queue per resolved stream name. A queue exists only while it holds events: the worker
//! removes it when it takes its last event, so streams that go idle cost nothing. All queues
//! together hold at most `max_queue_bytes` (counting events until their batch is settled); when
//! full, the [`OverflowPolicy`] decides: drop the new event, drop the oldest queued ones, or wait
//! (bounded) while the worker sends. Pushing takes one short lock and never touches the network.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::batch::{into_batches, is_full, take_batch, Batch, BatchLimits};
use crate::config::OverflowPolicy;
use crate::record::QueuedEvent;
use crate::stats::Counters;

#[path = "queue/evict.rs"]
mod evict;
// Used by the `log` and `tracing` front ends' drains only (and this file is also compiled
// into the benches).
#[allow(dead_code)]
#[path = "queue/push_all.rs"]
mod push_all;
#[allow(unused_imports)] // (not used by the benches)
pub(crate) use push_all::PushBatch;

#[derive(Debug)]
struct StreamQueue {
    events: VecDeque<QueuedEvent>,
    bytes: usize,
    /// No queued event is older than this: the queue is due at `oldest_at + send_interval`.
    /// Set when the queue gets its first event; reading the clock once per queue rather than
    /// once per event keeps it off the hot path.
    oldest_at: Instant,
    /// When the queue filled up. After a full batch is cut, every event left was queued at or
    /// after this, so it becomes the new `oldest_at` (a deadline that can only come early).
    full_at: Option<Instant>,
}

impl StreamQueue {
    fn new(now: Instant) -> Self {
        StreamQueue {
            events: VecDeque::new(),
            bytes: 0,
            oldest_at: now,
            full_at: None,
        }
    }
}

/// Runs `f` on `stream`'s queue, created when it has none (one lookup when it exists; the
/// name is only copied for a new queue).
fn with_queue<R>(
    streams: &mut StreamMap,
    stream: &str,
    f: impl FnOnce(&mut StreamQueue) -> R,
) -> R {
    match streams.get_mut(stream) {
        Some(queue) => f(queue),
        None => f(streams
            .entry(Arc::from(stream))
            .or_insert_with(|| StreamQueue::new(Instant::now()))),
    }
}

/// Appends `event` to `queue`; true when the worker must look now (the queue's first event
/// sets a new deadline, or the queue just filled a batch).
fn push_to(queue: &mut StreamQueue, event: QueuedEvent, limits: BatchLimits) -> bool {
    let size = event.size();
    let was_empty = queue.events.is_empty();
    if was_empty {
        queue.oldest_at = Instant::now();
    }
    let was_full = is_full(queue.events.len(), queue.bytes, limits);
    queue.events.push_back(event);
    queue.bytes += size;
    let now_full = is_full(queue.events.len(), queue.bytes, limits);
    if now_full && !was_full {
        queue.full_at = Some(Instant::now());
    }
    was_empty || (now_full && !was_full)
}

/// The queues by stream name. foldhash: one lookup per run of events to a stream, by a name
/// of ~60 bytes (SipHash, the default, costs several times more and its DoS resistance buys
/// nothing here).
type StreamMap = HashMap<Arc<str>, StreamQueue, foldhash::fast::RandomState>;

#[derive(Debug, Default)]
struct State {
    /// Each stream's queue.
    streams: StreamMap,
    /// Memory held by queued events and by in-flight batches and their request copies (see
    /// [`QueuedEvent::held`]).
    held_bytes: usize,
    /// A producer is waiting for room: the worker should send everything now.
    room_wanted: bool,
    /// Shutdown has emptied the queues for the last time: nothing is queued any more.
    closed: bool,
}

/// What happened to a pushed event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Queued; `wake` says whether the worker must look now (a new deadline or a full batch).
    Queued { wake: bool },
    /// Dropped because the bound was reached.
    Full,
    /// Dropped because shutdown has already emptied the queues for the last time.
    Closed,
}

/// The shared queues.
#[derive(Debug)]
pub(crate) struct Queues {
    state: Mutex<State>,
    room: Condvar,
    limits: BatchLimits,
    max_bytes: usize,
    /// A copy of `held_bytes`, readable without the lock.
    held: AtomicUsize,
    /// Room reserved by the front ends' per-thread buffers for events they hold (see
    /// [`crate::ingest`]); counted against the bound with `held_bytes`.
    reserved: AtomicUsize,
}

impl Queues {
    pub(crate) fn new(limits: BatchLimits, max_bytes: usize) -> Self {
        Queues {
            state: Mutex::new(State::default()),
            room: Condvar::new(),
            limits,
            max_bytes,
            held: AtomicUsize::new(0),
            reserved: AtomicUsize::new(0),
        }
    }

    /// Reserves `bytes` of the bound for events a front end buffers; false when it is full.
    // Used by the `log` and `tracing` front ends' buffers only.
    #[allow(dead_code)]
    pub(crate) fn reserve(&self, bytes: usize) -> bool {
        let before = self.reserved.fetch_add(bytes, Relaxed);
        if self.held.load(Relaxed) + before + bytes > self.max_bytes {
            self.reserved.fetch_sub(bytes, Relaxed);
            return false;
        }
        true
    }

    /// Gives back room taken by [`reserve`](Self::reserve).
    // Used by the `log` and `tracing` front ends' buffers only.
    #[allow(dead_code)]
    pub(crate) fn unreserve(&self, bytes: usize) {
        if bytes > 0 {
            self.reserved.fetch_sub(bytes, Relaxed);
            self.room.notify_all();
        }
    }

    /// Counts `bytes` more against the bound for what is already queued (the copies a request
    /// makes of its batch); given back by [`release`](Self::release).
    pub(crate) fn hold(&self, bytes: usize, counters: &Counters) {
        let mut state = self.lock();
        state.held_bytes += bytes;
        self.held.store(state.held_bytes, Relaxed);
        drop(state);
        counters.queued_bytes.fetch_add(bytes as u64, Relaxed);
    }

    /// Whether `held` more bytes exceed the bound. An event always fits when nothing is held
    /// (a bound as small as `max_message_size` still takes its largest event).
    fn over(&self, state: &State, held: usize) -> bool {
        state.held_bytes > 0
            && state.held_bytes + self.reserved.load(Relaxed) + held > self.max_bytes
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state inconsistent in a way that
        // matters more than losing logs, so keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds an event that is not in the durable spool: [`Queues::push_marked`].
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn push(
        &self,
        stream: &str,
        timestamp_ms: i64,
        message: String,
        policy: OverflowPolicy,
        counters: &Counters,
        wake_worker: impl Fn(),
    ) -> Pushed {
        let mut evicted = Vec::new();
        let event = QueuedEvent::text(timestamp_ms, message, u64::MAX);
        self.push_marked(stream, event, policy, counters, wake_worker, &mut evicted)
    }

    /// Adds an event (with its spool mark) to `stream`'s queue, applying the
    /// overflow policy. `wake_worker` is called (without the lock) when a `Block` policy needs
    /// the worker to send now. The spool marks of events evicted to make room are added to
    /// `evicted`.
    pub(crate) fn push_marked(
        &self,
        stream: &str,
        event: QueuedEvent,
        policy: OverflowPolicy,
        counters: &Counters,
        wake_worker: impl Fn(),
        evicted: &mut Vec<u64>,
    ) -> Pushed {
        let held = event.held();
        let mut state = self.lock();
        if state.closed {
            return Pushed::Closed;
        }
        if self.over(&state, held) {
            match policy {
                OverflowPolicy::DropNewest => return Pushed::Full,
                OverflowPolicy::DropOldest => {
                    if !self.evict_for(&mut state, held, counters, evicted) {
                        return Pushed::Full;
                    }
                }
                OverflowPolicy::Block { timeout } => {
                    let deadline = crate::deadline::after(Instant::now(), timeout);
                    while self.over(&state, held) {
                        let now = Instant::now();
                        if now >= deadline {
                            return Pushed::Full;
                        }
                        state.room_wanted = true;
                        drop(state);
                        wake_worker();
                        state = self.lock();
                        if !self.over(&state, held) {
                            break;
                        }
                        let wait = (deadline - now).min(Duration::from_millis(50));
                        state = self
                            .room
                            .wait_timeout(state, wait)
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                        if state.closed {
                            return Pushed::Closed;
                        }
                    }
                }
            }
        }
        let wake = self.push_locked(&mut state, stream, event, held);
        self.held.store(state.held_bytes, Relaxed);
        counters.queued_events.fetch_add(1, Relaxed);
        counters.queued_bytes.fetch_add(held as u64, Relaxed);
        Pushed::Queued { wake }
    }

    /// Adds `event`, which holds `held` bytes and has room, to `stream`'s queue (the caller
    /// stores `held` and counts it). True when the worker must look now (a new deadline or a
    /// full batch).
    fn push_locked(
        &self,
        state: &mut State,
        stream: &str,
        event: QueuedEvent,
        held: usize,
    ) -> bool {
        state.held_bytes += held;
        let limits = self.limits;
        with_queue(&mut state.streams, stream, |queue| {
            push_to(queue, event, limits)
        })
    }

    /// Cuts the batches that are due: full ones always; all of a queue whose oldest event has
    /// waited `send_interval`; everything when `force` or a producer wants room. Returns them
    /// with the next instant a queue becomes due.
    pub(crate) fn take_due(
        &self,
        now: Instant,
        send_interval: Duration,
        force: bool,
    ) -> (Vec<Batch>, Option<Instant>) {
        let mut cut: Vec<(Arc<str>, VecDeque<QueuedEvent>)> = Vec::new();
        let mut next_due: Option<Instant> = None;
        {
            let mut state = self.lock();
            let force = force || std::mem::take(&mut state.room_wanted);
            let limits = self.limits;
            state.streams.retain(|stream, queue| {
                let mut cut_full = false;
                while is_full(queue.events.len(), queue.bytes, limits) {
                    let (events, bytes) = take_batch(&mut queue.events, limits);
                    queue.bytes -= bytes;
                    cut.push((stream.clone(), events));
                    cut_full = true;
                }
                if cut_full {
                    queue.oldest_at = queue.full_at.take().unwrap_or(queue.oldest_at);
                }
                if !queue.events.is_empty() {
                    let due = crate::deadline::after(queue.oldest_at, send_interval);
                    if force || due <= now {
                        while !queue.events.is_empty() {
                            let (events, bytes) = take_batch(&mut queue.events, limits);
                            queue.bytes -= bytes;
                            cut.push((stream.clone(), events));
                        }
                    } else {
                        next_due = Some(next_due.map_or(due, |d| d.min(due)));
                    }
                }
                !queue.events.is_empty()
            });
        }
        // Sorting and splitting happen outside the lock.
        let batches = cut
            .into_iter()
            .flat_map(|(stream, events)| into_batches(stream, events))
            .collect();
        (batches, next_due)
    }

    /// Gives back the room held by settled events (`bytes` as [`QueuedEvent::held`] counts
    /// them) and wakes producers waiting for it.
    pub(crate) fn release(&self, bytes: usize, events: usize, counters: &Counters) {
        {
            let mut state = self.lock();
            state.held_bytes = state.held_bytes.saturating_sub(bytes);
            self.held.store(state.held_bytes, Relaxed);
        }
        counters.queued_events.fetch_sub(events as u64, Relaxed);
        counters.queued_bytes.fetch_sub(bytes as u64, Relaxed);
        self.room.notify_all();
    }

    /// Asks the worker to send everything now (a caller waits for room elsewhere).
    pub(crate) fn want_room(&self) {
        self.lock().room_wanted = true;
    }

    /// Removes every queued event (not those in flight) and closes the queues: later pushes
    /// return [`Pushed::Closed`]. Returns (events, bytes) removed. Shutdown's last step.
    /// Refuses every push from now on ([`Pushed::Closed`]); what is queued stays.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.room.notify_all();
    }

    pub(crate) fn drain_all(&self) -> (usize, usize) {
        let mut state = self.lock();
        state.closed = true;
        let mut events = 0;
        let mut bytes = 0;
        for (_, queue) in state.streams.drain() {
            events += queue.events.len();
            bytes += queue.events.iter().map(QueuedEvent::held).sum::<usize>();
        }
        (events, bytes)
    }
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
