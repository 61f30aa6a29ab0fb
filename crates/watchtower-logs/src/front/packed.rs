//! The form captured events wait in: a few bytes of varints per event, next to the text of the
//! block that holds their strings.
//!
//! A burst that outruns shipping waits captured, so what an event holds then is most of a
//! burst's memory. A [`PendingEvent`] is 56 bytes; packed, a typical one is 5 to 8: its
//! flags, its time as the difference from the previous event's, where its message is (from
//! the end of the previous message: usually right there), and its target and file only when
//! they differ from the previous event's. Its message's text (in the block) is the rest.
//!
//! A message like the one before it keeps only what differs (see [`super::front_coding`]).

use super::front_coding;
use super::pending::{PendingEvent, PendingExtra, Span};
use super::{Format, LevelName};

const LEVEL: u16 = 0b111;
const PLAIN: u16 = 1 << 3;
const EXTRA: u16 = 1 << 4;
const SPANS: u16 = 1 << 5;
const LINE: u16 = 1 << 6;
const NEW_TARGET: u16 = 1 << 7;
const NEW_FILE: u16 = 1 << 8;
const SHARED: u16 = 1 << 9;

/// What the next event is written against: the previous event's time, target and file, and
/// where its message ended.
#[derive(Debug, Clone, Copy)]
struct Previous {
    time_ms: i64,
    target: Span,
    file: Span,
    message_end: u32,
}

impl Default for Previous {
    fn default() -> Self {
        Previous {
            time_ms: 0,
            target: Span::ABSENT,
            file: Span::ABSENT,
            message_end: 0,
        }
    }
}

/// Captured events of one block, packed, oldest first.
#[derive(Debug)]
pub(crate) struct PackedEvents {
    bytes: Vec<u8>,
    /// The boxed extras of the events that have one, in order (moved in and out as they
    /// are, never reallocated).
    #[allow(clippy::vec_box)]
    extras: Vec<Box<PendingExtra>>,
    count: usize,
    previous: Previous,
    /// The last message kept whole: the next ones are written against it.
    reference: Span,
}

impl PackedEvents {
    /// Room for about `events` typical events.
    pub(crate) fn with_capacity(events: usize) -> Self {
        PackedEvents {
            bytes: Vec::with_capacity(events * 8),
            extras: Vec::new(),
            count: 0,
            previous: Previous::default(),
            reference: Span::ABSENT,
        }
    }

    /// How many events it holds.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Appends `event`, whose strings are in the block's `text`. When its message is the last
    /// thing in `text`, no other string of the event lies in it, and it shares enough with the
    /// reference message, only what differs stays in `text`.
    pub(crate) fn push(&mut self, mut event: PendingEvent, text: &mut String) {
        // A repeated target or file (`Span::push_repeated`) may be found inside this very
        // message: its bytes must then stay where they are. (An event outside any span has
        // an empty span list, written after the message.)
        let thread_name = event.extra.as_ref().and_then(|e| e.thread_name);
        let others = [event.target, event.file, event.spans];
        let apart = others.into_iter().chain(thread_name).all(|s| {
            // An empty string reads as empty wherever it points (`Span::get`).
            s.present()
                .is_none_or(|s| s.start == s.end || s.end <= event.message.start)
        });
        let shared = apart
            .then(|| front_coding::shorten(text, &mut event.message, self.reference))
            .flatten();
        if shared.is_none() {
            self.reference = event.message;
        }
        let previous = &mut self.previous;
        // Written to the stack, then appended at once: one capacity check per event.
        let mut out = Scratch::default();
        let mut flags = level_bits(event.level) as u16;
        // Exhaustive: a new format must get its own bits here.
        flags |= match event.format {
            Format::Json => 0,
            Format::Plain => PLAIN,
        };
        let extra = event.extra;
        flags |= if extra.is_some() { EXTRA } else { 0 };
        let spans = event.spans.present();
        flags |= if spans.is_some() { SPANS } else { 0 };
        flags |= if event.line != super::pending::NO_LINE {
            LINE
        } else {
            0
        };
        let new_target = event.target != previous.target;
        flags |= if new_target { NEW_TARGET } else { 0 };
        let new_file = event.file != previous.file;
        flags |= if new_file { NEW_FILE } else { 0 };
        flags |= if shared.is_some() { SHARED } else { 0 };
        out.bytes(&flags.to_le_bytes());
        out.signed(event.time_ms.wrapping_sub(previous.time_ms));
        let base = previous.message_end;
        out.span(event.message, base);
        if let Some((prefix, suffix)) = shared {
            out.varint(prefix as u64);
            out.varint(suffix as u64);
        }
        if let Some(spans) = spans {
            out.span(spans, base);
        }
        if new_target {
            out.span(event.target, base);
        }
        if new_file {
            out.span(event.file, base);
        }
        if flags & LINE != 0 {
            out.varint(u64::from(event.line));
        }
        self.bytes.extend_from_slice(out.written());
        if let Some(extra) = extra {
            self.extras.push(extra);
        }
        *previous = Previous {
            time_ms: event.time_ms,
            target: event.target,
            file: event.file,
            message_end: event.message.end,
        };
        self.count += 1;
    }

