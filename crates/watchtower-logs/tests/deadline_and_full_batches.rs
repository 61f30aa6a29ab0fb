//! Every event reaches PutLogEvents within the send interval without any flush, and a full
//! batch goes at once without waiting for the interval.

mod support;

use std::time::{Duration, Instant};

use support::core_config;
use support::Started as _;
use watchtower_logs::Record;
use watchtower_testkit::shared_moto;

#[test]
fn an_event_is_sent_by_its_deadline_without_flush() {
    let moto = shared_moto();
    let (builder, _) = core_config(&moto.endpoint(), "deadline");
    let interval = Duration::from_millis(500);
    let (logs, _guard) = builder
        .log_stream_name("s")
        .send_interval(interval)
        .started();
    let logged = Instant::now();
    logs.log(Record::new("on time"));
    // Bounded poll: well over the interval, far under "never".
    assert!(moto.wait_until(Duration::from_secs(10), || moto
        .events("deadline", "s")
        .len()
        == 1));
    let took = logged.elapsed();
    assert!(
        took >= interval,
        "sent before its deadline was due: {took:?}"
    );
    // A second event later gets its own deadline (the worker sleeps until the next one).
    logs.log(Record::new("later"));
    assert!(moto.wait_until(Duration::from_secs(10), || moto
        .events("deadline", "s")
        .len()
        == 2));
}

#[test]
fn a_full_batch_does_not_wait_for_the_interval() {
    let moto = shared_moto();
    let (builder, _) = core_config(&moto.endpoint(), "full-batch");
    let (logs, _guard) = builder
        .log_stream_name("s")
        .send_interval(Duration::from_secs(3600))
        .max_batch_count(50)
        .started();
    for i in 0..50 {
        logs.log(Record::new(format!("e{i}")));
    }
    assert!(moto.wait_until(Duration::from_secs(10), || moto
        .events("full-batch", "s")
        .len()
        == 50));
    assert_eq!(logs.stats().batches, 1);
}

#[test]
fn a_batch_full_by_bytes_does_not_wait_either() {
    let moto = shared_moto();
    let (builder, _) = core_config(&moto.endpoint(), "full-bytes");
    let (logs, _guard) = builder
        .log_stream_name("s")
        .send_interval(Duration::from_secs(3600))
        .max_batch_size(10 * 126)
        .max_message_size(126)
        .started();
    for i in 0..10 {
        logs.log(Record::new(format!("{i:0>100}")));
    }
    assert!(moto.wait_until(Duration::from_secs(10), || moto
        .events("full-bytes", "s")
        .len()
        == 10));
}
