//! The start-up replay's stage: a thread feeds the events the spool replays (left by processes
//! that died) into the queues, waiting for room when they are full, until the queues close.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::config::OverflowPolicy;
use crate::hub::Shared;
use crate::queue::Pushed;
use crate::record::QueuedEvent;

impl Shared {
    /// Starts replaying the spool's orphaned segments, if there is a spool.
    pub(crate) fn start_replay(self: &Arc<Self>) {
        let Some(spool) = self.spool.clone() else {
            return;
        };
        let shared = self.clone();
        let spawned = crate::thread::spawn("watchtower-spool-replay", move || {
            let spool = shared.spool.clone();
            if let Some(spool) = spool {
                spool.replay(&mut |stream, ts, message, mark| {
                    shared.requeue(stream, ts, message, mark)
                });
            }
        });
        if spawned.is_err() {
            spool.skip_replay();
        }
    }

    /// Queues one replayed event, waiting for room; false once the queues are closed.
    fn requeue(&self, stream: &str, timestamp_ms: i64, message: String, mark: u64) -> bool {
        let wait = OverflowPolicy::Block {
            timeout: Duration::from_secs(1),
        };
        loop {
            let mut evicted = Vec::new();
            let pushed = self.queues.push_marked(
                stream,
                QueuedEvent::text(timestamp_ms, message.clone(), mark),
                wait,
                &self.counters,
                || self.wake.notify_one(),
                &mut evicted,
            );
            if let Some(spool) = &self.spool {
                spool.settle(evicted);
            }
            match pushed {
                Pushed::Queued { wake } => {
                    self.counters.events.fetch_add(1, Ordering::Relaxed);
                    if wake {
                        self.wake.notify_one();
                    }
                    return true;
                }
                Pushed::Full if self.state.load(Ordering::SeqCst) != crate::hub::DEAD => {}
                Pushed::Full | Pushed::Closed => return false,
            }
        }
    }
}
