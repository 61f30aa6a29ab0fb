//! A [`log::Log`](::log::Log) implementation that ships each record to CloudWatch Logs
//! (feature `log`).
//!
//! [`init`] and [`init_with_level`] start the shipper, install a [`CloudWatchLogger`] as the
//! global logger with a level filter, and return the guard that flushes everything when
//! dropped. Each record becomes one CloudWatch event, by default a JSON object with the
//! record's time, level, target, message and key-values ([`Format::Json`]), or a line of text
//! ([`Format::Plain`]). The CloudWatch timestamp is the time the record was logged, and the
//! stream name template's `{logger_name}` is the record's target.
//!
//! The logging thread only captures the record (its time, level, target, formatted message
//! and key-values) into a buffer of its own; the worker renders and queues it.
//!
//! Under pressure it behaves like the core: logging never waits on the network; when the
//! queue is full the record is dropped and counted (see
//! [`OverflowPolicy`](crate::OverflowPolicy)), and [`Handle::stats`] says so.
//!
//! Shipping never feeds itself: records logged on the worker's threads (rustls and the AWS SDK
//! while sending) and records logged while this logger is already handing one over are
//! skipped, with no configuration. Every other record is shipped, whatever its target.
//!
//! ```no_run
//! use watchtower_logs::Config;
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let config = Config::builder().log_group_name("my-service").build()?;
//!     let _guard = watchtower_logs::log::init(config)?;
//!     log::info!(user = 42, plan = "pro"; "signed up");
//!     Ok(())
//!     // `_guard` is dropped here: everything logged is delivered before the process exits.
//! }
//! ```

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::time::SystemTime;

use ::log::kv::{self, Key, Value, VisitSource, VisitValue};
use ::log::{LevelFilter, Log, Metadata, Record as LogRecord, SetLoggerError};

use super::{
    entered, millis, must_skip_thread, FieldValue, Fields, LevelName, PendingEvent, Repeated, Span,
};
use crate::{Config, Handle, StartError, WorkerGuard};

pub use super::Format;

/// The level filter [`init`] installs.
pub const DEFAULT_LEVEL: LevelFilter = LevelFilter::Info;

/// Starts the shipper for `config` and installs a [`CloudWatchLogger`] as the global logger,
/// with level filter [`DEFAULT_LEVEL`] (`Info`). Returns the guard that flushes and stops the
/// shipper when dropped: keep it in a named variable (`_guard`, not `_`) until the program
/// ends.
///
/// Fails if the shipper cannot start or another logger is already installed (the shipper is
/// then stopped again).
pub fn init(config: Config) -> Result<WorkerGuard, InitError> {
    init_with_level(config, DEFAULT_LEVEL)
}

/// [`init`] with another level filter.
///
/// ```no_run
/// use log::LevelFilter;
/// use watchtower_logs::Config;
///
/// let _guard = watchtower_logs::log::init_with_level(Config::builder().build()?, LevelFilter::Debug)?;
/// log::debug!("shipped");
/// log::trace!("not shipped");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn init_with_level(config: Config, level: LevelFilter) -> Result<WorkerGuard, InitError> {
    let (logger, guard) = CloudWatchLogger::start(config).map_err(InitError::Start)?;
    // On failure the guard is dropped with the error: the shipper stops (nothing was logged).
    logger
        .with_max_level(level)
        .install()
        .map_err(InitError::AlreadyInitialized)?;
    Ok(guard)
}

/// Why [`init`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum InitError {
    /// The shipper could not start (no region, say): see [`StartError`].
    Start(StartError),
    /// A global logger was already installed (`log` allows one per process): install this one
    /// first, or combine both loggers in one that forwards to each.
    AlreadyInitialized(SetLoggerError),
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Start(e) => e.fmt(f),
            InitError::AlreadyInitialized(_) => {
                f.write_str("a global logger is already installed: `log` allows only one")
            }
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InitError::Start(e) => Some(e),
            InitError::AlreadyInitialized(e) => Some(e),
        }
    }
}

