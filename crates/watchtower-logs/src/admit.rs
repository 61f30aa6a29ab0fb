//! Admission: what happens to a record before it is queued. An empty message is dropped,
//! an oversize one truncated, split or dropped ([`OversizePolicy`]), the stream name rendered,
//! and the event pushed to its stream's queue under the overflow policy. Every record not
//! queued is counted with its reason and warned about.

use std::cell::RefCell;
use std::sync::atomic::Ordering;

use std::time::{Duration, Instant};

use crate::config::{OverflowPolicy, OversizePolicy};
use crate::escape::unescape;
use crate::handle::LogOutcome;
use crate::hub::{Shared, DEAD, RUNNING};
use crate::queue::{PushBatch, Pushed};
use crate::record::{floor_char_boundary, now_millis, split_message, QueuedEvent, Record};
use crate::spool::{Append, Spool, NO_MARK};
use crate::stats::DropReason;
use crate::template::RenderContext;
use crate::warn::WarningKind;

thread_local! {
    static STREAM_NAME: RefCell<NameCache> = RefCell::new(NameCache::default());
}

/// The stream name last rendered on this thread, reused while what it depends on repeats (a
/// drain renders thousands of events of one logger in a row): rendering the name and
/// sanitizing the logger's name cost more than the rest of admitting an event.
#[derive(Debug, Default)]
struct NameCache {
    /// The [`Shared::id`] of the shipper whose template rendered `name` (0: none yet).
    shipper: u64,
    logger: String,
    thread: Option<String>,
    name: String,
}

impl NameCache {
    fn name(&mut self, shared: &Shared, ctx: &RenderContext<'_>) -> &str {
        let template = &shared.config.log_stream_name;
        let hit = self.shipper == shared.id
            && !template.uses_time()
            && self.logger == ctx.logger_name
            && self.thread.as_deref() == ctx.thread_name;
        if !hit {
            // No key matches a half-written name, should rendering panic.
            self.shipper = 0;
            template.render_into(&mut self.name, ctx);
            self.shipper = shared.id;
            self.logger.clear();
            self.logger.push_str(ctx.logger_name);
            self.thread = ctx.thread_name.map(str::to_owned);
        }
        &self.name
    }
}

/// Whether a record is refused once shutdown has started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accept {
    /// Refused after shutdown started ([`DropReason::AfterShutdown`]): a record logged now.
    IfRunning,
    /// Queued even while shutting down: an event handed over by a front end before.
    #[cfg_attr(not(any(feature = "log", feature = "tracing")), allow(dead_code))]
    Always,
}

impl Shared {
    /// Checks a record (empty, oversize), renders its stream name and queues it: what
    /// [`Handle::log`] does, and what the worker does with the events the front ends handed
    /// over (with [`Accept::Always`]: they were logged before any shutdown).
    pub(crate) fn log(
        &self,
        explicit_stream: Option<&str>,
        record: Record<'_>,
        accept: Accept,
    ) -> LogOutcome {
        self.log_into(explicit_stream, record, accept, None)
    }

