//! Without the `log` and `tracing` front ends nothing is handed over, so there is nothing to
//! drain: see `drainer.rs`.

use std::sync::Arc;

use crate::hub::Shared;

/// Why [`Drainer::next`] returned (never, here).
#[derive(Debug, Clone, Copy)]
pub(crate) enum DrainWake {}

/// Does nothing: there is no hand-off to drain.
#[derive(Debug)]
pub(crate) struct Drainer;

impl Drainer {
    pub(crate) fn new() -> Self {
        Drainer
    }

    pub(crate) async fn next(&mut self, _: &Shared) -> DrainWake {
        std::future::pending().await
    }

    pub(crate) fn after_wake(&mut self, _: &Arc<Shared>, _: Option<DrainWake>) {}

    pub(crate) async fn drain_all(&mut self, _: &Arc<Shared>, _: impl FnMut()) {}
}
