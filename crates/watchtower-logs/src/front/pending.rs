//! An event captured on the logging thread, waiting for the worker to render it: where its
//! strings are in its block's text, its level, and the rendering into a [`Record`].

use super::render::{render, EventParts};
use super::{Fields, Format};
use crate::admit::Accept;
use crate::hub::Shared;
use crate::Record;

/// Where a string of a [`PendingEvent`] is in the text of the block that holds the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
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

    fn get(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
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
/// [`crate::ingest`]). Its strings live in the text of the block that holds it. Kept small
/// (48 bytes): a burst of events faster than they ship is held in this form.
#[derive(Debug)]
pub(crate) struct PendingEvent {
    time_ms: i64,
    target: Span,
    message: Span,
    /// The rendered span list (see [`render`]); tracing only.
    spans: Option<Span>,
    level: LevelName,
    format: Format,
    /// What most events lack.
    extra: Option<Box<PendingExtra>>,
}

#[derive(Debug, Default)]
struct PendingExtra {
    fields: Fields,
    file: Option<Span>,
    line: Option<u32>,
    thread_name: Option<Span>,
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
            spans: None,
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
        self.spans = spans;
        self
    }

    /// The source file and line to show.
    #[inline]
    pub(crate) fn with_location(mut self, file: Option<Span>, line: Option<u32>) -> Self {
        if file.is_some() || line.is_some() {
            let extra = self.extra();
            extra.file = file;
            extra.line = line;
        }
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

    /// Renders the event (its strings are in `text`) and queues it through `shared`.
    pub(crate) fn log(&self, text: &str, shared: &Shared, accept: Accept) {
        let no_fields = Fields::default();
        let extra = self.extra.as_deref();
        let target = self.target.get(text);
        let parts = EventParts {
            time_ms: self.time_ms,
            level: self.level.as_str(),
            target,
            message: self.message.get(text),
            fields: extra.map_or(&no_fields, |e| &e.fields),
            file: extra.and_then(|e| e.file).map(|f| f.get(text)),
            line: extra.and_then(|e| e.line),
        };
        let spans = self.spans.map(|s| s.get(text));
        let mut record = Record::new(render(self.format, &parts, spans))
            .logger_name(target)
            .timestamp_millis(self.time_ms);
        if let Some(name) = extra.and_then(|e| e.thread_name) {
            record = record.thread_name(name.get(text));
        }
        shared.log(None, record, accept);
    }
}