/// Ships `log` records to CloudWatch Logs through a [`Handle`]. See the [module docs](self).
///
/// Options (each with its default): [`with_format`](Self::with_format) (JSON),
/// [`with_max_level`](Self::with_max_level) (`Trace`: everything the `log` facade lets
/// through), [`with_file`](Self::with_file) and [`with_line_number`](Self::with_line_number)
/// (off).
///
/// ```no_run
/// use log::LevelFilter;
/// use watchtower_logs::{log::CloudWatchLogger, Config, Format};
///
/// let (logger, _guard) = CloudWatchLogger::start(Config::builder().build()?)?;
/// logger
///     .with_format(Format::Plain)
///     .with_max_level(LevelFilter::Warn)
///     .install()?;
/// log::warn!(target: "billing", "card declined");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CloudWatchLogger {
    handle: Handle,
    format: Format,
    level: LevelFilter,
    file: bool,
    line: bool,
}

// === impl CloudWatchLogger ===

impl CloudWatchLogger {
    /// A logger shipping through `handle` (from [`Config::start`]), with the default options.
    pub fn new(handle: Handle) -> Self {
        CloudWatchLogger {
            handle,
            format: Format::Json,
            level: LevelFilter::Trace,
            file: false,
            line: false,
        }
    }

    /// Starts the shipper for `config`; returns the logger and the guard that flushes and
    /// stops the shipper when dropped.
    pub fn start(config: Config) -> Result<(Self, WorkerGuard), StartError> {
        let (handle, guard) = config.start()?;
        Ok((CloudWatchLogger::new(handle), guard))
    }

    /// How records are rendered. Default [`Format::Json`].
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// The most verbose level shipped; [`install`](Self::install) also sets it as the `log`
    /// facade's maximum. Default [`LevelFilter::Trace`].
    pub fn with_max_level(mut self, level: LevelFilter) -> Self {
        self.level = level;
        self
    }

    /// Whether the record's source file is included (when known). Default `false`.
    pub fn with_file(mut self, file: bool) -> Self {
        self.file = file;
        self
    }

    /// Whether the record's source line is included (when known). Default `false`.
    pub fn with_line_number(mut self, line: bool) -> Self {
        self.line = line;
        self
    }

    /// The handle records are shipped through (for [`Handle::flush`] and [`Handle::stats`]).
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Installs this logger as the global `log` logger and sets the facade's maximum level to
    /// this logger's. Fails if a logger is already installed.
    pub fn install(self) -> Result<(), SetLoggerError> {
        let level = self.level;
        ::log::set_boxed_logger(Box::new(self))?;
        ::log::set_max_level(level);
        Ok(())
    }

    /// Captures `record` into `text` for the worker to render.
    fn capture(&self, record: &LogRecord<'_>, time_ms: i64, text: &mut String) -> PendingEvent {
        let mut fields = Fields::default();
        let _ = record.key_values().visit(&mut KvVisitor(&mut fields));
        let args = record.args();
        let start = text.len();
        match args.as_str() {
            Some(s) => text.push_str(s),
            None => {
                let _ = text.write_fmt(*args);
            }
        }
        let message = Span::since(text, start);
        let target = Span::push_repeated(text, record.target(), Repeated::Target);
        let file = record
            .file()
            .filter(|_| self.file)
            .map(|file| Span::push_repeated(text, file, Repeated::File));
        let line = record.line().filter(|_| self.line);
        PendingEvent::new(
            time_ms,
            self.format,
            level_name(record.level()),
            target,
            message,
        )
        .with_fields(fields)
        .with_location(file, line)
    }
}

impl Log for CloudWatchLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level && !must_skip_thread()
    }

    fn log(&self, record: &LogRecord<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        // The record's time: taken before any formatting.
        let time_ms = millis(SystemTime::now());
        // Only captured here; the worker renders it (see `crate::ingest`).
        let shared = self.handle.shared();
        entered(|| {
            shared
                .ingest
                .hand_over(shared, |text| Some(self.capture(record, time_ms, text)))
        });
    }

    /// Waits until everything logged so far is delivered, up to the configured
    /// [`shutdown_timeout`](crate::ConfigBuilder::shutdown_timeout).
    fn flush(&self) {
        if must_skip_thread() {
            return;
        }
        let _ = self.handle.flush(self.handle.config().shutdown_timeout());
    }
}

