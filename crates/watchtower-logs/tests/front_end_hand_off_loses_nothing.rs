//! The front ends hand events to the worker through per-thread buffers (`src/ingest.rs`):
//! the worker renders them later. These tests check what that must not change: events of
//! threads that have exited and events nobody flushed still arrive (by the deadline), each
//! thread's order is kept, `{thread_name}` is the logging thread's name (not the worker's), a
//! burst beyond the queue bound is dropped and counted (never lost silently), the `Block`
//! policy still waits, and an event after shutdown is counted.
#![cfg(all(feature = "tracing", feature = "log"))]

mod support;

use std::time::Duration;

use tracing::Dispatch;
use tracing_subscriber::prelude::*;
use watchtower_logs::tracing::CloudWatchLayer;
use watchtower_logs::{DropReason, OverflowPolicy, WorkerGuard};

use support::{config, json, FLUSH};
use watchtower_testkit::{shared_moto, wait_until, MotoLease};

/// A subscriber with only our layer, for `dispatcher::with_default` on any thread.
fn dispatch(layer: CloudWatchLayer) -> Dispatch {
    Dispatch::new(tracing_subscriber::registry().with(layer))
}

fn start(builder: watchtower_logs::ConfigBuilder) -> (CloudWatchLayer, WorkerGuard) {
    watchtower_logs::tracing::layer(builder.build().unwrap()).unwrap()
}

/// Each thread's events, by the `seq` field, in the order CloudWatch returned them.
fn sequences(moto: &MotoLease, group: &str, threads: usize) -> Vec<Vec<u64>> {
    let mut by_thread = vec![Vec::new(); threads];
    for (_, event) in moto.all_events(group) {
        let v = json(&event);
        let t = v["fields"]["thread"].as_u64().unwrap() as usize;
        by_thread[t].push(v["fields"]["seq"].as_u64().unwrap());
    }
    by_thread
}

#[test]
fn events_of_exited_threads_arrive_by_the_deadline_in_order_without_a_flush() {
    let moto = shared_moto();
    let group = "hand-off-deadline";
    const THREADS: usize = 4;
    const EACH: u64 = 500;
    let (layer, _guard) = start(config(&moto, group).send_interval(Duration::from_secs(1)));
    let handle = layer.handle().clone();
    let dispatch = dispatch(layer);
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let dispatch = dispatch.clone();
            std::thread::spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    for seq in 0..EACH {
                        tracing::info!(target: "app", thread = t, seq, "event");
                    }
                })
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // No flush: the threads are gone, and only the deadline can send their events.
    let total = THREADS * EACH as usize;
    assert!(
        wait_until(FLUSH, || moto.all_events(group).len() >= total),
        "{} of {total} events arrived",
        moto.all_events(group).len()
    );
    // The 2,000 events are logged well within the send interval: one batch, so CloudWatch
    // keeps their order (across batches in flight at once it may not, for equal timestamps).
    let expected: Vec<u64> = (0..EACH).collect();
    for (t, seqs) in sequences(&moto, group, THREADS).iter().enumerate() {
        assert_eq!(seqs, &expected, "thread {t}: every event, in logging order");
    }
    let stats = handle.stats();
    assert_eq!((stats.delivered, stats.dropped.total()), (total as u64, 0));
}

#[test]
fn thread_name_in_the_stream_template_is_the_logging_thread() {
    let moto = shared_moto();
    let group = "hand-off-thread-name";
    let (layer, guard) = start(config(&moto, group).log_stream_name("{thread_name}"));
    let handle = layer.handle().clone();
    let dispatch = dispatch(layer);
    for name in ["alpha", "beta"] {
        let dispatch = dispatch.clone();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || tracing::info!("from {name}"))
            })
            .unwrap()
            .join()
            .unwrap();
    }
    handle.flush(FLUSH).unwrap();
    drop(guard);
    let mut streams = moto.streams(group);
    streams.sort();
    assert_eq!(streams, ["alpha", "beta"]);
    for name in ["alpha", "beta"] {
        let events = moto.events(group, name);
        assert_eq!(events.len(), 1);
        assert_eq!(json(&events[0])["message"], format!("from {name}"));
    }
}

#[test]
fn a_burst_beyond_the_queue_bound_is_dropped_and_counted_never_lost() {
    let moto = shared_moto();
    let group = "hand-off-bound";
    const N: u64 = 20_000;
    let (layer, _guard) = start(
        config(&moto, group)
            .max_message_size(1000)
            .max_queue_bytes(64 * 1024)
            .overflow(OverflowPolicy::DropNewest),
    );
    let handle = layer.handle().clone();
    tracing::dispatcher::with_default(&dispatch(layer), || {
        for seq in 0..N {
            tracing::info!(target: "app", thread = 0, seq, "a burst much larger than the queue");
        }
    });
    handle.flush(FLUSH).unwrap();
    let stats = handle.stats();
    let full = stats.dropped.get(DropReason::QueueFull);
    assert!(full > 0, "the bound was reached: {stats:?}");
    assert!(stats.delivered > 0, "{stats:?}");
    assert_eq!(
        stats.delivered + full,
        N,
        "every event delivered or counted"
    );
    assert_eq!(stats.dropped.total(), full);
    // A drain counts a block's records once, kept or dropped.
    assert_eq!(stats.records, N, "{stats:?}");
    let delivered = moto.all_events(group).len() as u64;
    assert_eq!(delivered, stats.delivered);
    // What was kept arrived once each.
    let mut seqs = sequences(&moto, group, 1).remove(0);
    seqs.sort_unstable();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "no duplicates");
}

