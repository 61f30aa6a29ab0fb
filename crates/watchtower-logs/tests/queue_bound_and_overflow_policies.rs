//! The queue bound holds, and each overflow policy does what it says.

mod support;

use std::time::Duration;

use support::{core_config, Started as _, FLUSH};
use watchtower_logs::{DropReason, LogOutcome, OverflowPolicy, Record};
use watchtower_testkit::{shared_moto, Proxy};

/// Room for exactly ten events of ten bytes: the bound counts the memory an event holds, here a
/// 32-byte allocation for the message plus 80 bytes of bookkeeping.
const ROOM: usize = 10 * 112;

fn messages(moto: &watchtower_testkit::Moto, group: &str) -> Vec<String> {
    moto.events(group, "s")
        .into_iter()
        .map(|e| e.message)
        .collect()
}

fn ten_bytes(i: usize) -> String {
    format!("event {i:04}")
}

#[test]
fn drop_newest_keeps_the_first_events() {
    let moto = shared_moto();
    let (builder, warnings) = core_config(&moto.endpoint(), "drop-newest");
    let (logs, _guard) = builder
        .log_stream_name("s")
        .send_interval(Duration::from_secs(3600))
        .max_message_size(36)
        .max_queue_bytes(ROOM)
        .overflow(OverflowPolicy::DropNewest)
        .started();
    let outcomes: Vec<LogOutcome> = (0..15)
        .map(|i| logs.log(Record::new(ten_bytes(i))))
        .collect();
    assert!(outcomes[..10].iter().all(|o| *o == LogOutcome::Queued));
    assert!(outcomes[10..]
        .iter()
        .all(|o| *o == LogOutcome::Dropped(DropReason::QueueFull)));
    assert_eq!(logs.stats().queued_bytes, ROOM as u64);
    logs.flush(FLUSH).unwrap();
    assert_eq!(
        messages(&moto, "drop-newest"),
        (0..10).map(ten_bytes).collect::<Vec<_>>()
    );
    let stats = logs.stats();
    assert_eq!(stats.dropped.get(DropReason::QueueFull), 5);
    assert_eq!(stats.records, stats.delivered + stats.dropped.total());
    assert!(warnings
        .messages()
        .iter()
        .any(|m| m.contains("queue is full")));
}

#[test]
fn drop_oldest_keeps_the_last_events() {
    let moto = shared_moto();
    let (builder, _) = core_config(&moto.endpoint(), "drop-oldest");
    let (logs, _guard) = builder
        .log_stream_name("s")
        .send_interval(Duration::from_secs(3600))
        .max_message_size(36)
        .max_queue_bytes(ROOM)
        .overflow(OverflowPolicy::DropOldest)
        .started();
    for i in 0..15 {
        assert_eq!(logs.log(Record::new(ten_bytes(i))), LogOutcome::Queued);
    }
    logs.flush(FLUSH).unwrap();
    assert_eq!(
        messages(&moto, "drop-oldest"),
        (5..15).map(ten_bytes).collect::<Vec<_>>()
    );
    let stats = logs.stats();
    assert_eq!(
        (stats.evicted, stats.dropped.get(DropReason::QueueFull)),
        (5, 5)
    );
    assert_eq!(
        stats.events,
        stats.delivered + stats.settled_failed() + stats.queued_events
    );
}

#[test]
fn block_makes_room_by_sending_and_loses_nothing() {
    let moto = shared_moto();
    let (builder, _) = core_config(&moto.endpoint(), "block");
    let (logs, _guard) = builder
        .log_stream_name("s")
        .send_interval(Duration::from_secs(3600))
        .max_message_size(36)
        .max_queue_bytes(ROOM)
        .overflow(OverflowPolicy::Block {
            timeout: Duration::from_secs(30),
        })
        .started();
    // Three times the room: only possible if blocked callers get the worker to send early.
    for i in 0..30 {
        assert_eq!(logs.log(Record::new(ten_bytes(i))), LogOutcome::Queued);
    }
    logs.flush(FLUSH).unwrap();
    assert_eq!(messages(&moto, "block").len(), 30);
    assert_eq!(logs.stats().dropped.total(), 0);
}