    /// [`Shared::log`]; with `batch`, an event to queue is only added to it (unless the spool
    /// is on), and [`Shared::push_batch`] queues it, counting what it drops: then the outcome
    /// says `Queued` for it.
    pub(crate) fn log_into(
        &self,
        explicit_stream: Option<&str>,
        record: Record<'_>,
        accept: Accept,
        mut batch: Option<&mut PushBatch>,
    ) -> LogOutcome {
        let shared = self;
        let config = &shared.config;
        match batch.as_deref_mut() {
            // Counted with the batch's events, once per block (the spool queues each event
            // itself, unbatched).
            Some(batch) if self.spool.is_none() => batch.records += 1,
            _ => {
                shared.counters.records.fetch_add(1, Ordering::Relaxed);
            }
        }
        if accept == Accept::IfRunning && shared.state.load(Ordering::Relaxed) != RUNNING {
            return self.drop_after_shutdown(1);
        }
        let mut message = record.message;
        let mut escaped = record.escaped;
        if escaped.is_some_and(|len| len as usize > config.max_message_bytes())
            || (escaped.is_some() && self.spool.is_some())
        {
            // Truncating, splitting and the spool work on the text.
            message = unescape(&message);
            escaped = None;
        }
        if message.is_empty() {
            return self.drop_record(DropReason::Empty, WarningKind::EmptyMessage, || {
                "Received empty message. Empty messages cannot be sent to CloudWatch Logs".into()
            });
        }
        let timestamp_ms = record.timestamp_ms.unwrap_or_else(now_millis);
        let max = config.max_message_bytes();
        let mut outcome = LogOutcome::Queued;
        let mut parts: Vec<String> = Vec::new();
        if escaped.is_none() && message.len() > max {
            match config.oversize {
                OversizePolicy::Truncate => {
                    message.truncate(floor_char_boundary(&message, max));
                    shared.counters.truncated.fetch_add(1, Ordering::Relaxed);
                    shared.warner.warn(WarningKind::Truncated, || {
                        "Log message size exceeds CWL max payload size, truncated".into()
                    });
                    outcome = LogOutcome::Truncated;
                }
                OversizePolicy::Split => {
                    parts = split_message(&message, max);
                    shared.counters.split.fetch_add(1, Ordering::Relaxed);
                    shared.warner.warn(WarningKind::Oversize, || {
                        "Log message size exceeds CWL max payload size, split into several events"
                            .into()
                    });
                    outcome = LogOutcome::Split(parts.len());
                }
                OversizePolicy::Drop => {
                    return self.drop_record(DropReason::Oversize, WarningKind::Oversize, || {
                        format!(
                            "Log message size exceeds CWL max payload size ({} bytes), dropped",
                            config.max_message_size
                        )
                    });
                }
            }
        }
        let ctx = RenderContext {
            logger_name: record.logger_name,
            thread_name: record.thread_name,
            timestamp_ms,
        };
        let queue = &mut |stream: &str, message: String| -> Option<LogOutcome> {
            // Only a message kept whole can be escaped (`parts` are split from text).
            self.queue(stream, timestamp_ms, message, escaped, batch.as_deref_mut())
        };
        let dropped = if let Some(stream) = explicit_stream {
            self.queue_all(stream, message, parts, queue)
        } else if let Some(stream) = &shared.constant_stream {
            self.queue_all(stream, message, parts, queue)
        } else {
            // Without the cache (re-entered, or the thread's copy already destroyed: a
            // thread-local's destructor may log as the thread exits), the name is rendered
            // afresh.
            let mut pending = Some((message, parts));
            let cached = STREAM_NAME.try_with(|cache| {
                let mut cache = cache.try_borrow_mut().ok()?;
                let (message, parts) = pending.take()?;
                self.queue_all(cache.name(self, &ctx), message, parts, &mut *queue)
            });
            match pending {
                // Queued through the cache.
                None => cached.ok().flatten(),
                Some((message, parts)) => {
                    let name = config.log_stream_name.render(&ctx);
                    self.queue_all(&name, message, parts, queue)
                }
            }
        };
        dropped.unwrap_or(outcome)
    }

    fn queue_all(
        &self,
        stream: &str,
        message: String,
        parts: Vec<String>,
        queue: &mut dyn FnMut(&str, String) -> Option<LogOutcome>,
    ) -> Option<LogOutcome> {
        if parts.is_empty() {
            return queue(stream, message);
        }
        let mut first_drop = None;
        for part in parts {
            if let Some(d) = queue(stream, part) {
                first_drop.get_or_insert(d);
            }
        }
        first_drop
    }

    /// Pushes one event (spooling it first when the spool is on); `Some` when it was dropped.
    fn queue(
        &self,
        stream: &str,
        timestamp_ms: i64,
        message: String,
        escaped: Option<u32>,
        batch: Option<&mut PushBatch>,
    ) -> Option<LogOutcome> {
        let shared = self;
        if let (None, Some(batch)) = (&self.spool, batch) {
            let event = QueuedEvent {
                timestamp_ms,
                message,
                spool: NO_MARK,
                escaped,
            };
            batch.add(stream, event);
            return None;
        }
        let mark = match &self.spool {
            None => NO_MARK,
            Some(spool) => match self.spool_append(spool, stream, timestamp_ms, &message) {
                Ok(mark) => mark,
                Err(dropped) => return Some(dropped),
            },
        };
        let mut evicted = Vec::new();
        let pushed = shared.queues.push_marked(
            stream,
            QueuedEvent {
                timestamp_ms,
                message,
                spool: mark,
                escaped,
            },
            shared.config.overflow,
            &shared.counters,
            || shared.wake.notify_one(),
            &mut evicted,
        );
        if let Some(spool) = &self.spool {
            if !matches!(pushed, Pushed::Queued { .. }) {
                evicted.push(mark);
            }
            spool.settle(evicted);
        }
        match pushed {
            Pushed::Queued { wake } => {
                shared.counters.events.fetch_add(1, Ordering::Relaxed);
                if wake {
                    shared.wake.notify_one();
                }
                None
            }
            Pushed::Full => Some(self.drop_queue_full(1)),
            Pushed::Closed => Some(self.drop_after_shutdown(1)),
        }
    }