#[test]
fn block_policy_waits_for_room_and_delivers_everything() {
    let moto = shared_moto();
    let group = "hand-off-block";
    const N: u64 = 3_000;
    let (layer, _guard) = start(
        config(&moto, group)
            .max_message_size(1000)
            .max_queue_bytes(16 * 1024)
            .max_batch_count(50)
            .overflow(OverflowPolicy::Block {
                timeout: Duration::from_secs(30),
            }),
    );
    let handle = layer.handle().clone();
    tracing::dispatcher::with_default(&dispatch(layer), || {
        for seq in 0..N {
            tracing::info!(target: "app", thread = 0, seq, "blocked until there is room");
        }
    });
    handle.flush(FLUSH).unwrap();
    let stats = handle.stats();
    assert_eq!(
        (stats.delivered, stats.dropped.total()),
        (N, 0),
        "{stats:?}"
    );
    // Every event once. (Order across batches with equal timestamps is CloudWatch's: this
    // test sends 60 batches of 50, several in flight at once.)
    let mut seqs = sequences(&moto, group, 1).remove(0);
    seqs.sort_unstable();
    assert!(seqs.iter().copied().eq(0..N), "each event exactly once");
}

#[test]
fn an_event_after_shutdown_is_counted() {
    let moto = shared_moto();
    let group = "hand-off-after-shutdown";
    let (layer, guard) = start(config(&moto, group));
    let handle = layer.handle().clone();
    let dispatch = dispatch(layer);
    tracing::dispatcher::with_default(&dispatch, || tracing::info!("before"));
    drop(guard);
    tracing::dispatcher::with_default(&dispatch, || tracing::info!("after"));
    let stats = handle.stats();
    assert_eq!(stats.delivered, 1);
    assert_eq!(stats.dropped.get(DropReason::AfterShutdown), 1, "{stats:?}");
    assert_eq!(moto.all_events(group).len(), 1);
}

#[test]
fn log_records_of_exited_threads_are_flushed() {
    let moto = shared_moto();
    let group = "hand-off-log";
    let (logger, _guard) =
        watchtower_logs::log::CloudWatchLogger::start(config(&moto, group).build().unwrap())
            .unwrap();
    let handle = logger.handle().clone();
    let logger = std::sync::Arc::new(logger);
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let logger = logger.clone();
            std::thread::spawn(move || {
                for seq in 0..200 {
                    ::log::Log::log(
                        &*logger,
                        &::log::Record::builder()
                            .level(::log::Level::Info)
                            .target("app")
                            .args(format_args!("record {t}/{seq}"))
                            .build(),
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    handle.flush(FLUSH).unwrap();
    assert_eq!(moto.all_events(group).len(), 600);
    assert_eq!(handle.stats().delivered, 600);
}

#[test]
fn a_buffer_that_fills_at_once_still_ships_by_the_deadline() {
    // With one event per batch, every event fills its thread's buffer: the wake-up that says
    // so must also keep the worker draining, or the next event would wait for a flush.
    let moto = shared_moto();
    let group = "hand-off-full-at-once";
    let (layer, _guard) = start(
        config(&moto, group)
            .max_batch_count(1)
            .send_interval(Duration::from_millis(200)),
    );
    let dispatch = dispatch(layer);
    for seq in 0..5u64 {
        tracing::dispatcher::with_default(
            &dispatch,
            || tracing::info!(target: "app", thread = 0, seq, "one per batch"),
        );
        // No flush: each event must arrive on its own before the next is logged.
        let expected = seq as usize + 1;
        assert!(
            wait_until(FLUSH, || moto.all_events(group).len() >= expected),
            "event {seq} arrived without a flush"
        );
    }
}

#[test]
fn shutdown_while_threads_keep_logging_delivers_or_counts_every_event() {
    let moto = shared_moto();
    let group = "hand-off-shutdown-race";
    const THREADS: usize = 4;
    const EACH: u64 = 3_000;
    let (layer, guard) = start(config(&moto, group).send_interval(Duration::from_millis(50)));
    let handle = layer.handle().clone();
    let dispatch = dispatch(layer);
    let started = std::sync::Arc::new(std::sync::Barrier::new(THREADS + 1));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let dispatch = dispatch.clone();
            let started = started.clone();
            std::thread::spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    started.wait();
                    for seq in 0..EACH {
                        tracing::info!(target: "app", thread = t, seq, "racing shutdown");
                    }
                })
            })
        })
        .collect();
    started.wait();
    // Shut down while the threads are (most likely) still logging.
    drop(guard);
    for t in threads {
        t.join().unwrap();
    }
    let stats = handle.stats();
    let total = THREADS as u64 * EACH;
    assert_eq!(
        stats.delivered + stats.dropped.total(),
        total,
        "every event delivered or counted: {stats:?}"
    );
    assert_eq!(
        stats.dropped.total(),
        stats.dropped.get(DropReason::AfterShutdown)
    );
    assert_eq!(stats.queued_events, 0, "nothing left in the queues");
    assert_eq!(moto.all_events(group).len() as u64, stats.delivered);
}

