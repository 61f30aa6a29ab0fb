//! A block of events captured on a logging thread: their strings in one text, the events
//! packed beside it ([`PackedEvents`]), a message like the one before it as only what differs.
//! A thread's buffer (see [`crate::ingest`]) grows by blocks; a block's text starts small and
//! doubles up to [`BLOCK_TEXT`].

use crate::front::PackedEvents;

/// A block holds this many events, or about this much text.
pub(crate) const BLOCK_EVENTS: usize = 1024;
pub(crate) const BLOCK_TEXT: usize = 128 * 1024;
/// Room left for one more event's text before a block counts as full.
const BLOCK_MARGIN: usize = 8 * 1024;
/// The text a new block starts with: it doubles as needed, up to [`BLOCK_TEXT`]. Messages
/// like their neighbours keep a few bytes each (see [`PackedEvents::push`]), so most blocks of
/// a burst never grow, and a burst's untouched room is not held.
const FIRST_TEXT: usize = 16 * 1024;

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
            text: String::with_capacity(FIRST_TEXT),
            events: PackedEvents::with_capacity(BLOCK_EVENTS),
            used: 0,
        }
    }

    /// Appends `event`, captured into the block's text (see [`PackedEvents::push`]).
    pub(crate) fn push(&mut self, event: crate::front::PendingEvent) {
        self.events.push(event, &mut self.text);
    }

    /// Full once it holds [`BLOCK_EVENTS`], or once the next event might take its text past
    /// [`BLOCK_TEXT`] (the text would double again, to twice what it needs).
    pub(crate) fn is_full(&self) -> bool {
        self.events.len() >= BLOCK_EVENTS || self.text.len() + BLOCK_MARGIN > BLOCK_TEXT
    }
}
