//! No recursion through `log`: with the logger installed globally at TRACE, the SDK's events
//! (forwarded to `log` by tracing's `log` feature, enabled for the tests) and anything else
//! logged on the worker thread while shipping reach the global logger (a tee counts them), yet
//! only the application's records reach CloudWatch. `log::logger().flush()` delivers.
//! One global logger per process: this test has its own binary.
#![cfg(feature = "log")]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use log::{LevelFilter, Log, Metadata, Record};
use watchtower_logs::is_worker_thread;
use watchtower_logs::log::CloudWatchLogger;

use support::{config, json};
use watchtower_testkit::shared_moto;

/// The installed logger: counts what must not be shipped, forwards everything to ours.
struct Tee {
    inner: CloudWatchLogger,
    skipped_targets: AtomicUsize,
    on_worker: AtomicUsize,
}

impl Log for Tee {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &Record<'_>) {
        if support::shipper_crate(record.target())
            || record.module_path().is_some_and(support::shipper_crate)
        {
            self.skipped_targets.fetch_add(1, Ordering::Relaxed);
        }
        if is_worker_thread() {
            self.on_worker.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.log(record);
    }
    fn flush(&self) {
        self.inner.flush();
    }
}

#[test]
fn global_logger_at_trace_ships_only_the_application_records() {
    let moto = shared_moto();
    let group = "log-global-trace";
    let (logger, guard) = CloudWatchLogger::start(config(&moto, group).build().unwrap()).unwrap();
    let handle = logger.handle().clone();
    let tee: &'static Tee = Box::leak(Box::new(Tee {
        inner: logger,
        skipped_targets: AtomicUsize::new(0),
        on_worker: AtomicUsize::new(0),
    }));
    log::set_logger(tee).unwrap();
    log::set_max_level(LevelFilter::Trace);

    let mut want = Vec::new();
    for round in 0..2u64 {
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                std::thread::spawn(move || {
                    for i in 0..25u64 {
                        log::trace!(target: "app", round, t, i; "app record");
                    }
                    // Users' crates named like the HTTP stack are theirs: shipped.
                    log::info!(target: "tower_http::trace", round, t, i = 100; "GET / 200");
                    log::info!(target: "hyper_app", round, t, i = 101; "user crate");
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
        for t in 0..4u64 {
            for i in 0..25u64 {
                want.push(("app".to_string(), round, t, i));
            }
            want.push(("tower_http::trace".to_string(), round, t, 100));
            want.push(("hyper_app".to_string(), round, t, 101));
        }
        // Through the facade: our `Log::flush` waits for delivery.
        log::logger().flush();
    }

    // Stop the shipper before reading moto back: the read-back runs the SDK on the testkit's
    // threads, which are not ours, and what it logs is the "application's" (shipped).
    let records = handle.stats().records as usize;
    drop(guard);
    let mut got: Vec<(String, u64, u64, u64)> = moto
        .all_events(group)
        .iter()
        .map(|(_, e)| {
            let v = json(e);
            let target = v["target"].as_str().unwrap().to_owned();
            assert!(
                !support::shipper_crate(&target),
                "only application records may be shipped: {v}"
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
    want.sort();
    assert_eq!(got, want, "every application record exactly once");
    let skipped = tee.skipped_targets.load(Ordering::Relaxed);
    let on_worker = tee.on_worker.load(Ordering::Relaxed);
    assert!(
        skipped > 0 && on_worker > 0,
        "the SDK must have logged into the global logger while shipping (else this test \
         proves nothing): {skipped} from the shipper's crates, {on_worker} on the worker thread"
    );
    assert_eq!(records, want.len());
}
