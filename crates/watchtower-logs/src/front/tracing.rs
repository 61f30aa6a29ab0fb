//! A [`tracing_subscriber::Layer`] that ships each event to CloudWatch Logs (feature `tracing`).
//!
//! [`CloudWatchLayer`] composes with `EnvFilter`, `fmt` and any other layer. Each event becomes
//! one CloudWatch event: by default a JSON object with the event's time, level, target,
//! message, fields and the current span stack with the spans' fields ([`Format::Json`]), or a
//! line of text ([`Format::Plain`]). The CloudWatch timestamp is the time the event happened,
//! and the stream name template's `{logger_name}` is the event's target.
//!
//! The logging thread only captures the event (its time, level, target, formatted message,
//! fields and current spans) into a buffer of its own; the worker renders and queues it.
//!
//! Under pressure it behaves like the core: recording an event never waits on the network;
//! when the queue is full the event is dropped and counted (see
//! [`OverflowPolicy`](crate::OverflowPolicy)), and [`Handle::stats`] says so.
//!
//! Shipping never feeds itself: events emitted on the worker's threads (the AWS SDK, hyper,
//! rustls while sending) and events emitted while this layer is already handing one over are
//! skipped, with no configuration; every other event is shipped, whatever its target
//! (`tower_http` access logs included). The layer only skips them for itself: other layers
//! (`fmt`, say) still see them.
//!
//! ```no_run
//! use tracing_subscriber::prelude::*;
//! use watchtower_logs::Config;
//!
//! let config = Config::builder()
//!     .log_group_name("my-service")
//!     .log_stream_name("{machine_name}/{logger_name}")
//!     .build()?;
//! let (cloudwatch, _guard) = watchtower_logs::tracing::layer(config)?;
//! tracing_subscriber::registry()
//!     .with(tracing_subscriber::EnvFilter::new("info"))
//!     .with(tracing_subscriber::fmt::layer())
//!     .with(cloudwatch.with_file(true).with_line_number(true))
//!     .init();
//!
//! let span = tracing::info_span!("request", id = 42);
//! let _entered = span.enter();
//! tracing::info!(rows = 3, table = "users", "query done");
//! // `_guard` flushes everything when `main` returns.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::SystemTime;

use ::tracing_core::span::{Attributes, Id, Record as SpanRecord};
use ::tracing_core::{Event, Level, Subscriber};
use ::tracing_subscriber::layer::{Context, Layer};
use ::tracing_subscriber::registry::LookupSpan;

use super::tracing_fields::FieldVisitor;
use super::{
    entered, json_span, millis, must_skip_thread, plain_span, Fields, LevelName, PendingEvent,
    Repeated, Span,
};
use crate::{Config, Handle, StartError, WorkerGuard};

pub use super::Format;

/// Starts the shipper for `config` and returns a [`CloudWatchLayer`] logging through it, with
/// the guard that flushes and stops it when dropped. Same as [`CloudWatchLayer::start`].
///
/// Keep the guard in a named variable (`_guard`, not `_`) until the program ends.
pub fn layer(config: Config) -> Result<(CloudWatchLayer, WorkerGuard), StartError> {
    CloudWatchLayer::start(config)
}

/// Ships tracing events to CloudWatch Logs through a [`Handle`]. See the [module
/// docs](self).
///
/// Options (each with its default): [`with_format`](Self::with_format) (JSON),
/// [`with_spans`](Self::with_spans) (on), [`with_file`](Self::with_file) and
/// [`with_line_number`](Self::with_line_number) (off).
#[derive(Debug, Clone)]
pub struct CloudWatchLayer {
    handle: Handle,
    format: Format,
    spans: bool,
    file: bool,
    line: bool,
}

/// A span's fields, recorded when it was created and on each `record`, kept in the span's
/// extensions.
#[derive(Debug)]
struct SpanFields(Fields);

// === impl CloudWatchLayer ===

impl CloudWatchLayer {
    /// A layer logging through `handle` (from [`Config::start`]), with the default options.
    pub fn new(handle: Handle) -> Self {
        CloudWatchLayer {
            handle,
            format: Format::Json,
            spans: true,
            file: false,
            line: false,
        }
    }

