//! Records: what a front end hands to [`Handle::log`](crate::Handle::log), and the queued
//! events they become.

use std::time::{SystemTime, UNIX_EPOCH};

/// One log record: a formatted message plus what the stream name template may need.
///
/// ```
/// use watchtower_logs::Record;
/// let record = Record::new("user 42 logged in")
///     .logger_name("auth")
///     .timestamp_millis(1_700_000_000_000);
/// assert_eq!(record.message(), "user 42 logged in");
/// ```
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub(crate) message: String,
    pub(crate) timestamp_ms: Option<i64>,
    pub(crate) logger_name: &'a str,
    pub(crate) thread_name: Option<&'a str>,
    /// `Some(n)`: `message` is already escaped as the contents of a JSON string (a front end's
    /// JSON, rendered so to be escaped once, not twice), and its text is `n` bytes.
    pub(crate) escaped: Option<u32>,
}

impl<'a> Record<'a> {
    /// A record with `message`, the current time, logger name `root` and the calling thread's
    /// name.
    pub fn new(message: impl Into<String>) -> Self {
        Record {
            message: message.into(),
            timestamp_ms: None,
            logger_name: "root",
            thread_name: None,
            escaped: None,
        }
    }

    /// A record whose message is `escaped`, the contents of a JSON string whose text is
    /// `text_len` bytes (see [`crate::escape::Escaped`]).
    #[allow(dead_code)] // used by the `log` and `tracing` front ends only (and this file is also compiled into the benches)
    pub(crate) fn escaped(escaped: String, text_len: usize) -> Self {
        let mut record = Record::new(escaped);
        record.escaped = u32::try_from(text_len).ok();
        if record.escaped.is_none() {
            // Beyond any event the service takes: handled as text (truncated, split or dropped).
            record.message = crate::escape::unescape(&record.message);
        }
        record
    }

    /// Sets the `{logger_name}` value (Python's logger name, Rust's target).
    pub fn logger_name(mut self, name: &'a str) -> Self {
        self.logger_name = name;
        self
    }

    /// Sets the `{thread_name}` value; default: the name of the thread calling `log`.
    pub fn thread_name(mut self, name: &'a str) -> Self {
        self.thread_name = Some(name);
        self
    }

    /// Sets the event time in milliseconds since the Unix epoch; default: now. Negative values
    /// are sent as 0 (the service rejects negative timestamps).
    pub fn timestamp_millis(mut self, ms: i64) -> Self {
        self.timestamp_ms = Some(ms.max(0));
        self
    }

    /// Sets the event time; default: now.
    pub fn timestamp(self, time: SystemTime) -> Self {
        let ms = time
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis().min(i64::MAX as u128) as i64)
            .unwrap_or(0);
        self.timestamp_millis(ms)
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// An event waiting in a stream queue or in a batch.
#[derive(Debug, Clone)]
pub(crate) struct QueuedEvent {
    pub(crate) timestamp_ms: i64,
    /// The message's text, or (when `escaped`) that text escaped as a JSON string's contents.
    pub(crate) message: String,
    /// Where the event is in the durable spool (`u64::MAX`: not spooled).
    pub(crate) spool: u64,
    /// `Some(n)`: `message` is escaped, and its text is `n` bytes.
    pub(crate) escaped: Option<u32>,
}

impl QueuedEvent {
    /// An event whose message is its text.
    pub(crate) fn text(timestamp_ms: i64, message: String, spool: u64) -> Self {
        QueuedEvent {
            timestamp_ms,
            message,
            spool,
            escaped: None,
        }
    }

    /// Bytes of the message's text (UTF-8), escaped or not.
    pub(crate) fn text_len(&self) -> usize {
        self.escaped.map_or(self.message.len(), |n| n as usize)
    }

    /// Size as the service counts it: UTF-8 bytes plus 26.
    pub(crate) fn size(&self) -> usize {
        self.text_len() + crate::limits::EVENT_OVERHEAD_BYTES
    }

    /// Memory the event holds while queued, as counted against `max_queue_bytes`: the message's
    /// allocation as the allocator rounds it, plus this struct and its slot in a queue.
    pub(crate) fn held(&self) -> usize {
        held_for(self.message.capacity())
    }
}

/// Bytes counted per queued event on top of its message's allocation: the struct and a
/// queue's spare slot (queues grow by doubling: up to one more struct per event).
pub(crate) const QUEUED_OVERHEAD: usize = 2 * std::mem::size_of::<QueuedEvent>();

/// What an event whose message has `capacity` bytes allocated holds (see [`QueuedEvent::held`]).
pub(crate) fn held_for(capacity: usize) -> usize {
    // The allocator's chunk: the bytes plus an 8-byte header, in 16-byte steps, 32 at least.
    let chunk = if capacity == 0 {
        0
    } else {
        ((capacity + 8 + 15) & !15).max(32)
    };
    chunk + QUEUED_OVERHEAD
}

/// The largest index `<= max` that is a char boundary of `s`.
pub(crate) fn floor_char_boundary(s: &str, max: usize) -> usize {
    let mut cut = max.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
}

/// Cuts `s` into pieces of at most `max` bytes at char boundaries (`max >= 4`).
pub(crate) fn split_message(s: &str, max: usize) -> Vec<String> {
    let mut parts = Vec::with_capacity(s.len() / max + 1);
    let mut rest = s;
    while !rest.is_empty() {
        let cut = floor_char_boundary(rest, max);
        parts.push(rest[..cut].to_owned());
        rest = &rest[cut..];
    }
    parts
}
