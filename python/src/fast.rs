//! `FastPath.handle`: `CloudWatchLogHandler.handle` for the common case, in one call.
//!
//! The Python handler's `handle` → `filter` → `emit` → `format` → `getMessage` chain costs
//! about ten Python frames per record; whole-process CPU per record is mostly that (the
//! worker's share is small). For a handler and formatter that are not customised, the chain
//! only reads attributes, applies the two botocore filters, computes `msg % args` (or the
//! JSON of a dict) and queues the text: done here with C API calls, it costs a fraction.
//!
//! Whatever is customised or unusual (a subclass that overrides a method, a class patched by
//! a test, another filter or formatter, a traceback, a record subclass with its own
//! `getMessage`, an empty message, an encoding error, no core yet, `use_queues=False`...)
//! returns `None` before anything is queued, and the Python code does exactly what it did
//! before. So the behaviour is the Python path's: this only skips interpreter work.
//!
//! The handler's own settings and formatter are checked once per configuration change, not
//! once per record (`verdict.rs`); the record, the class's methods and whatever can change in
//! place are checked on every record.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyString};
use watchtower_logs::Record;

use crate::core::QUEUED;
use crate::text::utf8;

mod verdict;
use verdict::{Defaults, Verdict};

/// What the handler's default configuration is made of, captured by the Python module once
/// (the functions and classes whose identity says "not customised").
#[pyclass(module = "watchtower._watchtower", frozen)]
pub struct FastPath {
    /// `CloudWatchLogHandler.emit`, `.format` (`logging.Handler.format`), `.filter`
    /// (`logging.Filterer.filter`), `._submit_batch`, `._get_stream_name`.
    handler_methods: [(Py<PyString>, Py<PyAny>); 5],
    /// `CloudWatchLogFormatter` (exact type only).
    formatter_type: Py<PyAny>,
    /// `logging.PercentStyle` (exact type only).
    percent_style: Py<PyAny>,
    /// `_boto_debug_filter` and `_boto_filter`, the only filters applied here.
    debug_filter: Py<PyAny>,
    boto_filter: Py<PyAny>,
    /// `logging.LogRecord.getMessage`: a record whose class has another one goes to Python.
    get_message: Py<PyAny>,
    /// `__setattr__` and `__delattr__` of the handler's and formatter's common base: the
    /// hooks that call `changed` (see `verdict`).
    hooks: [Py<PyAny>; 2],
    /// Python 3.12+: `Filterer.filter` (so `handle`) returns the record, not True.
    returns_record: bool,
}

impl std::fmt::Debug for FastPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastPath").finish_non_exhaustive()
    }
}

/// Why a record goes to the Python path (nothing was queued).
struct Slow;

impl From<PyErr> for Slow {
    fn from(_: PyErr) -> Self {
        // The Python path meets the same error again where it is handled (handleError).
        Slow
    }
}

impl<'a, 'py> From<pyo3::CastError<'a, 'py>> for Slow {
    fn from(_: pyo3::CastError<'a, 'py>) -> Self {
        Slow
    }
}

impl<'py> From<pyo3::CastIntoError<'py>> for Slow {
    fn from(_: pyo3::CastIntoError<'py>) -> Self {
        Slow
    }
}

/// What the fast path did with a record.
enum Handled {
    /// Dropped by one of the botocore filters, or logged on a watchtower thread.
    Filtered,
    /// Queued (or dropped by the core) with this `Core.emit` outcome.
    Queued(u8),
}

/// The formatted text: the `str` itself (no copy until the core's own), or JSON made here.
enum Text<'py> {
    Str(Bound<'py, PyString>),
    Json(String),
}

#[pymethods]
impl FastPath {
    /// Captures the objects that make up the default configuration.
    #[new]
    #[pyo3(signature = (
        *, emit, format, filter, submit_batch, get_stream_name, formatter_type, percent_style,
        debug_filter, boto_filter, get_message, setattr_hook, delattr_hook,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        emit: Py<PyAny>,
        format: Py<PyAny>,
        filter: Py<PyAny>,
        submit_batch: Py<PyAny>,
        get_stream_name: Py<PyAny>,
        formatter_type: Py<PyAny>,
        percent_style: Py<PyAny>,
        debug_filter: Py<PyAny>,
        boto_filter: Py<PyAny>,
        get_message: Py<PyAny>,
        setattr_hook: Py<PyAny>,
        delattr_hook: Py<PyAny>,
    ) -> Self {
        let name = |s: &str| PyString::intern(py, s).unbind();
        FastPath {
            handler_methods: [
                (name("emit"), emit),
                (name("format"), format),
                (name("filter"), filter),
                (name("_submit_batch"), submit_batch),
                (name("_get_stream_name"), get_stream_name),
            ],
            formatter_type,
            percent_style,
            debug_filter,
            boto_filter,
            get_message,
            hooks: [setattr_hook, delattr_hook],
            returns_record: py.version_info() >= (3, 12),
        }
    }

    /// Called after every attribute write or delete of a handler or formatter: the next
    /// record of every handler checks its configuration again.
    #[staticmethod]
    fn changed() {
        verdict::changed();
    }

    /// `handler.handle(record)` when nothing is customised: returns what `handle` returns
    /// (True, or the record on Python 3.12+; False when filtered out), an `int` outcome the
    /// caller must warn about (the record was handled), or None: not handled, nothing done,
    /// take the Python path.
    fn handle<'py>(
        &self,
        handler: &Bound<'py, PyAny>,
        record: &Bound<'py, PyAny>,
    ) -> Option<Bound<'py, PyAny>> {
        let py = handler.py();
        match self.try_handle(handler, record) {
            Err(Slow) => None,
            Ok(Handled::Filtered) => Some(PyBool::new(py, false).to_owned().into_any()),
            Ok(Handled::Queued(QUEUED)) if self.returns_record => Some(record.clone()),
            Ok(Handled::Queued(QUEUED)) => Some(PyBool::new(py, true).to_owned().into_any()),
            Ok(Handled::Queued(outcome)) => Some(outcome.into_pyobject(py).ok()?.into_any()),
        }
    }
}