    /// Starts the shipper for `config`; returns the layer and the guard that flushes and stops
    /// the shipper when dropped.
    ///
    /// ```no_run
    /// use watchtower_logs::{tracing::CloudWatchLayer, Config, Format};
    ///
    /// let (layer, _guard) = CloudWatchLayer::start(Config::builder().build()?)?;
    /// let layer = layer.with_format(Format::Plain);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start(config: Config) -> Result<(Self, WorkerGuard), StartError> {
        let (handle, guard) = config.start()?;
        Ok((CloudWatchLayer::new(handle), guard))
    }

    /// How events are rendered. Default [`Format::Json`].
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Whether the current spans (with their fields) are included. Default `true`.
    pub fn with_spans(mut self, spans: bool) -> Self {
        self.spans = spans;
        self
    }

    /// Whether the source file of the event is included (when known). Default `false`.
    pub fn with_file(mut self, file: bool) -> Self {
        self.file = file;
        self
    }

    /// Whether the source line of the event is included (when known). Default `false`.
    pub fn with_line_number(mut self, line: bool) -> Self {
        self.line = line;
        self
    }

    /// The handle events are logged through (for [`Handle::flush`] and [`Handle::stats`]).
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Appends the current spans (see [`render`](super::render)) to `text`; `None` when
    /// spans are off.
    fn render_spans<S>(
        &self,
        event: &Event<'_>,
        ctx: &Context<'_, S>,
        text: &mut String,
    ) -> Option<Span>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        if !self.spans {
            return None;
        }
        let start = text.len();
        if let Some(scope) = ctx.event_scope(event) {
            for (i, span) in scope.from_root().enumerate() {
                let extensions = span.extensions();
                let fields = extensions.get::<SpanFields>().map(|f| &f.0);
                match self.format {
                    Format::Json => {
                        if i > 0 {
                            text.push(',');
                        }
                        json_span(text, span.name(), fields);
                    }
                    Format::Plain => plain_span(text, span.name(), fields),
                }
            }
        }
        Some(Span::since(text, start))
    }

    /// Captures `event` into `text` for the worker to render.
    fn capture<S>(
        &self,
        event: &Event<'_>,
        ctx: &Context<'_, S>,
        time_ms: i64,
        bridged: bool,
        text: &mut String,
    ) -> Option<PendingEvent>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let meta = event.metadata();
        // Every field but the message, allocated once.
        let mut fields = Fields::with_capacity(meta.fields().len().saturating_sub(1));
        let mut visitor = FieldVisitor::new(&mut fields, Some(text));
        visitor.bridged = bridged;
        event.record(&mut visitor);
        let FieldVisitor {
            message,
            log_target,
            log_file,
            log_line,
            ..
        } = visitor;
        let message = message.unwrap_or_else(|| Span::since(text, text.len()));
        let target = match &log_target {
            Some(target) => Span::push(text, target),
            None => Span::push_repeated(text, meta.target(), Repeated::Target),
        };
        // For bridged records, the record's own location (the event's is tracing-log's).
        let file = if !self.file {
            None
        } else if let Some(file) = log_file.filter(|_| bridged) {
            Some(Span::push(text, &file))
        } else {
            meta.file()
                .map(|file| Span::push_repeated(text, file, Repeated::File))
        };
        let line = if !self.line {
            None
        } else if bridged {
            log_line.or(meta.line())
        } else {
            meta.line()
        };
        let spans = self.render_spans(event, ctx, text);
        let level = level_name(*meta.level());
        Some(
            PendingEvent::new(time_ms, self.format, level, target, message)
                .with_fields(fields)
                .with_spans(spans)
                .with_location(file, line),
        )
    }
}

impl<S> Layer<S> for CloudWatchLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    // Skipping is done here, never in `enabled`/`register_callsite`: those would disable the
    // events for every layer of the subscriber, `fmt` included.

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !self.spans || must_skip_thread() {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Fields::default();
        attrs.record(&mut FieldVisitor::new(&mut fields, None));
        // `replace`, not `insert`: two of these layers in one subscriber share the fields.
        span.extensions_mut().replace(SpanFields(fields));
    }

    fn on_record(&self, id: &Id, values: &SpanRecord<'_>, ctx: Context<'_, S>) {
        if !self.spans || must_skip_thread() {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(fields)) = extensions.get_mut::<SpanFields>() {
            values.record(&mut FieldVisitor::new(fields, None));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if must_skip_thread() {
            return;
        }
        // The event's time: taken first, before any formatting.
        let time_ms = millis(SystemTime::now());
        let meta = event.metadata();
        // Records bridged from `log` by tracing-log carry their real target in a field.
        let bridged = meta.target() == "log";
        // Only captured here; the worker renders it (see `crate::ingest`).
        let shared = self.handle.shared();
        entered(|| {
            shared.ingest.hand_over(shared, |text| {
                self.capture(event, &ctx, time_ms, bridged, text)
            })
        });
    }
}

fn level_name(level: Level) -> LevelName {
    match level {
        Level::ERROR => LevelName::Error,
        Level::WARN => LevelName::Warn,
        Level::INFO => LevelName::Info,
        Level::DEBUG => LevelName::Debug,
        Level::TRACE => LevelName::Trace,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_upper_case_names() {
        assert_eq!(level_name(Level::ERROR).as_str(), "ERROR");
        assert_eq!(level_name(Level::WARN).as_str(), "WARN");
        assert_eq!(level_name(Level::INFO).as_str(), "INFO");
        assert_eq!(level_name(Level::DEBUG).as_str(), "DEBUG");
        assert_eq!(level_name(Level::TRACE).as_str(), "TRACE");
    }
}