    /// Queues the events of `batch` (see [`Shared::log_into`]), counting and warning about
    /// those it drops.
    #[cfg_attr(not(any(feature = "log", feature = "tracing")), allow(dead_code))]
    pub(crate) fn push_batch(&self, batch: &mut PushBatch) {
        let records = std::mem::take(&mut batch.records);
        if records > 0 {
            self.counters.records.fetch_add(records, Ordering::Relaxed);
        }
        if batch.is_empty() {
            return;
        }
        let mut evicted = Vec::new();
        let done = self.queues.push_all(
            batch,
            self.config.overflow,
            &self.counters,
            || self.wake.notify_one(),
            &mut evicted,
        );
        // Batches are only used without the spool: no event evicted had a spool mark to settle.
        debug_assert!(evicted.is_empty());
        self.counters
            .events
            .fetch_add(done.queued as u64, Ordering::Relaxed);
        if done.wake {
            self.wake.notify_one();
        }
        if done.full > 0 {
            self.drop_queue_full(done.full as u64);
        }
        if done.closed > 0 {
            self.drop_after_shutdown(done.closed as u64);
        }
    }

    fn drop_queue_full(&self, n: u64) -> LogOutcome {
        self.drop_records(n, DropReason::QueueFull, WarningKind::QueueFull, || {
            format!(
                "the log queue is full ({} bytes queued or in flight); dropping events \
                 (see {})",
                self.config.max_queue_bytes, self.config.queue_full_advice
            )
        })
    }

    /// Appends the event to the spool; when the spool is full, `Block` waits for room (up to
    /// its timeout) and the other policies drop the event as [`DropReason::SpoolFull`].
    fn spool_append(
        &self,
        spool: &Spool,
        stream: &str,
        timestamp_ms: i64,
        message: &str,
    ) -> Result<u64, LogOutcome> {
        let deadline = match self.config.overflow {
            OverflowPolicy::Block { timeout } => {
                Some(crate::deadline::after(Instant::now(), timeout))
            }
            _ => None,
        };
        loop {
            match spool.append(stream, timestamp_ms, message) {
                Append::Spooled(mark) => return Ok(mark),
                Append::Memory => return Ok(NO_MARK),
                Append::Full => {}
            }
            let now = Instant::now();
            match deadline {
                Some(deadline) if now < deadline => {
                    self.queues.want_room();
                    self.wake.notify_one();
                    spool.wait_room((deadline - now).min(Duration::from_millis(50)));
                }
                _ => {
                    return Err(self.drop_record(
                        DropReason::SpoolFull,
                        WarningKind::SpoolFull,
                        || {
                            format!(
                            "the spool is full ({} bytes, see spool_max_bytes); dropping events",
                            spool.max_bytes()
                        )
                        },
                    ))
                }
            }
        }
    }

    /// Counts and warns about a record that came after shutdown (watchtower 3.4's words), or
    /// after the worker failed.
    fn drop_after_shutdown(&self, n: u64) -> LogOutcome {
        let dead = self.state.load(Ordering::Relaxed) == DEAD;
        let early = self.guard_dropped_early.load(Ordering::Relaxed);
        self.drop_records(
            n,
            DropReason::AfterShutdown,
            WarningKind::AfterShutdown,
            || {
                if dead {
                    "Received message after the watchtower worker failed; dropped".into()
                } else if early {
                    "Received message after logging system shutdown: the WorkerGuard was dropped \
                 before anything was logged, which stops the shipper; keep it in a named \
                 variable (`let (logs, _guard) = ...`), not `_`"
                        .into()
                } else {
                    "Received message after logging system shutdown".into()
                }
            },
        )
    }

    fn drop_record(
        &self,
        reason: DropReason,
        kind: WarningKind,
        message: impl FnOnce() -> String,
    ) -> LogOutcome {
        self.drop_records(1, reason, kind, message)
    }

    fn drop_records(
        &self,
        n: u64,
        reason: DropReason,
        kind: WarningKind,
        message: impl FnOnce() -> String,
    ) -> LogOutcome {
        let shared = self;
        shared.counters.drop_events(reason, n);
        shared.warner.warn(kind, message);
        LogOutcome::Dropped(reason)
    }
}

#[cfg(test)]
#[path = "admit_tests.rs"]
mod tests;
