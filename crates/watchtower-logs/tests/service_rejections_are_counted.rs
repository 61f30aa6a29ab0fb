//! Events the service rejects individually (too old, too new) are counted by reason and the
//! rest of the batch is delivered. The proxy gives moto's rejection indices the service's
//! (exclusive end) convention.

mod support;

use support::{core_config, now_ms, Started as _, FLUSH};
use watchtower_logs::{DropReason, Record};
use watchtower_testkit::{shared_moto, Proxy};

#[test]
fn too_old_and_too_new_events_are_counted() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, warnings) = core_config(&proxy.endpoint(), "rejected");
    let (logs, _guard) = builder.log_stream_name("s").started();
    let now = now_ms();
    let day = 86_400_000;
    logs.log(Record::new("fifteen days old").timestamp_millis(now - 15 * day));
    logs.log(Record::new("fine").timestamp_millis(now));
    logs.log(Record::new("three hours ahead").timestamp_millis(now + 3 * 3_600_000));
    logs.flush(FLUSH).unwrap();
    let stats = logs.stats();
    assert_eq!(stats.delivered, 1, "{stats:?}");
    assert_eq!(stats.dropped.get(DropReason::TooOld), 1, "{stats:?}");
    assert_eq!(stats.dropped.get(DropReason::TooNew), 1, "{stats:?}");
    let stored: Vec<String> = moto
        .events("rejected", "s")
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(stored, vec!["fine"]);
    assert!(warnings
        .all()
        .iter()
        .any(|w| w.kind == watchtower_logs::WarningKind::Rejected));
}