    /// Takes the events out, oldest first, each with its whole message (their strings are in
    /// the block's `text`), leaving it empty (its memory kept). It is empty from the start:
    /// should `each` panic, what is left is forgotten, never decoded again without its extras.
    pub(crate) fn drain(&mut self, text: &str, mut each: impl FnMut(PendingEvent, &str)) {
        let count = std::mem::take(&mut self.count);
        self.previous = Previous::default();
        self.reference = Span::ABSENT;
        let mut reference = "";
        let mut whole = String::new();
        let mut extras = self.extras.drain(..);
        let mut previous = Previous::default();
        let mut at = 0;
        let mut owned = std::mem::take(&mut self.bytes);
        let bytes: &[u8] = &owned;
        for _ in 0..count {
            let flags = u16::from_le_bytes([bytes[at], bytes[at + 1]]);
            at += 2;
            let time_ms = previous.time_ms.wrapping_add(get_signed(bytes, &mut at));
            let base = previous.message_end;
            let message = get_span(bytes, &mut at, base);
            let shared = (flags & SHARED != 0).then(|| {
                let prefix = get_varint(bytes, &mut at) as usize;
                (prefix, get_varint(bytes, &mut at) as usize)
            });
            let spans = if flags & SPANS != 0 {
                get_span(bytes, &mut at, base)
            } else {
                Span::ABSENT
            };
            let target = if flags & NEW_TARGET != 0 {
                get_span(bytes, &mut at, base)
            } else {
                previous.target
            };
            let file = if flags & NEW_FILE != 0 {
                get_span(bytes, &mut at, base)
            } else {
                previous.file
            };
            let line = if flags & LINE != 0 {
                u32::try_from(get_varint(bytes, &mut at)).unwrap_or(super::pending::NO_LINE)
            } else {
                super::pending::NO_LINE
            };
            let extra = if flags & EXTRA != 0 {
                extras.next()
            } else {
                None
            };
            previous = Previous {
                time_ms,
                target,
                file,
                message_end: message.end,
            };
            let event = PendingEvent {
                time_ms,
                target,
                message,
                spans,
                file,
                line,
                level: level_from_bits(flags & LEVEL),
                format: if flags & PLAIN != 0 {
                    Format::Plain
                } else {
                    Format::Json
                },
                extra,
            };
            match shared {
                Some((prefix, suffix)) => {
                    front_coding::expand(&mut whole, reference, message.get(text), prefix, suffix);
                    each(event, &whole);
                }
                None => {
                    reference = message.get(text);
                    each(event, reference);
                }
            }
        }
        drop(extras);
        owned.clear();
        self.bytes = owned;
    }
}

fn level_bits(level: LevelName) -> u8 {
    match level {
        LevelName::Error => 0,
        LevelName::Warn => 1,
        LevelName::Info => 2,
        LevelName::Debug => 3,
        LevelName::Trace => 4,
    }
}

fn level_from_bits(bits: u16) -> LevelName {
    match bits {
        0 => LevelName::Error,
        1 => LevelName::Warn,
        2 => LevelName::Info,
        3 => LevelName::Debug,
        _ => LevelName::Trace,
    }
}

/// The most one event's packed form takes: the flags, the time (10), the message (10), the
/// shared counts (20), the spans, target and file (10 each) and the line (5).
const MOST: usize = 2 + 10 + 10 + 20 + 30 + 5;

/// One event's packed form, written on the stack.
struct Scratch {
    buf: [u8; MOST],
    len: usize,
}

impl Default for Scratch {
    #[inline]
    fn default() -> Self {
        Scratch {
            buf: [0; MOST],
            len: 0,
        }
    }
}

impl Scratch {
    #[inline]
    fn written(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    #[inline]
    fn bytes(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    /// LEB128.
    #[inline(always)]
    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.buf[self.len] = value as u8 | 0x80;
            self.len += 1;
            value >>= 7;
        }
        self.buf[self.len] = value as u8;
        self.len += 1;
    }

    /// Zigzag, then LEB128: small differences of either sign take one byte.
    #[inline]
    fn signed(&mut self, value: i64) {
        self.varint(((value << 1) ^ (value >> 63)) as u64);
    }

    /// A span as its start relative to `base` and its length plus one (0: absent).
    #[inline(always)]
    fn span(&mut self, span: Span, base: u32) {
        match span.present() {
            Some(span) => {
                self.signed(i64::from(span.start) - i64::from(base));
                self.varint(u64::from(span.end - span.start) + 1);
            }
            None => {
                self.signed(0);
                self.varint(0);
            }
        }
    }
}

fn get_span(bytes: &[u8], at: &mut usize, base: u32) -> Span {
    let start = i64::from(base) + get_signed(bytes, at);
    match get_varint(bytes, at) {
        0 => Span::ABSENT,
        len => {
            let start = u32::try_from(start).unwrap_or(u32::MAX);
            let len = u32::try_from(len - 1).unwrap_or(u32::MAX);
            Span {
                start,
                end: start.saturating_add(len),
            }
        }
    }
}

fn get_varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let byte = bytes[*at];
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 || shift >= 63 {
            return value;
        }
        shift += 7;
    }
}

fn get_signed(bytes: &[u8], at: &mut usize) -> i64 {
    let raw = get_varint(bytes, at);
    (raw >> 1) as i64 ^ -((raw & 1) as i64)
}

#[cfg(test)]
#[path = "packed_tests.rs"]
mod tests;
