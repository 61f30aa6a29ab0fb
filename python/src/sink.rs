//! Where the core's warnings go: stderr, written from Rust, never through the interpreter.
//!
//! The warnings a user must see at the call site (empty message, message after shutdown,
//! truncation, and the close timeout) are raised by the Python side as `WatchtowerWarning` in
//! the thread that logged, from the outcome [`Core::emit`](crate::core::Core) returns; they are
//! left out here so they do not show twice. Everything the worker finds later (delivery
//! failures, rejected events, credentials, a full queue) is printed to stderr, rate-limited by
//! the core, without touching Python: the worker may run while the interpreter is busy or
//! finalising.

use watchtower_logs::{StderrSink, Warning, WarningKind, WarningSink};

/// Prints background warnings to stderr; drops the kinds Python raises itself.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BackgroundSink;

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
}
