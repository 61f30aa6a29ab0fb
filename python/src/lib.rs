//! The compiled half of the `watchtower` Python package (`watchtower._watchtower`).
//!
//! The Python side (`python/watchtower/__init__.py`) is a real `logging.Handler` that formats
//! each record and hands the text to [`Core::emit`]; everything after that (stream routing,
//! queueing, batching, signing, sending, retrying) is `watchtower-logs`, running on its own
//! worker thread without the GIL. This crate only translates: options in, outcomes and counters
//! out, the GIL released whenever a call may wait, and boto3 credentials bridged in.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

use pyo3::prelude::*;

mod core;
mod credentials;
mod json;
mod sink;
mod text;

pyo3::create_exception!(
    watchtower,
    WatchtowerError,
    pyo3::exceptions::PyException,
    "Default exception class for the watchtower module."
);

pyo3::create_exception!(
    watchtower,
    WatchtowerWarning,
    pyo3::exceptions::PyUserWarning,
    "Default warning class for the watchtower module."
);

/// Whether the calling thread is one of a watchtower worker's threads (where the boto3
/// credentials callback runs). Records logged there are not shipped, to avoid feedback loops.
#[pyfunction]
fn is_worker_thread() -> bool {
    watchtower_logs::is_worker_thread()
}

#[pymodule(gil_used = false)]
mod _watchtower {
    #[pymodule_export]
    use super::core::empty_stats;
    #[pymodule_export]
    use super::core::Core;
    #[pymodule_export]
    use super::is_worker_thread;
    #[pymodule_export]
    use super::json::dumps_fast;
    #[pymodule_export]
    use super::WatchtowerError;
    #[pymodule_export]
    use super::WatchtowerWarning;

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("QUEUED", super::core::QUEUED)?;
        m.add("TRUNCATED", super::core::TRUNCATED)?;
        m.add("EMPTY", super::core::EMPTY)?;
        m.add("AFTER_SHUTDOWN", super::core::AFTER_SHUTDOWN)?;
        m.add("DROPPED", super::core::DROPPED)?;
        m.add("IGNORED", super::core::IGNORED)?;
        Ok(())
    }
}
