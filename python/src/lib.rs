//! The compiled half of the `watchtower` Python package (`watchtower._watchtower`).
//!
//! The Python side (`python/watchtower/__init__.py`) is a real `logging.Handler` that formats
//! each record and hands the text to [`Core::emit`] (for a handler that is not customised,
//! `FastPath` in `fast.rs` does the filtering, formatting and queueing in one call); everything
//! after that (stream routing, queueing, batching, signing, sending, retrying) is
//! `watchtower-logs`, running on its own worker thread without the GIL. This crate only translates: options in, outcomes and counters
//! out, the GIL released whenever a call may wait, and boto3 credentials bridged in.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

use pyo3::prelude::*;

mod core;
mod credentials;
mod fast;
mod json;
mod profile;
#[cfg(unix)]
mod signals;
mod sink;
mod stats;
mod template;
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

std::thread_local! {
    /// Set on the Python thread that answers credential requests (`mark_worker_thread`).
    static MARKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the calling thread is one of a watchtower worker's threads, or the Python thread
/// that runs the boto3 credentials callback. Records logged there (botocore's own) are not
/// shipped, to avoid feedback loops.
#[pyfunction]
pub(crate) fn is_worker_thread() -> bool {
    MARKED.with(std::cell::Cell::get) || watchtower_logs::is_worker_thread()
}

/// Marks the calling thread as a watchtower thread (see `is_worker_thread`).
#[pyfunction]
fn mark_worker_thread() {
    MARKED.with(|m| m.set(true));
}

// `gil_used = true`: on a free-threaded CPython the interpreter enables the GIL when this
// module is imported. `dumps_fast` walks dicts and lists through borrowed references, which is
// sound only while the GIL keeps other threads from mutating them (audit before declaring
// `false`).
#[pymodule(gil_used = true)]
mod _watchtower {
    #[pymodule_export]
    use super::core::Core;
    #[pymodule_export]
    use super::credentials::CredentialsBroker;
    #[pymodule_export]
    use super::credentials::CredentialsRequest;
    #[pymodule_export]
    use super::fast::FastPath;
    #[pymodule_export]
    use super::is_worker_thread;
    #[pymodule_export]
    use super::json::dumps_fast;
    #[pymodule_export]
    use super::mark_worker_thread;
    #[cfg(unix)]
    #[pymodule_export]
    use super::signals::deliver_in_python;
    #[cfg(unix)]
    #[pymodule_export]
    use super::signals::deliver_on_signals;
    #[cfg(unix)]
    #[pymodule_export]
    use super::signals::signal_action;
    #[pymodule_export]
    use super::stats::empty_stats;
    #[pymodule_export]
    use super::template::stream_template_error;
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
