//! Every PutLogEvents request respects every limit, checked by the recording proxy in front of
//! moto, at and past each edge; and what moto holds afterwards is exactly what was logged.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use support::{core_config, now_ms, Started as _, FLUSH};
use watchtower_logs::{DropReason, LogOutcome, OversizePolicy, Record};
use watchtower_testkit::{shared_moto, Proxy};

#[test]
fn exactly_the_byte_limit_fills_one_batch() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, _) = core_config(&proxy.endpoint(), "limits-bytes");
    let (logs, _guard) = builder
        .log_stream_name("s")
        .max_message_size(1_048_576)
        .started();
    // 16 events of 65,510 bytes + 26 = exactly 1,048,576; the 17th must go to another batch.
    let t = now_ms();
    for i in 0..17 {
        let body = format!("{i:02}{}", "b".repeat(65_508));
        assert_eq!(
            logs.log(Record::new(body).timestamp_millis(t + i)),
            LogOutcome::Queued
        );
    }
    logs.flush(FLUSH).unwrap();
    proxy.assert_no_violations();
    let sizes: Vec<(usize, usize)> = proxy
        .put_requests()
        .iter()
        .filter(|r| r.outcome.applied_upstream())
        .map(|r| {
            (
                r.events.len(),
                r.events.iter().map(|e| e.message.len() + 26).sum(),
            )
        })
        .collect();
    assert!(sizes.contains(&(16, 1_048_576)), "{sizes:?}");
    assert_eq!(moto.events("limits-bytes", "s").len(), 17);
    assert_eq!(logs.stats().delivered, 17);
}

#[test]
fn ten_thousand_events_per_batch_and_not_one_more() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, _) = core_config(&proxy.endpoint(), "limits-count");
    let (logs, _guard) = builder
        .log_stream_name("s")
        .send_interval(Duration::from_secs(3600))
        .started();
    let t = now_ms();
    for i in 0..10_001 {
        logs.log(Record::new(format!("e{i}")).timestamp_millis(t));
    }
    logs.flush(FLUSH).unwrap();
    proxy.assert_no_violations();
    let mut counts: Vec<usize> = proxy
        .put_requests()
        .iter()
        .filter(|r| r.outcome.applied_upstream())
        .map(|r| r.events.len())
        .collect();
    counts.sort();
    assert_eq!(counts, vec![1, 10_000]);
    assert_eq!(moto.events("limits-count", "s").len(), 10_001);
    // Within a batch, equal timestamps keep their logging order (batches themselves may
    // arrive in any order: they are sent concurrently).
    let full = proxy
        .put_requests()
        .into_iter()
        .find(|r| r.outcome.applied_upstream() && r.events.len() == 10_000)
        .unwrap();
    assert!(full
        .events
        .iter()
        .enumerate()
        .all(|(i, e)| e.message == format!("e{i}")));
}

#[test]
fn oversize_messages_are_cut_at_a_character_boundary() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, warnings) = core_config(&proxy.endpoint(), "limits-oversize");
    let (logs, _guard) = builder.log_stream_name("{logger_name}").started();
    let max = 262_144 - 26;
    let at_limit = "a".repeat(max);
    // One byte over, with a 3-byte '€' straddling the cut: the whole character goes.
    let over = format!("{}€", "a".repeat(max - 2));
    assert_eq!(
        logs.log(Record::new(at_limit.clone()).logger_name("at")),
        LogOutcome::Queued
    );
    assert_eq!(
        logs.log(Record::new(over).logger_name("over")),
        LogOutcome::Truncated
    );
    logs.flush(FLUSH).unwrap();
    proxy.assert_no_violations();
    assert_eq!(moto.events("limits-oversize", "at")[0].message, at_limit);
    assert_eq!(
        moto.events("limits-oversize", "over")[0].message,
        "a".repeat(max - 2)
    );
    assert_eq!(logs.stats().truncated, 1);
    assert!(warnings
        .messages()
        .contains(&"Log message size exceeds CWL max payload size, truncated".to_string()));
}

