//! What the `log` and `tracing` front ends share: the output formats, and the guard against
//! logging from inside the pipeline (by thread, never by target).

use std::borrow::Cow;
use std::cell::Cell;

mod front_coding;
mod json;
mod packed;
mod pending;
mod render;
#[cfg(feature = "tracing")]
mod tracing_fields;

#[cfg(feature = "tracing")]
pub(crate) use json::json_span;
pub(crate) use packed::PackedEvents;
pub(crate) use pending::{LevelName, PendingEvent, Repeated, Span};
pub(crate) use render::*;

#[cfg(feature = "log")]
pub mod log;
#[cfg(feature = "tracing")]
pub mod tracing;

/// How a front end renders each log event into a CloudWatch message.
///
/// Both formats put the event's time first, as RFC 3339 UTC with milliseconds: the same
/// instant as the CloudWatch event timestamp, taken when the event was logged (not when it was
/// sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    /// One JSON object per event (the default), keys in this order:
    ///
    /// ```json
    /// {"timestamp":"2026-11-24T20:00:00.123Z","level":"INFO","target":"my_app::db",
    ///  "message":"query done","fields":{"rows":3,"table":"users"},
    ///  "spans":[{"name":"request","id":42}],"file":"src/db.rs","line":12}
    /// ```
    ///
    /// `fields` holds the event's fields (`tracing`) or key-values (`log`), always present;
    /// `spans` (tracing only) lists the current spans from the root, each with its name and
    /// fields (a span field called `name` is written as `field.name`); `file` and `line` only
    /// when enabled and known. Strings, integers, floats and booleans keep their JSON type;
    /// values recorded with `?` (Debug) or `%` (Display), and errors, become strings.
    #[default]
    Json,
    /// One line of text per event, like `tracing-subscriber`'s `fmt` output without colours:
    ///
    /// ```text
    /// 2026-11-24T20:00:00.123Z INFO request{id=42}: my_app::db: query done rows=3 table="users"
    /// ```
    ///
    /// The spans (from the root, with their fields) come before the target; with file and
    /// line enabled, `src/db.rs:12:` follows the target. Strings are quoted and escaped.
    Plain,
}

// === what is never shipped ===

// Only the shipper's own work is kept out: whatever is logged on the worker's threads (the
// AWS SDK, the HTTP and TLS stack, the runtime, all running there while shipping) and whatever
// is logged while a front end is already handing an event over. A user's event is shipped
// whatever its target (`tower_http`, `hyper_app`, `aws_lambda_handler` included).

thread_local! {
    /// Set while a front end is handing an event to the core, so that anything logged on the
    /// way (a user's warning sink that logs, say) is not shipped again.
    static IN_FRONT: Cell<bool> = const { Cell::new(false) };
}

/// Whether an event logged on this thread now must be skipped: on the worker thread, or
/// while this thread is already inside a front end.
pub(crate) fn must_skip_thread() -> bool {
    crate::is_worker_thread() || IN_FRONT.with(Cell::get)
}

/// Runs `f` with the re-entrancy flag set.
pub(crate) fn entered<R>(f: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            IN_FRONT.with(|c| c.set(false));
        }
    }
    IN_FRONT.with(|c| c.set(true));
    let _reset = Reset;
    f()
}

// === field values ===

/// A field's value, keeping the JSON type where there is one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldValue {
    /// `log`'s null value.
    #[cfg_attr(not(feature = "log"), allow(dead_code))]
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Str(String),
}

/// Fields in the order they were first recorded; recording a name again replaces its value.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Fields(Vec<(Cow<'static, str>, FieldValue)>);

impl Fields {
    /// Room for `n` fields, allocated once.
    #[cfg(feature = "tracing")]
    pub(crate) fn with_capacity(n: usize) -> Self {
        Fields(Vec::with_capacity(n))
    }

    /// Memory the fields hold outside their struct, as the allocator counts it.
    pub(crate) fn heap_bytes(&self) -> usize {
        let chunk = |n: usize| if n == 0 { 0 } else { (n + 8 + 15) & !15 };
        let owned: usize = self
            .0
            .iter()
            .map(|(name, value)| {
                let name = match name {
                    Cow::Owned(s) => chunk(s.capacity()),
                    Cow::Borrowed(_) => 0,
                };
                let value = match value {
                    FieldValue::Str(s) => chunk(s.capacity()),
                    _ => 0,
                };
                name + value
            })
            .sum();
        chunk(self.0.capacity() * std::mem::size_of::<(Cow<'static, str>, FieldValue)>()) + owned
    }

    pub(crate) fn insert(&mut self, name: Cow<'static, str>, value: FieldValue) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    #[cfg(feature = "tracing")]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = (&str, &FieldValue)> {
        self.0.iter().map(|(n, v)| (&**n, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entered_sets_and_resets_the_flag() {
        assert!(!must_skip_thread());
        entered(|| assert!(must_skip_thread()));
        assert!(!must_skip_thread());
    }
}
