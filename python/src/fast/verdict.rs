//! The handler's part of the fast path's checks, made once per configuration change rather
//! than once per record.
//!
//! A `Verdict` says "this handler's settings and formatter are the defaults" and holds what
//! the per-record path needs from them. It lives in the handler's `__dict__` and is trusted
//! while the configuration generation it was made in is current: `CloudWatchLogHandler` and
//! `CloudWatchLogFormatter` call `FastPath.changed` after every attribute write or delete
//! (their `__setattr__` and `__delattr__`), so any reassignment (`setFormatter`,
//! `handler.use_queues = False`, `formatter._style = ...`, a fork's `_core = None`) makes the
//! next record check everything again. What can change without an attribute write is read
//! on every record, through the objects held here: the filters list (`addFilter` appends in
//! place), `add_log_record_attrs` and `add_extra_fields` (a list can grow), the style's
//! `_fmt`.

use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3::{PyTraverseError, PyVisit};

use super::Slow;
use crate::core::Core;

/// Bumped after every attribute write or delete of a handler or formatter (under the GIL).
static GENERATION: AtomicU64 = AtomicU64::new(1);

/// Records that a handler's or formatter's configuration changed.
pub(super) fn changed() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// What a handler with the default configuration is made of (see the module's comment).
#[pyclass(module = "watchtower._watchtower", frozen)]
pub(super) struct Verdict {
    generation: u64,
    pub(super) core: Py<Core>,
    pub(super) filters: Py<PyList>,
    /// The formatter's `add_log_record_attrs` and `add_extra_fields`: empty and false when
    /// this was made; read on every record since a list may grow in place.
    pub(super) attrs: Py<PyAny>,
    pub(super) extra: Py<PyAny>,
    /// The formatter's `logging.PercentStyle` (exact type) and `_message_only`.
    pub(super) style: Py<PyAny>,
    pub(super) message_only: bool,
}

#[pymethods]
impl Verdict {
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.core)?;
        visit.call(&self.filters)?;
        visit.call(&self.attrs)?;
        visit.call(&self.extra)?;
        visit.call(&self.style)
    }
}

/// The objects whose identity says "not customised", for the handler's own attributes.
pub(super) struct Defaults<'a> {
    pub(super) formatter_type: &'a Py<PyAny>,
    pub(super) percent_style: &'a Py<PyAny>,
    /// The `__setattr__` and `__delattr__` that call `changed`.
    pub(super) hooks: &'a [Py<PyAny>; 2],
}

/// The handler's current verdict: the stored one while no configuration changed since it
/// was made, else a new one (stored when everything is the default). `Slow` when the
/// handler is customised or has no core yet.
pub(super) fn verdict<'py>(
    handler: &Bound<'py, PyAny>,
    defaults: &Defaults<'_>,
) -> Result<Bound<'py, Verdict>, Slow> {
    let py = handler.py();
    let stored = handler.getattr(intern!(py, "_fast_verdict"))?;
    if let Ok(stored) = stored.cast_exact::<Verdict>() {
        if stored.get().generation == GENERATION.load(Ordering::Relaxed) {
            return Ok(stored.clone());
        }
    }
    // Read before the checks: a change while they run (a property's code may let another
    // thread in) leaves this verdict out of date, checked again on the next record.
    let generation = GENERATION.load(Ordering::Relaxed);
    let made = Bound::new(py, make(handler, defaults, generation)?)?;
    handler
        .getattr(intern!(py, "__dict__"))?
        .set_item(intern!(py, "_fast_verdict"), &made)?;
    Ok(made)
}

fn make(
    handler: &Bound<'_, PyAny>,
    defaults: &Defaults<'_>,
    generation: u64,
) -> Result<Verdict, Slow> {
    let py = handler.py();
    // Attribute writes must reach `changed`: the handler's and formatter's hooks are ours.
    let ours = |object: &Bound<'_, PyAny>| -> Result<bool, Slow> {
        let class = object.get_type();
        Ok(class
            .getattr(intern!(py, "__setattr__"))?
            .is(&defaults.hooks[0])
            && class
                .getattr(intern!(py, "__delattr__"))?
                .is(&defaults.hooks[1]))
    };
    if !ours(handler)? {
        return Err(Slow);
    }
    let core = handler.getattr(intern!(py, "_core"))?;
    let core = core.cast::<Core>()?.clone().unbind();
    if !handler.getattr(intern!(py, "use_queues"))?.is_truthy()?
        || handler.getattr(intern!(py, "_via_client"))?.is_truthy()?
        || handler
            .getattr(intern!(py, "_streams_in_python"))?
            .is_truthy()?
    {
        return Err(Slow);
    }
    let filters = handler.getattr(intern!(py, "filters"))?;
    let filters = filters.cast_exact::<PyList>()?.clone().unbind();
    let formatter = handler.getattr(intern!(py, "formatter"))?;
    if !formatter.get_type().is(defaults.formatter_type) || !ours(&formatter)? {
        return Err(Slow);
    }
    let attrs = formatter.getattr(intern!(py, "add_log_record_attrs"))?;
    let extra = formatter.getattr(intern!(py, "add_extra_fields"))?;
    if attrs.is_truthy()? || extra.is_truthy()? {
        return Err(Slow);
    }
    let style = formatter.getattr(intern!(py, "_style"))?;
    if !style.get_type().is(defaults.percent_style) {
        return Err(Slow);
    }
    let message_only = formatter
        .getattr(intern!(py, "_message_only"))?
        .is_truthy()?;
    Ok(Verdict {
        generation,
        core,
        filters,
        attrs: attrs.unbind(),
        extra: extra.unbind(),
        style: style.unbind(),
        message_only,
    })
}