#[test]
fn oversize_messages_can_be_split_or_dropped() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, _) = core_config(&proxy.endpoint(), "limits-split");
    let (logs, _guard) = builder
        .log_stream_name("{logger_name}")
        .max_message_size(1026)
        .oversize(OversizePolicy::Split)
        .started();
    let text: String = "é€😀x".repeat(500); // 10 bytes a repeat, multi-byte everywhere
    assert_eq!(
        logs.log(Record::new(text.clone()).logger_name("split")),
        LogOutcome::Split(5)
    );
    logs.flush(FLUSH).unwrap();
    proxy.assert_no_violations();
    let parts = moto.events("limits-split", "split");
    assert_eq!(parts.len(), 5);
    assert!(parts.iter().all(|e| e.message.len() <= 1000));
    assert_eq!(
        parts.iter().map(|e| e.message.as_str()).collect::<String>(),
        text
    );

    let (builder, _) = core_config(&proxy.endpoint(), "limits-drop");
    let (logs, _guard) = builder
        .max_message_size(1026)
        .oversize(OversizePolicy::Drop)
        .started();
    assert_eq!(
        logs.log(Record::new("x".repeat(1001))),
        LogOutcome::Dropped(DropReason::Oversize)
    );
    assert_eq!(logs.stats().dropped.get(DropReason::Oversize), 1);
}

#[test]
fn out_of_order_events_over_more_than_a_day_are_sorted_and_split() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, _) = core_config(&proxy.endpoint(), "limits-span");
    let (logs, _guard) = builder.log_stream_name("s").started();
    let now = now_ms();
    let hour = 3_600_000;
    // 30 hours of events, logged in a scrambled order.
    let mut stamps: Vec<i64> = (0..31).map(|h| now - 30 * hour + h * hour).collect();
    stamps.reverse();
    stamps.swap(3, 17);
    for (i, ts) in stamps.iter().enumerate() {
        logs.log(Record::new(format!("m{i}")).timestamp_millis(*ts));
    }
    logs.flush(FLUSH).unwrap();
    proxy.assert_no_violations();
    let applied = proxy
        .put_requests()
        .into_iter()
        .filter(|r| r.outcome.applied_upstream())
        .count();
    assert!(applied >= 2, "a 30-hour spread needs at least two batches");
    let stored = moto.events("limits-span", "s");
    assert_eq!(stored.len(), 31);
    assert!(stored.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    assert_eq!(logs.stats().delivered, 31);
}

#[test]
fn many_streams_at_once() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, _) = core_config(&proxy.endpoint(), "limits-streams");
    let (logs, _guard) = builder.log_stream_name("app/{logger_name}").started();
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..3000 {
        let logger = format!("logger{}", i % 150);
        let msg = format!("event {i}");
        logs.log(Record::new(msg.clone()).logger_name(&logger));
        expected
            .entry(format!("app/{logger}"))
            .or_default()
            .push(msg);
    }
    logs.flush(FLUSH).unwrap();
    proxy.assert_no_violations();
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (stream, event) in moto.all_events("limits-streams") {
        got.entry(stream).or_default().push(event.message);
    }
    assert_eq!(got, expected);
}

#[test]
fn empty_messages_are_dropped_and_counted() {
    let moto = shared_moto();
    let (builder, warnings) = core_config(&moto.endpoint(), "limits-empty");
    let (logs, _guard) = builder.build().unwrap().start().unwrap();
    assert_eq!(
        logs.log(Record::new("")),
        LogOutcome::Dropped(DropReason::Empty)
    );
    assert_eq!(logs.stats().dropped.get(DropReason::Empty), 1);
    assert_eq!(
        warnings.messages(),
        vec!["Received empty message. Empty messages cannot be sent to CloudWatch Logs"]
    );
}
