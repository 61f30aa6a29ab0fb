//! Under throttling, 503s, dropped connections and latency, every event is delivered, no
//! request breaks a limit, the counters equal what moto holds, and duplicates appear only where
//! a connection dropped after the request was applied.

mod support;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use support::{core_config, now_ms, Started as _};
use watchtower_logs::Record;
use watchtower_testkit::{shared_moto, FaultPlan, Outcome, Proxy};

const EVENTS: usize = 100_000;

#[test]
fn hundred_thousand_events_through_faults() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    proxy.set_faults(FaultPlan {
        throttle: 0.20,
        unavailable: 0.10,
        drop_before: 0.025,
        drop_after: 0.025,
        latency: Some((Duration::ZERO, Duration::from_millis(20))),
        seed: 20261124,
        ..FaultPlan::default()
    });
    let (builder, _warnings) = core_config(&proxy.endpoint(), "chaos");
    let (logs, _guard) = builder
        .log_stream_name("chaos/{logger_name}")
        .max_batch_count(500)
        .send_interval(Duration::from_millis(200))
        .started();
    let start = now_ms();
    let loggers = ["a", "b", "c", "d"];
    for i in 0..EVENTS {
        let outcome = logs.log(
            Record::new(format!("chaos event {i:06}"))
                .logger_name(loggers[i % loggers.len()])
                .timestamp_millis(start + (i / 100) as i64),
        );
        assert_eq!(outcome, watchtower_logs::LogOutcome::Queued);
    }
    logs.flush(Duration::from_secs(300))
        .expect("flush delivers everything");
    proxy.clear_faults();

    let stats = logs.stats();
    assert_eq!(stats.delivered, EVENTS as u64, "{stats:?}");
    assert_eq!(stats.dropped.total(), 0, "{stats:?}");
    assert_eq!(stats.queued_events, 0);
    proxy.assert_no_violations();

    let faults = proxy.fault_counts();
    assert!(faults.throttled > 0 && faults.unavailable > 0, "{faults:?}");
    assert!(
        faults.dropped_before > 0 && faults.dropped_after > 0,
        "{faults:?}"
    );
    assert!(stats.retries > 0);

    // Messages that may legitimately appear twice: those of requests moto applied but whose
    // answer never reached the client.
    let may_repeat: HashSet<String> = proxy
        .put_requests()
        .into_iter()
        .filter(|r| matches!(r.outcome, Outcome::DroppedAfterForward { status: 200 }))
        .flat_map(|r| r.events.into_iter().map(|e| e.message))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (_, event) in moto.all_events("chaos") {
        *seen.entry(event.message).or_default() += 1;
    }
    assert_eq!(seen.len(), EVENTS, "every event is in moto");
    for i in 0..EVENTS {
        let msg = format!("chaos event {i:06}");
        let n = seen.get(&msg).copied().unwrap_or(0);
        assert!(n >= 1, "{msg} missing");
        assert!(
            n == 1 || may_repeat.contains(&msg),
            "{msg} duplicated {n} times"
        );
    }
}
