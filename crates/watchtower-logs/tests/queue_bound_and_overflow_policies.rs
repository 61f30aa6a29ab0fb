//! The queue bound holds, and each overflow policy does what it says.

mod support;

use std::time::Duration;

use support::{core_config, Started as _, FLUSH};
use watchtower_logs::{DropReason, LogOutcome, OverflowPolicy, Record};
use watchtower_testkit::{shared_moto, Proxy};

/// Room for exactly ten events of ten bytes: the bound counts the memory an event holds, here a
/// 32-byte allocation for the message plus 96 bytes of bookkeeping.
const ROOM: usize = 10 * 128;

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
    assert_eq!(logs.queued_bytes(), ROOM as u64);
    logs.flush(FLUSH).unwrap();
    assert_eq!(logs.queued_bytes(), 0);
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
        .any(|m| m.contains("queue is full") && m.contains("see max_queue_bytes and overflow")));
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
    assert_eq!(
        logs.log(Record::new(ten_bytes(10))),
        LogOutcome::Dropped(DropReason::QueueFull)
    );
    proxy.release();
    logs.flush(FLUSH).unwrap();
    assert_eq!(messages(&moto, "block-timeout").len(), 10);
}