fn level_name(level: ::log::Level) -> LevelName {
    match level {
        ::log::Level::Error => LevelName::Error,
        ::log::Level::Warn => LevelName::Warn,
        ::log::Level::Info => LevelName::Info,
        ::log::Level::Debug => LevelName::Debug,
        ::log::Level::Trace => LevelName::Trace,
    }
}

// === key-values ===

struct KvVisitor<'a>(&'a mut Fields);

impl<'kvs> VisitSource<'kvs> for KvVisitor<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
        let mut v = ValueVisitor(FieldValue::Null);
        let _ = value.visit(&mut v);
        self.0.insert(Cow::Owned(key.as_str().to_owned()), v.0);
        Ok(())
    }
}

/// Keeps a value's JSON type where the value has one; anything else becomes its `Display`
/// (or `Debug`, for `key:? = value`) string.
struct ValueVisitor(FieldValue);

impl<'v> VisitValue<'v> for ValueVisitor {
    fn visit_any(&mut self, value: Value<'_>) -> Result<(), kv::Error> {
        self.0 = FieldValue::Str(value.to_string());
        Ok(())
    }

    fn visit_null(&mut self) -> Result<(), kv::Error> {
        self.0 = FieldValue::Null;
        Ok(())
    }

    fn visit_u64(&mut self, value: u64) -> Result<(), kv::Error> {
        self.0 = FieldValue::U64(value);
        Ok(())
    }

    fn visit_i64(&mut self, value: i64) -> Result<(), kv::Error> {
        self.0 = FieldValue::I64(value);
        Ok(())
    }

    fn visit_u128(&mut self, value: u128) -> Result<(), kv::Error> {
        self.0 = FieldValue::U128(value);
        Ok(())
    }

    fn visit_i128(&mut self, value: i128) -> Result<(), kv::Error> {
        self.0 = FieldValue::I128(value);
        Ok(())
    }

    fn visit_f64(&mut self, value: f64) -> Result<(), kv::Error> {
        self.0 = FieldValue::F64(value);
        Ok(())
    }

    fn visit_bool(&mut self, value: bool) -> Result<(), kv::Error> {
        self.0 = FieldValue::Bool(value);
        Ok(())
    }

    fn visit_str(&mut self, value: &str) -> Result<(), kv::Error> {
        self.0 = FieldValue::Str(value.to_owned());
        Ok(())
    }

    fn visit_char(&mut self, value: char) -> Result<(), kv::Error> {
        self.0 = FieldValue::Str(value.to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(kvs: &[(&str, Value<'_>)]) -> Fields {
        let mut fields = Fields::default();
        let source: &dyn kv::Source = &kvs;
        source.visit(&mut KvVisitor(&mut fields)).unwrap();
        fields
    }

    #[test]
    fn key_values_keep_their_types() {
        let debug = vec![1, 2];
        let f = fields_of(&[
            ("i", Value::from(-3i64)),
            ("u", Value::from(7u64)),
            ("x", Value::from(1.5f64)),
            ("b", Value::from(true)),
            ("s", Value::from("text")),
            ("c", Value::from('c')),
            ("d", Value::from_debug(&debug)),
        ]);
        let mut expected = Fields::default();
        expected.insert("i".into(), FieldValue::I64(-3));
        expected.insert("u".into(), FieldValue::U64(7));
        expected.insert("x".into(), FieldValue::F64(1.5));
        expected.insert("b".into(), FieldValue::Bool(true));
        expected.insert("s".into(), FieldValue::Str("text".into()));
        expected.insert("c".into(), FieldValue::Str("c".into()));
        expected.insert("d".into(), FieldValue::Str("[1, 2]".into()));
        assert_eq!(f, expected);
    }
}