impl FastPath {
    fn try_handle<'py>(
        &self,
        handler: &Bound<'py, PyAny>,
        record: &Bound<'py, PyAny>,
    ) -> Result<Handled, Slow> {
        let py = handler.py();
        if crate::is_worker_thread() {
            return Ok(Handled::Filtered);
        }
        // The handler: its class's methods are the originals (a subclass or a patch that
        // replaces one goes to Python), the core runs, records are queued.
        let class = handler.get_type();
        for (name, original) in &self.handler_methods {
            if !class.getattr(name.bind(py))?.is(original) {
                return Err(Slow);
            }
        }
        let verdict = verdict::verdict(
            handler,
            &Defaults {
                formatter_type: &self.formatter_type,
                percent_style: &self.percent_style,
                hooks: &self.hooks,
            },
        )?;
        let verdict = verdict.get();
        let core = verdict.core.get();
        // The filters: only ours, applied as they are written.
        for filter in verdict.filters.bind(py).iter() {
            let drops_debug_only = if filter.is(&self.debug_filter) {
                true
            } else if filter.is(&self.boto_filter) {
                false
            } else {
                return Err(Slow);
            };
            if boto_filtered(record, drops_debug_only)? {
                return Ok(Handled::Filtered);
            }
        }
        // The formatter adds nothing, and the record has no traceback.
        if verdict.attrs.bind(py).is_truthy()?
            || verdict.extra.bind(py).is_truthy()?
            || record.getattr(intern!(py, "exc_info"))?.is_truthy()?
            || record.getattr(intern!(py, "exc_text"))?.is_truthy()?
            || record.getattr(intern!(py, "stack_info"))?.is_truthy()?
        {
            return Err(Slow);
        }
        let text = self.text(verdict, record)?;
        // Everything that can fail is read before the record is queued.
        let message = match text {
            Text::Str(s) => utf8(&s)?.to_owned(),
            Text::Json(json) => json,
        };
        if message.is_empty() {
            return Err(Slow); // the Python path warns
        }
        let created: f64 = record.getattr(intern!(py, "created"))?.extract()?;
        let logger_name = match core.uses_logger_name() {
            true => Some(record.getattr(intern!(py, "name"))?),
            false => None,
        };
        let thread_name = match core.uses_thread_name() {
            true => Some(record.getattr(intern!(py, "threadName"))?),
            false => None,
        };
        // `as` truncates toward zero, like Python's int().
        let mut queued = Record::new(message).timestamp_millis((created * 1000.0) as i64);
        if let Some(name) = &logger_name {
            queued = queued.logger_name(utf8(name)?);
        }
        if let Some(name) = thread_name.as_ref().filter(|n| !n.is_none()) {
            queued = queued.thread_name(utf8(name)?);
        }
        Ok(Handled::Queued(core.push(py, None, queued)))
    }

    /// The formatted message, as the default `CloudWatchLogFormatter` makes it for a record
    /// without a traceback: a `str` message with the `%(message)s` format is
    /// `record.getMessage()` (also stored as `record.message`), a `dict` message without
    /// arguments is its JSON.
    fn text<'py>(&self, verdict: &Verdict, record: &Bound<'py, PyAny>) -> Result<Text<'py>, Slow> {
        let py = record.py();
        let msg = record.getattr(intern!(py, "msg"))?;
        let args = record.getattr(intern!(py, "args"))?;
        let has_args = args.is_truthy()?;
        if msg.is_exact_instance_of::<PyDict>() && !has_args {
            return crate::json::dumps_text(&msg).map(Text::Json).ok_or(Slow);
        }
        let Ok(msg) = msg.cast_exact::<PyString>() else {
            return Err(Slow);
        };
        if !verdict.message_only
            || !verdict
                .style
                .bind(py)
                .getattr(intern!(py, "_fmt"))?
                .eq(intern!(py, "%(message)s"))?
        {
            return Err(Slow);
        }
        let text = if has_args {
            // LogRecord.getMessage: `str(msg) % args` (str(msg) is msg for an exact str).
            if !record
                .get_type()
                .getattr(intern!(py, "getMessage"))?
                .is(&self.get_message)
            {
                return Err(Slow);
            }
            msg.rem(&args)?.cast_into_exact::<PyString>()?
        } else {
            msg.clone()
        };
        record.setattr(intern!(py, "message"), &text)?;
        Ok(Text::Str(text))
    }
}

/// Whether `_boto_debug_filter` (`debug_only`) or `_boto_filter` drops the record: a
/// `botocore` or `urllib3` logger's record (at DEBUG for the first).
fn boto_filtered(record: &Bound<'_, PyAny>, debug_only: bool) -> Result<bool, Slow> {
    let py = record.py();
    let name = record.getattr(intern!(py, "name"))?;
    let name = name.cast::<PyString>()?.to_str()?;
    if !(name.starts_with("botocore") || name.starts_with("urllib3")) {
        return Ok(false);
    }
    if !debug_only {
        return Ok(true);
    }
    let level = record.getattr(intern!(py, "levelname"))?;
    Ok(level.cast::<PyString>()?.to_str()? == "DEBUG")
}
