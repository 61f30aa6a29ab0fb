//! Without the `log` and `tracing` front ends nothing is handed over (see `ingest.rs`): only
//! the worker's do-nothing [`Drainer`] remains, named from here as with the front ends.

/// The stand-in from `drainer_none.rs`.
pub(crate) use crate::drainer::Drainer;
