//! flush waits for delivery or says it timed out; shutdown flushes, counts what is left, and
//! refuses later records (counted, warned); the guard flushes on drop.

mod support;

use std::time::Duration;

use support::{core_config, Started as _, FLUSH};
use watchtower_logs::{DropReason, FlushError, LogOutcome, Record};
use watchtower_testkit::{shared_moto, Proxy};

#[test]
fn flush_reports_a_timeout_when_the_network_stalls() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, _) = core_config(&proxy.endpoint(), "flush-timeout");
    let (logs, _guard) = builder.log_stream_name("s").started();
    proxy.hold();
    logs.log(Record::new("stuck"));
    let err = logs.flush(Duration::from_millis(300)).unwrap_err();
    assert_eq!(
        err,
        FlushError::Timeout {
            timeout: Duration::from_millis(300),
            pending: 1
        }
    );
    proxy.release();
    logs.flush(FLUSH).unwrap();
    assert_eq!(moto.events("flush-timeout", "s").len(), 1);
}

#[test]
fn shutdown_counts_what_it_could_not_deliver() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, warnings) = core_config(&proxy.endpoint(), "shutdown-timeout");
    let (logs, guard) = builder.log_stream_name("s").started();
    proxy.hold();
    for i in 0..3 {
        logs.log(Record::new(format!("e{i}")));
    }
    let err = logs.shutdown(Duration::from_millis(300)).unwrap_err();
    assert!(
        matches!(err, FlushError::Timeout { pending: 3, .. }),
        "{err:?}"
    );
    let stats = logs.stats();
    assert_eq!(stats.dropped.get(DropReason::ShutdownTimeout), 3);
    assert_eq!(stats.queued_events, 0);
    assert!(warnings
        .messages()
        .iter()
        .any(|m| m.starts_with("Timed out while delivering logs")));
    proxy.release();
    drop(guard); // already shut down: nothing more happens
    assert_eq!(logs.shutdown(FLUSH), Err(FlushError::AlreadyShutdown));
}

#[test]
fn records_after_shutdown_are_counted_and_warned() {
    let moto = shared_moto();
    let (builder, warnings) = core_config(&moto.endpoint(), "after-shutdown");
    let (logs, _guard) = builder.log_stream_name("s").started();
    logs.log(Record::new("before"));
    logs.shutdown(FLUSH).unwrap();
    assert_eq!(
        logs.log(Record::new("after")),
        LogOutcome::Dropped(DropReason::AfterShutdown)
    );
    assert_eq!(logs.stats().dropped.get(DropReason::AfterShutdown), 1);
    assert!(warnings
        .messages()
        .contains(&"Received message after logging system shutdown".to_string()));
    assert_eq!(logs.flush(FLUSH), Err(FlushError::AlreadyShutdown));
    assert_eq!(moto.events("after-shutdown", "s").len(), 1);
}

#[test]
fn dropping_the_guard_delivers_everything() {
    let moto = shared_moto();
    let (builder, _) = core_config(&moto.endpoint(), "guard-drop");
    let (logs, guard) = builder
        .log_stream_name("s")
        .send_interval(Duration::from_secs(3600))
        .started();
    for i in 0..1000 {
        logs.log(Record::new(format!("e{i}")));
    }
    drop(guard);
    assert!(logs.is_shut_down());
    assert_eq!(moto.events("guard-drop", "s").len(), 1000);
}

#[test]
fn the_guard_can_be_dropped_inside_async_runtimes() {
    let moto = shared_moto();
    for (i, flavor) in ["current_thread", "multi_thread"].into_iter().enumerate() {
        let rt = if flavor == "current_thread" {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        } else {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
        }
        .unwrap();
        let endpoint = moto.endpoint();
        rt.block_on(async move {
            let (builder, _) = core_config(&endpoint, "in-runtime");
            let (logs, guard) = builder
                .log_stream_name(format!("s{i}"))
                .send_interval(Duration::from_secs(3600))
                .started();
            logs.log(Record::new("from async"));
            logs.flush_async(FLUSH).await.unwrap();
            logs.log(Record::new("on drop"));
            drop(guard);
        });
        assert_eq!(
            moto.events("in-runtime", &format!("s{i}")).len(),
            2,
            "{flavor}"
        );
    }
}
