//! `DropOldest`: making room by evicting the oldest queued events (the earliest timestamps at
//! the fronts of the streams' queues), each counted as dropped for a full queue.

use super::*;

impl Queues {
    /// Evicts the oldest queued events until `held` more bytes fit; false when everything held
    /// is in flight (nothing to evict).
    pub(super) fn evict_for(
        &self,
        state: &mut State,
        held: usize,
        counters: &Counters,
        evicted: &mut Vec<u64>,
    ) -> bool {
        while self.over(state, held) {
            if !evict_oldest(state, &self.held, counters, evicted) {
                return false;
            }
        }
        true
    }
}

/// Drops the oldest queued event (the earliest timestamp at the front of a stream's queue);
/// false when no queue holds any.
fn evict_oldest(
    state: &mut State,
    mirror: &AtomicUsize,
    counters: &Counters,
    evicted: &mut Vec<u64>,
) -> bool {
    let oldest = state
        .streams
        .iter()
        .filter_map(|(name, q)| q.events.front().map(|e| (e.timestamp_ms, name.clone())))
        .min_by_key(|(timestamp, _)| *timestamp);
    let Some((_, name)) = oldest else {
        return false;
    };
    let Some(queue) = state.streams.get_mut(&name) else {
        return false;
    };
    let Some(event) = queue.events.pop_front() else {
        return false;
    };
    if event.spool != u64::MAX {
        evicted.push(event.spool);
    }
    queue.bytes -= event.size();
    if queue.events.is_empty() {
        state.streams.remove(&name);
    }
    let held = event.held();
    state.held_bytes -= held;
    mirror.store(state.held_bytes, Relaxed);
    counters.queued_events.fetch_sub(1, Relaxed);
    counters.queued_bytes.fetch_sub(held as u64, Relaxed);
    counters.evicted.fetch_add(1, Relaxed);
    counters.drop_events(crate::stats::DropReason::QueueFull, 1);
    true
}
