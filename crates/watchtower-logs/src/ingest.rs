//! The hand-off from the `log` and `tracing` front ends to the worker: one buffer per logging
//! thread.
//!
//! Rendering an event (JSON escaping, the timestamp, the stream name) and queueing it under the
//! queues' shared lock cost several times more than capturing it. So the front ends only
//! capture, on the logging thread: the time, the level, the target, the formatted message and
//! the fields, appended to a buffer that belongs to the thread ([`Ingest::hand_over`]). Its lock
//! is uncontended but for the worker, which takes whole buffers every [`DRAIN_INTERVAL`](crate::drainer::DRAIN_INTERVAL) while
//! events come in (at once when a buffer holds a batch's worth, and on flush and shutdown),
//! then renders the events and queues them as [`Handle::log`](crate::Handle::log) does
//! ([`Ingest::drain`]). Each thread's events keep their order.
//!
//! Buffered events count against `max_queue_bytes`: a thread reserves room in the queues'
//! bound by the chunk before it buffers, and a drain gives a block's room back just before it
//! queues the block's events (so that what is buffered and what is queued never count twice
//! or not at all). When the queues are too full to grant a chunk, or the overflow policy is
//! [`Block`](crate::OverflowPolicy::Block) (the worker must never wait for room), the front
//! end renders and queues on its own thread instead, where the overflow policy applies
//! exactly. (Then, and only then, a thread's newest events can reach the queues before older
//! ones a drain is still rendering.)
//!
//! A drain renders only as fast as batches are sealed ([`AHEAD_BATCHES`]): a rendered event
//! holds several times what it held captured (a few packed bytes, and its message's text, or
//! only what differs from a like message before it: see [`crate::captured`]), so a burst
//! waits in its captured form. (A drain
//! waiting so keeps its room reserved, which makes the window above a little longer.)
//!
//! Shutdown: the worker drains the buffers until nothing more arrives, then closes the queues;
//! a thread that finds shutdown started after it buffered an event queues its buffer itself,
//! so every event is delivered, or counted as logged after shutdown.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::admit::Accept;
use crate::captured::{Block, BLOCK_TEXT};
use crate::config::{Config, OverflowPolicy};
use crate::front::{PendingEvent, Span};
use crate::hub::{Shared, RUNNING};
use crate::queue::PushBatch;

/// Bytes counted per buffered event on top of its captured text: the service's 26 plus the
/// JSON around the message.
const EVENT_ESTIMATE: usize = 26 + 96;

/// The largest reservation a thread takes at once.
const MAX_CHUNK: usize = 256 * 1024;

/// How far a drain renders ahead of sealing, in batches of `max_batch_size` (see
/// [`InFlight::wait_for_sealing`](crate::inflight::InFlight::wait_for_sealing)).
const AHEAD_BATCHES: usize = 4;

/// The longest a drain waits for sealing before each block (then it renders anyway).
const MAX_PACE_WAIT: Duration = Duration::from_millis(100);

/// Emptied blocks a buffer keeps for reuse (their memory is warm; fresh memory page-faults):
/// about 300 KiB per logging thread, outside the queue bound (a fixed cost per thread).
const MAX_SPARE_BLOCKS: usize = 2;

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's buffers, one per running shipper it has logged to.
    static BUFFERS: RefCell<Vec<Arc<ThreadBuffer>>> = const { RefCell::new(Vec::new()) };
}

/// Renders and queues every event of `blocks`, in order, giving back the room `reserved` for
/// them block by block just before the block's events enter the queues, and freeing each block
/// once queued (so that no block is counted neither as buffered nor as queued while it is
/// alive, but the one being queued). Returns up to [`MAX_SPARE_BLOCKS`] emptied blocks for
/// reuse. An event whose rendering panics is counted as
/// [`DropReason::WorkerFailed`](crate::DropReason::WorkerFailed); the others go on. With
/// `pace` (the worker's drains), each block waits until sealing has caught up.
fn log_all(
    blocks: Vec<Block>,
    mut reserved: usize,
    shared: &Shared,
    accept: Accept,
    pace: bool,
) -> Vec<Block> {
    let mut spare = Vec::new();
    let ahead = AHEAD_BATCHES.saturating_mul(shared.config.max_batch_size);
    let queued = || shared.counters.queued_bytes.load(Ordering::Relaxed) as usize;
    // A block's events are queued together at its end (see `queue::push_all`), unless the
    // spool is on (each is spooled, then queued, as it is rendered).
    let mut batch = PushBatch::default();
    for mut block in blocks {
        if pace {
            shared
                .inflight
                .wait_for_sealing(queued, ahead, MAX_PACE_WAIT);
        }
        let room = block.used.min(reserved);
        reserved -= room;
        if shared.spool.is_some() {
            shared.queues.unreserve(room);
        }
        let text = &block.text;
        block.events.drain(text, |event, message| {
            let logged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                event.log(text, message, shared, accept, Some(&mut batch))
            }));
            if let Err(panic) = logged {
                shared.event_failed(&crate::hub::panic_text(panic.as_ref()));
            }
        });
        if shared.spool.is_none() {
            // The block's room is given back just before its events count as queued.
            shared.queues.unreserve(room);
            shared.push_batch(&mut batch);
        }
        if spare.len() < MAX_SPARE_BLOCKS && block.text.capacity() <= BLOCK_TEXT {
            block.text.clear();
            block.used = 0;
            spare.push(block);
        }
    }
    shared.queues.unreserve(reserved);
    spare
}

