//! No recursion: with the layer installed as the global default subscriber at TRACE level, the
//! AWS SDK, hyper and the worker emit events into that same subscriber while shipping (a
//! census layer counts them), and so does a warning sink that logs through `tracing`, yet only
//! the application's own events reach CloudWatch, and nothing loops. One global subscriber per
//! process: this test has its own binary.
#![cfg(feature = "tracing")]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tracing::{Event, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use watchtower_logs::{is_worker_thread, DropReason, FnSink, OversizePolicy};

use support::{config, json, FLUSH};
use watchtower_testkit::shared_moto;

/// Counts the events the shipper must not ship, as every layer of the subscriber sees them.
#[derive(Default)]
struct Census {
    skipped_targets: AtomicUsize,
    on_worker: AtomicUsize,
    from_sink: AtomicUsize,
}

struct CensusLayer(Arc<Census>);

impl<S: Subscriber> Layer<S> for CensusLayer {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if support::shipper_crate(event.metadata().target()) {
            self.0.skipped_targets.fetch_add(1, Ordering::Relaxed);
        }
        if is_worker_thread() {
            self.0.on_worker.fetch_add(1, Ordering::Relaxed);
        }
        if event.metadata().target() == "sink" {
            self.0.from_sink.fetch_add(1, Ordering::Relaxed);
        }
    }
}

const THREADS: usize = 4;
const PER_THREAD: usize = 25;

#[test]
fn global_subscriber_at_trace_ships_only_the_application_events() {
    let moto = shared_moto();
    let group = "tracing-global-trace";
    // A sink that logs its warnings through tracing, and a record that makes it warn.
    let config = config(&moto, group)
        .max_message_size(2000)
        .oversize(OversizePolicy::Drop)
        .warnings(Arc::new(FnSink(|w: &watchtower_logs::Warning| {
            tracing::warn!(target: "sink", "{}", w.message);
        })))
        .build()
        .unwrap();
    let (layer, guard) = watchtower_logs::tracing::layer(config).unwrap();
    let handle = layer.handle().clone();
    let census = Arc::new(Census::default());
    tracing_subscriber::registry()
        .with(LevelFilter::TRACE)
        .with(layer)
        .with(CensusLayer(census.clone()))
        .init();

    tracing::info!(target: "app", "{}", "too long ".repeat(300));
    // The worker renders the event, finds it too long and warns, on its own thread.
    handle.flush(FLUSH).unwrap();
    assert_eq!(
        census.from_sink.load(Ordering::Relaxed),
        1,
        "the sink warned through tracing"
    );

    let mut expected = Vec::new();
    for round in 0..2 {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                std::thread::spawn(move || {
                    let span = tracing::trace_span!("job", t);
                    let _e = span.enter();
                    for i in 0..PER_THREAD {
                        tracing::trace!(target: "app", round, t, i, "app event");
                        if i % 5 == 0 {
                            tracing::error!(target: "app::alarm", round, t, i, "app alarm");
                        }
                    }
                    // Users' crates named like the HTTP stack are theirs: shipped.
                    tracing::info!(target: "tower_http::trace::on_response", round, t, i = 100, "200 OK");
                    tracing::info!(target: "hyper_app", round, t, i = 101, "user crate");
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        for t in 0..THREADS {
            for i in 0..PER_THREAD {
                expected.push(("app", round, t, i));
                if i % 5 == 0 {
                    expected.push(("app::alarm", round, t, i));
                }
            }
            expected.push(("tower_http::trace::on_response", round, t, 100));
            expected.push(("hyper_app", round, t, 101));
        }
        // Each flush makes the SDK run (and emit its own events) while the layer is live.
        handle.flush(FLUSH).unwrap();
    }

    // Stop the shipper before reading moto back: the read-back runs the SDK on the testkit's
    // threads, which are not ours, and what it logs is the "application's" (shipped).
    let stats = handle.stats();
    drop(guard);
    let shipped = moto.all_events(group);
    let mut got: Vec<(String, u64, u64, u64)> = shipped
        .iter()
        .map(|(_, e)| {
            let v = json(e);
            let target = v["target"].as_str().unwrap().to_owned();
            assert!(
                !support::shipper_crate(&target),
                "only the application's events may be shipped, got {v}"
            );
            let f = &v["fields"];
            (
                target,
                f["round"].as_u64().unwrap(),
                f["t"].as_u64().unwrap(),
                f["i"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, u64, u64, u64)> = expected
        .iter()
        .map(|(tg, r, t, i)| (tg.to_string(), *r as u64, *t as u64, *i as u64))
        .collect();
    want.sort();
    assert_eq!(got, want, "every application event exactly once");

    let skipped = census.skipped_targets.load(Ordering::Relaxed);
    let on_worker = census.on_worker.load(Ordering::Relaxed);
    assert!(
        skipped > 0 && on_worker > 0,
        "the SDK/HTTP stack must have emitted events into the global subscriber while shipping \
         (else this test proves nothing): {skipped} from the shipper's crates, {on_worker} on the \
         worker thread"
    );
    assert_eq!(stats.records as usize, want.len() + 1, "{stats:?}");
    assert_eq!(stats.dropped.get(DropReason::Oversize), 1, "{stats:?}");
    assert_eq!(stats.delivered as usize, want.len(), "{stats:?}");
}
