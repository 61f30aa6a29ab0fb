//! A warning sink that logs through `log` (against the core's advice) cannot feed the pipeline:
//! what is logged while the logger is handing a record over is skipped. (The `tracing` case
//! needs a global subscriber, since tracing-core already drops re-entrant events of a scoped
//! one: it is checked in `tracing_layer_global_trace_no_recursion.rs`.)
#![cfg(feature = "log")]

mod support;

use std::sync::{Arc, OnceLock};

use watchtower_logs::log::CloudWatchLogger;
use watchtower_logs::{FnSink, OversizePolicy};

use support::{config, Started as _, FLUSH};
use watchtower_testkit::shared_moto;

#[test]
fn log_sink_warning_is_not_shipped() {
    let moto = shared_moto();
    let group = "sink-log";
    log::set_max_level(log::LevelFilter::Trace);
    let cell: Arc<OnceLock<CloudWatchLogger>> = Arc::new(OnceLock::new());
    let in_sink = cell.clone();
    let (handle, guard) = config(&moto, group)
        .max_message_size(300)
        .oversize(OversizePolicy::Truncate)
        .warnings(Arc::new(FnSink(move |w: &watchtower_logs::Warning| {
            if let Some(logger) = in_sink.get() {
                log::warn!(logger: logger, target: "sink", "{}", w.message);
            }
        })))
        .started();
    let logger = cell.get_or_init(|| CloudWatchLogger::new(handle.clone()));
    log::info!(logger: logger, target: "app", "{}", "x".repeat(1000));
    handle.flush(FLUSH).unwrap();
    let events = moto.all_events(group);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, "app");
    assert_eq!(handle.stats().records, 1);
    drop(guard);
}