/// The per-thread buffers of one shipper.
#[derive(Debug)]
pub(crate) struct Ingest {
    id: u64,
    /// False with the `Block` policy: every event is then queued on its own thread.
    enabled: bool,
    /// Whether the stream name template needs the logging thread's name.
    thread_name: bool,
    buffers: Mutex<Vec<Arc<ThreadBuffer>>>,
    /// A thread has registered a buffer (the worker has something to drain).
    used: AtomicBool,
    /// The worker drains on a timer (or a thread has already woken it).
    armed: AtomicBool,
    chunk: usize,
    /// A buffer holding this many events or bytes wakes the worker at once.
    full_count: usize,
    full_bytes: usize,
}

#[derive(Debug)]
struct ThreadBuffer {
    ingest_id: u64,
    state: Mutex<BufferState>,
}

#[derive(Debug, Default)]
struct BufferState {
    /// The events, oldest first; new ones go to the last block.
    blocks: Vec<Block>,
    /// Emptied blocks kept for reuse.
    spare: Vec<Block>,
    events: usize,
    /// Bytes this buffer reserved, and how many of them its events use.
    reserved: usize,
    used: usize,
    /// Already woke the worker for being full.
    nudged: bool,
}

impl ThreadBuffer {
    fn lock(&self) -> MutexGuard<'_, BufferState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl BufferState {
    /// The block new events go to.
    fn current(&mut self) -> &mut Block {
        if self.blocks.last().is_none_or(Block::is_full) {
            let block = self.spare.pop().unwrap_or_else(Block::new);
            self.blocks.push(block);
        }
        let last = self.blocks.len() - 1;
        &mut self.blocks[last]
    }
}

impl Ingest {
    pub(crate) fn new(config: &Config) -> Self {
        Ingest {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            enabled: !matches!(config.overflow, OverflowPolicy::Block { .. }),
            thread_name: config.log_stream_name.uses_thread_name(),
            buffers: Mutex::new(Vec::new()),
            used: AtomicBool::new(false),
            armed: AtomicBool::new(false),
            chunk: (config.max_queue_bytes / 32).min(MAX_CHUNK),
            full_count: config.max_batch_count,
            full_bytes: config.max_batch_size,
        }
    }

    /// Whether any thread has handed events over yet.
    pub(crate) fn has_buffers(&self) -> bool {
        self.used.load(Ordering::Relaxed)
    }

    /// Whether the worker should drain on a timer.
    pub(crate) fn is_armed(&self) -> bool {
        self.armed.load(Ordering::SeqCst)
    }

    /// Worker side: sets whether the worker drains on a timer (the [`Drainer`](crate::drainer::Drainer) arms it while
    /// events come in and disarms it once idle).
    pub(crate) fn set_armed(&self, armed: bool) {
        self.armed.store(armed, Ordering::SeqCst);
    }

    /// Hands one event to the worker. `capture` appends the event's text to `text` and returns
    /// the event pointing into it, or `None` to log nothing (its text is then discarded).
    pub(crate) fn hand_over(
        &self,
        shared: &Shared,
        capture: impl FnOnce(&mut String) -> Option<PendingEvent>,
    ) {
        let mut capture = Some(capture);
        if self.enabled && shared.state.load(Ordering::Relaxed) == RUNNING {
            // Fails while the thread is exiting (its buffers are gone) or when re-entered.
            let _ = BUFFERS.try_with(|list| {
                let Ok(mut list) = list.try_borrow_mut() else {
                    return;
                };
                let buffer = match list.iter().position(|b| b.ingest_id == self.id) {
                    Some(i) => &list[i],
                    None => {
                        // Forget the buffers of shippers that are gone.
                        list.retain(|b| Arc::strong_count(b) > 1);
                        let buffer = Arc::new(ThreadBuffer {
                            ingest_id: self.id,
                            state: Mutex::new(BufferState::default()),
                        });
                        self.lock_buffers().push(buffer.clone());
                        self.used.store(true, Ordering::Relaxed);
                        list.push(buffer);
                        &list[list.len() - 1]
                    }
                };
                if let Some(capture) = capture.take() {
                    self.push(shared, buffer, capture);
                }
            });
        }
        if let Some(capture) = capture {
            // Not buffered: render and queue now, on this thread.
            let mut text = String::new();
            if let Some(event) = self.capture(&mut text, capture) {
                event.log(&text, event.message(&text), shared, Accept::IfRunning, None);
            }
        }
    }

