//! The core's counters as a Python dict (`CloudWatchLogHandler.stats()`; the stubs type it as
//! the `Stats` TypedDict).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use watchtower_logs::{DropReason, Stats};

/// The counters of a handler that has not started its worker yet (all zero).
#[pyfunction]
pub(crate) fn empty_stats(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    stats_dict(py, &Stats::default())
}

pub(crate) fn stats_dict<'py>(py: Python<'py>, s: &Stats) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("records", s.records)?;
    d.set_item("events", s.events)?;
    d.set_item("delivered", s.delivered)?;
    d.set_item("batches", s.batches)?;
    d.set_item("bytes", s.bytes)?;
    d.set_item("retries", s.retries)?;
    d.set_item("truncated", s.truncated)?;
    d.set_item("split", s.split)?;
    d.set_item("queued_events", s.queued_events)?;
    d.set_item("queued_bytes", s.queued_bytes)?;
    d.set_item("evicted", s.evicted)?;
    d.set_item("replayed", s.replayed)?;
    d.set_item("spool_fallback", s.spool_fallback)?;
    let dropped = PyDict::new(py);
    for reason in DropReason::ALL {
        dropped.set_item(reason.as_str(), s.dropped.get(reason))?;
    }
    d.set_item("dropped", dropped)?;
    d.set_item("dropped_total", s.dropped.total())?;
    Ok(d)
}
