//! An event captured on the logging thread, waiting for the worker to render it: where its
//! strings are in its block's text, its level, and the rendering into a [`Record`].

use std::cell::Cell;

use super::render::{render, render_escaped, EventParts};
use super::{Fields, Format};
use crate::admit::Accept;
use crate::hub::Shared;
use crate::queue::PushBatch;
use crate::Record;

/// Where a string of a [`PendingEvent`] is in the text of the block that holds the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(super) start: u32,
    pub(super) end: u32,
}

impl Span {
    /// The text written to `text` since it was `start` bytes long.
    #[inline]
    pub(crate) fn since(text: &str, start: usize) -> Span {
        let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            start: at(start),
            end: at(text.len()),
        }
    }

    /// Appends `value` to `text` and returns where it is.
    #[inline]
    pub(crate) fn push(text: &mut String, value: &str) -> Span {
        let start = text.len();
        text.push_str(value);
        Span::since(text, start)
    }

    /// Like [`push`](Self::push), for a string most events of a thread repeat (a target, a
    /// file name): when `text` already holds it where this thread last put the string of the
    /// same `slot`, that place is returned and nothing is appended. A burst of events waits
    /// in the block's text, so the ~50 bytes of its target and file are held once per block,
    /// not once per event. (The text is compared, so a stale place is never taken.)
    #[inline]
    pub(crate) fn push_repeated(text: &mut String, value: &str, slot: Repeated) -> Span {
        let slot = slot as usize;
        let last = RECENT.with(|recent| recent.get()[slot]);
        if !value.is_empty() && last.get(text) == value {
            return last;
        }
        let span = Span::push(text, value);
        RECENT.with(|recent| {
            let mut spans = recent.get();
            spans[slot] = span;
            recent.set(spans);
        });
        span
    }

    /// No text at all (unlike an empty span): what stands for `None` in a [`PendingEvent`].
    pub(super) const ABSENT: Span = Span {
        start: u32::MAX,
        end: 0,
    };

    /// `None` for [`ABSENT`](Self::ABSENT).
    pub(super) fn present(self) -> Option<Span> {
        (self.start <= self.end).then_some(self)
    }

    pub(super) fn get(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
}

/// What stands for "no line" in a [`PendingEvent`] (no source file has that many).
pub(super) const NO_LINE: u32 = u32::MAX;

/// Which repeated string [`Span::push_repeated`] remembers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Repeated {
    Target = 0,
    File = 1,
}

thread_local! {
    /// Where this thread last put its target and file name, per [`Repeated`] slot.
    static RECENT: Cell<[Span; 2]> = const { Cell::new([Span::ABSENT; 2]) };
}

/// An event level, as rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LevelName {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LevelName {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LevelName::Error => "ERROR",
            LevelName::Warn => "WARN",
            LevelName::Info => "INFO",
            LevelName::Debug => "DEBUG",
            LevelName::Trace => "TRACE",
        }
    }
}

/// An event captured on the logging thread, rendered later on the worker (see
/// [`crate::ingest`]). Its strings live in the text of the block that holds it; it waits
/// there packed (see [`PackedEvents`](super::PackedEvents)).
#[derive(Debug)]
pub(crate) struct PendingEvent {
    pub(super) time_ms: i64,
    pub(super) target: Span,
    pub(super) message: Span,
    /// The rendered span list (see [`render`]), [`Span::ABSENT`] for none; tracing only.
    pub(super) spans: Span,
    /// The source file, [`Span::ABSENT`] for none.
    pub(super) file: Span,
    /// The source line, [`NO_LINE`] for none.
    pub(super) line: u32,
    pub(super) level: LevelName,
    pub(super) format: Format,
    /// What most events lack.
    pub(super) extra: Option<Box<PendingExtra>>,
}

#[derive(Debug, Default)]
pub(super) struct PendingExtra {
    pub(super) fields: Fields,
    pub(super) thread_name: Option<Span>,
}

impl PendingEvent {
    #[inline]
    pub(crate) fn new(
        time_ms: i64,
        format: Format,
        level: LevelName,
        target: Span,
        message: Span,
    ) -> Self {
        PendingEvent {
            time_ms,
            target,
            message,
            spans: Span::ABSENT,
            file: Span::ABSENT,
            line: NO_LINE,
            level,
            format,
            extra: None,
        }
    }

    fn extra(&mut self) -> &mut PendingExtra {
        self.extra.get_or_insert_with(Box::default)
    }

    /// The event's fields (none by default).
    #[inline]
    pub(crate) fn with_fields(mut self, fields: Fields) -> Self {
        if !fields.0.is_empty() {
            self.extra().fields = fields;
        }
        self
    }

    /// The rendered span list (none: no `spans` key).
    #[cfg(feature = "tracing")]
    #[inline]
    pub(crate) fn with_spans(mut self, spans: Option<Span>) -> Self {
        self.spans = spans.unwrap_or(Span::ABSENT);
        self
    }

    /// The source file and line to show.
    #[inline]
    pub(crate) fn with_location(mut self, file: Option<Span>, line: Option<u32>) -> Self {
        self.file = file.unwrap_or(Span::ABSENT);
        self.line = line.unwrap_or(NO_LINE);
        self
    }