    fn capture(
        &self,
        text: &mut String,
        capture: impl FnOnce(&mut String) -> Option<PendingEvent>,
    ) -> Option<PendingEvent> {
        let start = text.len();
        let Some(mut event) = capture(text) else {
            text.truncate(start);
            return None;
        };
        if self.thread_name {
            let current = std::thread::current();
            event.set_thread_name(Span::push(text, current.name().unwrap_or("unnamed")));
        }
        Some(event)
    }

    fn push(
        &self,
        shared: &Shared,
        buffer: &ThreadBuffer,
        capture: impl FnOnce(&mut String) -> Option<PendingEvent>,
    ) {
        let mut state = buffer.lock();
        let block = state.current();
        let start = block.text.len();
        let Some(event) = self.capture(&mut block.text, capture) else {
            return;
        };
        let size = block.text.len() - start + event.extra_bytes() + EVENT_ESTIMATE;
        block.push(event);
        block.used += size;
        state.events += 1;
        if state.used + size > state.reserved && !self.reserve(shared, &mut state, size) {
            // No room to buffer: queue this thread's events now, in order, where the overflow
            // policy decides.
            let (blocks, reserved) = self.take(&mut state);
            drop(state);
            let spare = log_all(blocks, reserved, shared, Accept::Always, false);
            self.recycle(buffer, spare);
            return;
        }
        state.used += size;
        let full =
            !state.nudged && (state.events >= self.full_count || state.used >= self.full_bytes);
        state.nudged |= full;
        drop(state);
        // Arm the worker's drain timer if it is not (one load on the hot path), and wake it
        // when this is the first event since it went idle or the buffer holds a batch.
        if full || !self.armed.load(Ordering::SeqCst) {
            let was_armed = self.armed.swap(true, Ordering::SeqCst);
            if full || !was_armed {
                shared.wake.notify_one();
            }
        }
        // Shutdown started meanwhile, and the worker may have drained for the last time: queue
        // what is still here now (delivered if shutdown is still sending, counted as after
        // shutdown once it has closed the queues).
        if shared.state.load(Ordering::SeqCst) != RUNNING {
            let (blocks, reserved) = self.take(&mut buffer.lock());
            log_all(blocks, reserved, shared, Accept::Always, false);
        }
    }

    /// Reserves room for at least `size` more bytes in `state`; false when the queues are too
    /// full.
    fn reserve(&self, shared: &Shared, state: &mut BufferState, size: usize) -> bool {
        let chunk = self.chunk.max(size);
        if !shared.queues.reserve(chunk) {
            return false;
        }
        state.reserved += chunk;
        true
    }

    /// Takes a buffer's events with the room it reserved for them, which the caller gives back
    /// as it queues them ([`log_all`]); the thread reserves again for its next ones.
    fn take(&self, state: &mut BufferState) -> (Vec<Block>, usize) {
        let blocks = std::mem::take(&mut state.blocks);
        let reserved = std::mem::take(&mut state.reserved);
        state.events = 0;
        state.used = 0;
        state.nudged = false;
        (blocks, reserved)
    }

    /// Keeps emptied blocks for the thread's next events.
    fn recycle(&self, buffer: &ThreadBuffer, mut spare: Vec<Block>) {
        let mut state = buffer.lock();
        let room = MAX_SPARE_BLOCKS.saturating_sub(state.spare.len());
        spare.truncate(room);
        state.spare.append(&mut spare);
    }

    fn lock_buffers(&self) -> MutexGuard<'_, Vec<Arc<ThreadBuffer>>> {
        self.buffers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Worker side: takes every buffer, renders and queues its events (even while shutting
    /// down: they were logged before). Returns how many events it queued. Runs on a blocking
    /// thread: a buffer's lock may be held while its thread formats a message.
    pub(crate) fn drain(&self, shared: &Shared) -> usize {
        // The list is copied so that no lock is held across the buffers' locks (a thread that
        // registers while another formats under its buffer's lock must not wait for us).
        let buffers = self.lock_buffers().clone();
        let mut gone = Vec::new();
        let mut events = 0;
        for buffer in &buffers {
            let mut state = buffer.lock();
            // Only the list and this copy hold it: its thread has exited.
            if Arc::strong_count(buffer) == 2 {
                gone.push(buffer.clone());
            }
            if state.events == 0 {
                // Give back an idle thread's reservation.
                if state.reserved > 0 {
                    let (_, reserved) = self.take(&mut state);
                    shared.queues.unreserve(reserved);
                }
                continue;
            }
            let (blocks, reserved) = self.take(&mut state);
            drop(state);
            events += blocks.iter().map(|b| b.events.len()).sum::<usize>();
            let spare = log_all(blocks, reserved, shared, Accept::Always, true);
            self.recycle(buffer, spare);
        }
        if !gone.is_empty() {
            self.lock_buffers()
                .retain(|b| !gone.iter().any(|g| Arc::ptr_eq(b, g)));
        }
        events
    }
}
