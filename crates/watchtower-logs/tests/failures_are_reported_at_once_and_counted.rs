//! Failures are never silent: the first failure of each kind is reported at once with its
//! cause, a shutdown says what was lost and why within its one deadline, a panic in code the
//! worker calls (a credentials provider) is counted, not lost, and a stream keeps its logging
//! order even when its batches meet a jittery endpoint.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_credential_types::provider::{future, ProvideCredentials};
use support::{core_config, now_ms, Started as _};
use watchtower_logs::sdk::{Credentials, SharedCredentialsProvider};
use watchtower_logs::{AwsSettings, DropReason, FlushError, Record, WarningKind};
use watchtower_testkit::{shared_moto, FaultPlan, Proxy};

/// A loopback port nothing listens on: connections are refused.
fn refused_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn the_first_failure_is_reported_at_once_and_shutdown_says_what_was_lost() {
    let (builder, warnings) = core_config(&refused_endpoint(), "refused");
    let (logs, _guard) = builder.started();
    for i in 0..3 {
        logs.log(Record::new(format!("event {i}")));
    }
    // Ask for the send now; do not wait for it.
    let _ = logs.flush(Duration::ZERO);
    let retrying = support::wait_for_warning(&warnings, WarningKind::Retrying);
    assert!(
        retrying.message.contains("Connection refused") && retrying.message.contains("retrying"),
        "the cause is named: {}",
        retrying.message
    );
    assert!(
        !retrying.message.contains("failed: ;"),
        "{}",
        retrying.message
    );

    let started = Instant::now();
    let result = logs.shutdown(Duration::from_millis(500));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "one deadline bounds the shutdown: {:?}",
        started.elapsed()
    );
    assert!(
        matches!(result, Err(FlushError::Timeout { pending: 3, .. })),
        "{result:?}"
    );
    let stats = logs.stats();
    assert_eq!(stats.dropped.get(DropReason::ShutdownTimeout), 3, "{stats}");
    let summary = warnings
        .all()
        .into_iter()
        .find(|w| w.kind == WarningKind::Summary)
        .unwrap_or_else(|| panic!("no shutdown summary: {:?}", warnings.messages()));
    assert!(
        summary.message.contains("3 events were not delivered")
            && summary.message.contains("shutdown_timeout=3"),
        "{}",
        summary.message
    );
}

/// Panics on its first call, then gives static credentials.
#[derive(Debug, Default)]
struct PanicsOnce(AtomicUsize);

impl ProvideCredentials for PanicsOnce {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("credentials provider bug");
        }
        future::ProvideCredentials::ready(Ok(Credentials::new(
            "testing",
            "testing-secret-key",
            None,
            None,
            "test",
        )))
    }
}

#[test]
fn a_panic_in_code_the_worker_calls_is_counted_and_the_worker_goes_on() {
    let moto = shared_moto();
    let (builder, warnings) = core_config(&moto.endpoint(), "panicky-credentials");
    let (logs, _guard) = builder
        .aws(
            AwsSettings::new()
                .endpoint_url(moto.endpoint())
                .region("us-east-1")
                .credentials_provider(SharedCredentialsProvider::new(PanicsOnce::default())),
        )
        .started();
    for i in 0..10 {
        logs.log(Record::new(format!("first batch {i}")));
    }
    logs.flush(Duration::from_secs(30))
        .expect("the panicked batch is settled, not left in flight");
    let stats = logs.stats();
    assert_eq!(stats.dropped.get(DropReason::WorkerFailed), 10, "{stats}");
    assert!(
        warnings
            .all()
            .iter()
            .any(|w| w.kind == WarningKind::WorkerFailed
                && w.message.contains("credentials provider bug")),
        "{:?}",
        warnings.messages()
    );
    for i in 0..5 {
        logs.log(Record::new(format!("second batch {i}")));
    }
    logs.flush(Duration::from_secs(30))
        .expect("later batches deliver");
    assert_eq!(logs.stats().delivered, 5);
    assert_eq!(moto.all_events("panicky-credentials").len(), 5);
}

#[test]
fn a_stream_keeps_its_logging_order_through_a_jittery_endpoint() {
    const EVENTS: usize = 4000;
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    proxy.set_faults(FaultPlan {
        latency: Some((Duration::ZERO, Duration::from_millis(25))),
        seed: 7,
        ..FaultPlan::default()
    });
    let (builder, _warnings) = core_config(&proxy.endpoint(), "order");
    let (logs, _guard) = builder
        .log_stream_name("ordered")
        .max_batch_count(40)
        .send_interval(Duration::ZERO)
        .started();
    let start = now_ms();
    for i in 0..EVENTS {
        // 100 events share each millisecond.
        logs.log(Record::new(format!("{i:05}")).timestamp_millis(start + (i / 100) as i64));
    }
    logs.flush(Duration::from_secs(120)).unwrap();
    proxy.assert_no_violations();
    let got: Vec<String> = moto
        .events("order", "ordered")
        .into_iter()
        .map(|e| e.message)
        .collect();
    let want: Vec<String> = (0..EVENTS).map(|i| format!("{i:05}")).collect();
    let inversions = got.windows(2).filter(|w| w[0] > w[1]).count();
    assert_eq!(inversions, 0, "events stored out of logging order");
    assert_eq!(got, want);
}