    /// Bytes the event holds outside its block's text (its boxed extras and their fields, as
    /// the allocator counts them), counted against the queue bound with the text.
    pub(crate) fn extra_bytes(&self) -> usize {
        let Some(extra) = &self.extra else { return 0 };
        std::mem::size_of::<PendingExtra>() + 16 + extra.fields.heap_bytes()
    }

    /// The logging thread's name, for the stream name template.
    pub(crate) fn set_thread_name(&mut self, name: Span) {
        self.extra().thread_name = Some(name);
    }

    /// Its message, when it was not packed against another (see
    /// [`PackedEvents::drain`](super::PackedEvents::drain), which gives each event its whole
    /// message).
    pub(crate) fn message<'a>(&self, text: &'a str) -> &'a str {
        self.message.get(text)
    }

    /// What [`render`] takes, with the strings in `text` (`no_fields` when it has none).
    fn parts<'a>(
        &'a self,
        text: &'a str,
        message: &'a str,
        no_fields: &'a Fields,
    ) -> EventParts<'a> {
        EventParts {
            time_ms: self.time_ms,
            level: self.level.as_str(),
            target: self.target.get(text),
            message,
            fields: self.extra.as_deref().map_or(no_fields, |e| &e.fields),
            file: self.file.present().map(|f| f.get(text)),
            line: (self.line != NO_LINE).then_some(self.line),
        }
    }

    /// Renders the event (its strings are in `text`, its whole `message` apart) and queues it
    /// through `shared` (adds it to `batch`, when given: see [`Shared::log_into`]).
    pub(crate) fn log(
        &self,
        text: &str,
        message: &str,
        shared: &Shared,
        accept: Accept,
        batch: Option<&mut PushBatch>,
    ) {
        let no_fields = Fields::default();
        let parts = self.parts(text, message, &no_fields);
        let spans = self.spans.present().map(|s| s.get(text));
        // JSON goes to the queue already escaped for the request body: escaped once, not twice.
        let record = match self.format {
            // With the spool on, the text: the spool writes it (see `Shared::log_into`).
            Format::Json if shared.spool.is_none() => {
                let (escaped, text_len) = render_escaped(&parts, spans);
                Record::escaped(escaped, text_len)
            }
            format => Record::new(render(format, &parts, spans)),
        };
        let mut record = record
            .logger_name(parts.target)
            .timestamp_millis(self.time_ms);
        if let Some(name) = self.extra.as_deref().and_then(|e| e.thread_name) {
            record = record.thread_name(name.get(text));
        }
        shared.log_into(None, record, accept, batch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_string_is_held_once_per_text() {
        let mut text = String::new();
        let first = Span::push_repeated(&mut text, "my_app::db", Repeated::Target);
        let file = Span::push_repeated(&mut text, "src/db.rs", Repeated::File);
        text.push_str("a message");
        let again = Span::push_repeated(&mut text, "my_app::db", Repeated::Target);
        assert_eq!(again, first);
        assert_eq!(
            Span::push_repeated(&mut text, "src/db.rs", Repeated::File),
            file
        );
        assert_eq!(text, "my_app::dbsrc/db.rsa message");
        // Another string, or another text (a new block), is appended.
        let other = Span::push_repeated(&mut text, "my_app::http", Repeated::Target);
        assert_eq!(other.get(&text), "my_app::http");
        let mut block = String::from("0123456789");
        let there = Span::push_repeated(&mut block, "my_app::http", Repeated::Target);
        assert_eq!(there.get(&block), "my_app::http");
        assert_eq!(block.len(), 22);
    }

    #[test]
    fn a_captured_event_is_small_while_built() {
        // Packed in its block (`packed.rs`); this is its size on the stack, which the
        // packed form's documentation quotes.
        assert!(std::mem::size_of::<PendingEvent>() <= 56);
    }

    #[test]
    fn line_zero_is_a_line_and_absent_is_none() {
        let text = "targetsrc/a.rs";
        let no_fields = Fields::default();
        let event = |line| {
            let target = Span { start: 0, end: 6 };
            let message = Span { start: 6, end: 6 };
            PendingEvent::new(0, Format::Json, LevelName::Info, target, message)
                .with_location(Some(Span { start: 6, end: 14 }), line)
        };
        let zero = event(Some(0));
        let parts = zero.parts(text, "", &no_fields);
        assert_eq!((parts.file, parts.line), (Some("src/a.rs"), Some(0)));
        assert!(render(Format::Json, &parts, None).contains(r#""line":0"#));
        let none = event(None);
        let parts = none.parts(text, "", &no_fields);
        assert_eq!(parts.line, None);
        assert!(!render(Format::Json, &parts, None).contains(r#""line""#));
    }

    #[test]
    fn absent_strings_differ_from_empty_ones() {
        let text = "abc";
        assert_eq!(Span::ABSENT.present(), None);
        let empty = Span::since(text, 3);
        assert_eq!(empty.present().map(|s| s.get(text)), Some(""));
    }
}