/// Captured messages like the one before them keep only what differs (`src/front/
/// front_coding.rs`): every message must still arrive exactly as logged, through both front
/// ends, whether it shares much, little or nothing with its neighbours, and with characters of
/// several bytes where the shared parts would end.
#[test]
fn messages_like_their_neighbours_arrive_exactly_as_logged() {
    let moto = shared_moto();
    let messages: Vec<String> = (0..3000u32)
        .map(|i| match i % 7 {
            0 => format!("request handled id={i} user=alice path=/api/v1/items status=200"),
            1 => format!(
                "request handled id={} user=alice path=/api/v1/items status=200",
                i * 13
            ),
            2 => format!("prix: {} € TTC, client ✓ réglé", i % 3),
            3 => format!("prix: {} ₤ TTC, client © réglé", i % 3),
            4 => "🦀".repeat((i % 5) as usize),
            5 => format!("{i}"),
            _ => format!("request handled id={i} user=bob path=/api/v1/items status=404"),
        })
        .collect();
    for front in ["tracing", "log"] {
        let group = format!("hand-off-like-messages-{front}");
        let handle = match front {
            "tracing" => {
                let (layer, guard) = start(config(&moto, &group));
                let handle = layer.handle().clone();
                tracing::dispatcher::with_default(&dispatch(layer), || {
                    for (seq, m) in messages.iter().enumerate() {
                        tracing::info!(target: "app", seq, "{m}");
                    }
                });
                (handle, guard)
            }
            _ => {
                let (logger, guard) = watchtower_logs::log::CloudWatchLogger::start(
                    config(&moto, &group).build().unwrap(),
                )
                .unwrap();
                for m in &messages {
                    ::log::Log::log(
                        &logger,
                        &::log::Record::builder()
                            .level(::log::Level::Info)
                            .target("app")
                            .args(format_args!("{m}"))
                            .build(),
                    );
                }
                (logger.handle().clone(), guard)
            }
        };
        let (handle, _guard) = handle;
        handle.flush(FLUSH).unwrap();
        let mut got: Vec<String> = moto
            .all_events(&group)
            .iter()
            .map(|(_, e)| json(e)["message"].as_str().unwrap().to_owned())
            .collect();
        let mut expected = messages.clone();
        got.sort();
        expected.sort();
        assert_eq!(got.len(), expected.len(), "{front}");
        assert!(got == expected, "{front}: every message exactly as logged");
    }
}

/// Two shippers in one subscriber: the first (`Block`, so it captures into a fresh text per
/// event) and the second (buffered) remember the thread's last target place in common, which
/// can fall inside the second's current message. That message must not be shortened then:
/// every event keeps its target, hence its stream (`{logger_name}`), and its message.
#[test]
fn a_target_found_inside_a_message_stays_the_events_target() {
    let moto = shared_moto();
    let (first, second) = ("hand-off-two-shippers-a", "hand-off-two-shippers-b");
    let (a, _guard_a) = start(config(&moto, first).overflow(OverflowPolicy::Block {
        timeout: Duration::from_secs(30),
    }));
    let (b, _guard_b) = start(config(&moto, second).log_stream_name("{logger_name}"));
    let (handle_a, handle_b) = (a.handle().clone(), b.handle().clone());
    let messages: Vec<String> = (0..200)
        .map(|i| match i % 2 {
            0 => "sent by app to queue".to_owned(),
            _ => format!("sent by app to queue (retry {i})"),
        })
        .collect();
    let dispatch = Dispatch::new(tracing_subscriber::registry().with(a).with(b));
    tracing::dispatcher::with_default(&dispatch, || {
        for m in &messages {
            tracing::info!(target: "app", "{m}");
        }
    });
    handle_a.flush(FLUSH).unwrap();
    handle_b.flush(FLUSH).unwrap();
    let events = moto.all_events(second);
    assert_eq!(events.len(), messages.len());
    let mut got: Vec<String> = Vec::new();
    for (stream, event) in &events {
        let v = json(event);
        assert_eq!(
            (stream.as_str(), v["target"].as_str()),
            ("app", Some("app"))
        );
        got.push(v["message"].as_str().unwrap().to_owned());
    }
    let mut expected = messages.clone();
    got.sort();
    expected.sort();
    assert!(got == expected, "every message exactly as logged");
}
