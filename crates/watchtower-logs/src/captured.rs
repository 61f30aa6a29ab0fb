//! A block of events captured on a logging thread: their strings in one text, the events
//! packed beside it ([`PackedEvents`]). A thread's buffer (see [`crate::ingest`]) grows by
//! blocks, never by copying what it holds.

use crate::front::PackedEvents;

/// A block holds this many events, or about this much text.
pub(crate) const BLOCK_EVENTS: usize = 1024;
pub(crate) const BLOCK_TEXT: usize = 128 * 1024;
/// Room left for one more event's text before a block counts as full.
const BLOCK_MARGIN: usize = 8 * 1024;

/// Captured events and the text their messages, fields and names point into.
#[derive(Debug)]
pub(crate) struct Block {
    pub(crate) text: String,
    pub(crate) events: PackedEvents,
    /// Room its events use of the thread's reservation.
    pub(crate) used: usize,
}

impl Block {
    pub(crate) fn new() -> Self {
        Block {
            text: String::with_capacity(BLOCK_TEXT),
            events: PackedEvents::with_capacity(BLOCK_EVENTS),
            used: 0,
        }
    }

    /// Full once the next event might not fit: a `String` that grows doubles its allocation
    /// (and copies what it holds), which would leave half of every block unused.
    pub(crate) fn is_full(&self) -> bool {
        self.events.len() >= BLOCK_EVENTS || self.text.len() + BLOCK_MARGIN > BLOCK_TEXT
    }
}