#[test]
fn block_gives_up_after_its_timeout_while_the_network_is_stalled() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, _) = core_config(&proxy.endpoint(), "block-timeout");
    let (logs, _guard) = builder
        .log_stream_name("s")
        .max_message_size(36)
        .max_queue_bytes(ROOM)
        .overflow(OverflowPolicy::Block {
            timeout: Duration::from_millis(200),
        })
        .started();
    proxy.hold();
    for i in 0..10 {
        assert_eq!(logs.log(Record::new(ten_bytes(i))), LogOutcome::Queued);
    }
    // Waiting for room makes the worker cut and seal what is queued (a sealed batch counts
    // less than its events), so a few more fit; then the bound holds sealed batches that the
    // stalled network cannot take, and an event waits its 200 ms and is dropped.
    let mut queued = 10;
    let dropped_after = loop {
        let started = std::time::Instant::now();
        match logs.log(Record::new(ten_bytes(queued))) {
            LogOutcome::Queued => queued += 1,
            outcome => break (outcome, started.elapsed()),
        }
        assert!(queued < 1_000, "the bound never filled");
    };
    assert_eq!(dropped_after.0, LogOutcome::Dropped(DropReason::QueueFull));
    assert!(
        dropped_after.1 >= Duration::from_millis(200),
        "{dropped_after:?}"
    );
    proxy.release();
    logs.flush(FLUSH).unwrap();
    assert_eq!(messages(&moto, "block-timeout").len(), queued);
}

/// A backlog the network cannot take is held sealed (encoded and gzipped, `sealed.rs`) and
/// counted at that size: a 1 MiB bound holds 24,000 JSON events of ~150 bytes (3.5 MB of
/// messages) through an outage, and delivers every one when the network is back.
#[test]
fn an_outage_backlog_is_held_compressed_within_the_bound() {
    const BOUND: usize = 1 << 20;
    const ROUNDS: usize = 12;
    const PER_ROUND: usize = 2_000;
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, _) = core_config(&proxy.endpoint(), "sealed-backlog");
    let (logs, _guard) = builder
        .log_stream_name("s")
        .send_interval(Duration::from_secs(3600))
        .max_queue_bytes(BOUND)
        .overflow(OverflowPolicy::DropNewest)
        .started();
    proxy.hold();
    let message = |i: usize| {
        format!(
            "{{\"timestamp\":\"2026-12-01T17:00:00.000Z\",\"level\":\"INFO\",\"message\":\
             \"request handled id={i:07} user=alice path=/api/v1/items status=200\",\"fields\":{{}}}}"
        )
    };
    let mut payload = 0;
    for round in 0..ROUNDS {
        for i in round * PER_ROUND..(round + 1) * PER_ROUND {
            let text = message(i);
            payload += text.len();
            assert_eq!(logs.log(Record::new(text)), LogOutcome::Queued, "event {i}");
        }
        // Cut what is queued now (the flush times out: nothing can be delivered), then wait
        // until it is sealed and counted at its compressed size.
        let _ = logs.flush(Duration::from_millis(1));
        assert!(
            watchtower_testkit::wait_until(Duration::from_secs(20), || {
                logs.stats().queued_bytes < (BOUND / 4) as u64
            }),
            "round {round}: the backlog still counts {} bytes",
            logs.stats().queued_bytes
        );
    }
    let stats = logs.stats();
    assert_eq!(stats.queued_events, (ROUNDS * PER_ROUND) as u64);
    assert!(payload > 3 * BOUND, "{payload}");
    assert_eq!(stats.dropped.total(), 0);
    proxy.release();
    logs.flush(FLUSH).unwrap();
    assert_eq!(messages(&moto, "sealed-backlog").len(), ROUNDS * PER_ROUND);
    assert_eq!(logs.stats().delivered, (ROUNDS * PER_ROUND) as u64);
}
