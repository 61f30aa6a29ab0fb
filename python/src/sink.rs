//! Where the core's warnings go: stderr, written from Rust, never through the interpreter.
//!
//! The warnings a user must see at the call site (empty message, message after shutdown,
//! truncation, and the close timeout) are raised by the Python side as `WatchtowerWarning` in
//! the thread that logged, from the outcome [`Core::emit`](crate::core::Core) returns; they are
//! left out here so they do not show twice. Everything the worker finds later (delivery
//! failures, rejected events, credentials, a full queue) is printed to stderr, rate-limited by
//! the core, without touching Python: the worker may run while the interpreter is busy or
//! finalising.

use std::sync::{Arc, Mutex};

use watchtower_logs::{StderrSink, Warning, WarningKind, WarningSink};

/// Prints background warnings to stderr; drops the kinds Python raises itself. Keeps the
/// worker-failure warning (its cause and the events lost), which `flush()` and `close()` raise
/// again as a `WatchtowerWarning`.
#[derive(Debug, Clone, Default)]
pub(crate) struct BackgroundSink {
    worker_failure: Arc<Mutex<Option<String>>>,
}

impl BackgroundSink {
    /// The core's warning when the worker failed, if it came.
    pub(crate) fn worker_failure(&self) -> Option<String> {
        self.worker_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Whether the Python side raises this kind as a `WatchtowerWarning` itself.
pub(crate) fn raised_in_python(kind: WarningKind) -> bool {
    matches!(
        kind,
        WarningKind::EmptyMessage
            | WarningKind::AfterShutdown
            | WarningKind::Truncated
            | WarningKind::Timeout
    )
}

impl WarningSink for BackgroundSink {
    fn warn(&self, warning: &Warning) {
        if warning.kind == WarningKind::WorkerFailed {
            *self
                .worker_failure
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(warning.message.clone());
        }
        if !raised_in_python(warning.kind) {
            StderrSink.warn(warning);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_site_kinds_are_left_to_python() {
        assert!(raised_in_python(WarningKind::EmptyMessage));
        assert!(raised_in_python(WarningKind::Truncated));
        assert!(raised_in_python(WarningKind::AfterShutdown));
        assert!(!raised_in_python(WarningKind::DeliveryFailed));
        assert!(!raised_in_python(WarningKind::QueueFull));
        assert!(!raised_in_python(WarningKind::Credentials));
    }

    #[test]
    fn the_worker_failure_is_kept_for_python() {
        let sink = BackgroundSink::default();
        let clone = sink.clone();
        assert_eq!(sink.worker_failure(), None);
        clone.warn(&Warning {
            kind: WarningKind::DeliveryFailed,
            message: "not this one".into(),
            suppressed: 0,
        });
        assert_eq!(sink.worker_failure(), None);
        clone.warn(&Warning {
            kind: WarningKind::WorkerFailed,
            message: "the watchtower worker failed (boom); 5 queued events were lost".into(),
            suppressed: 0,
        });
        let kept = sink.worker_failure().unwrap();
        assert!(
            kept.contains("boom") && kept.contains("5 queued events"),
            "{kept}"
        );
    }
}
