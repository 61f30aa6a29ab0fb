//! Unit tests of the handle: logging, flush, shutdown, a failed worker.
use std::sync::{Arc, Mutex};

use super::*;
use crate::{AwsSettings, FnSink, LogOutcome, Warning, WarningKind};

fn config(seen: &Arc<Mutex<Vec<Warning>>>) -> Config {
    let sink = seen.clone();
    Config::builder()
        .aws(
            AwsSettings::new()
                .endpoint_url("http://127.0.0.1:1")
                .region("us-east-1")
                .credentials("testing", "testing-secret", None),
        )
        .warnings(Arc::new(FnSink(move |w: &Warning| {
            sink.lock().unwrap().push(w.clone())
        })))
        .build()
        .unwrap()
}

#[test]
fn a_worker_that_panics_becomes_a_state_and_counts_what_it_held() {
    let seen = Arc::new(Mutex::new(Vec::<Warning>::new()));
    let (logs, guard) = config(&seen).start().unwrap();
    for i in 0..5 {
        logs.log(Record::new(format!("held {i}")));
    }
    logs.inner
        .shared
        .fail_next_flush
        .store(true, Ordering::SeqCst);
    let err = logs.flush(Duration::from_secs(10)).unwrap_err();
    assert_eq!(err, FlushError::WorkerFailed { lost: 5 });
    assert!(logs.worker_failed());
    let stats = logs.stats();
    assert_eq!(stats.dropped.get(DropReason::WorkerFailed), 5, "{stats}");
    assert_eq!(stats.queued_events, 0, "{stats}");
    assert_eq!(
        logs.log(Record::new("late")),
        LogOutcome::Dropped(DropReason::AfterShutdown)
    );
    assert_eq!(
        logs.shutdown(Duration::from_secs(1)),
        Err(FlushError::WorkerFailed { lost: 5 })
    );
    drop(guard);
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().any(|w| w.kind == WarningKind::WorkerFailed
            && w.message.contains("injected worker failure")
            && w.message.contains("5 queued events were lost")),
        "{seen:?}"
    );
}

#[test]
fn a_record_after_a_guard_dropped_at_once_says_why() {
    let seen = Arc::new(Mutex::new(Vec::<Warning>::new()));
    let (logs, _) = config(&seen).start().unwrap();
    assert!(
        logs.is_shut_down(),
        "binding the guard to `_` drops it at once"
    );
    assert!(seen.lock().unwrap().is_empty(), "nothing to say yet");
    logs.log(Record::new("first"));
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().any(|w| w
            .message
            .contains("WorkerGuard was dropped before anything was logged")),
        "{seen:?}"
    );
}

#[test]
fn a_flush_behind_another_threads_shutdown_waits_for_it_to_end() {
    // A signal's watcher shuts the handle down while the main thread flushes on its way out:
    // the flush must not return (and let the process exit) before that shutdown is done.
    let seen = Arc::new(Mutex::new(Vec::<Warning>::new()));
    let (logs, _guard) = config(&seen).start().unwrap();
    logs.log(Record::new("held: the endpoint refuses every connection"));
    let other = logs.clone();
    let shutdown = std::thread::spawn(move || other.shutdown(Duration::from_millis(500)));
    while !logs.is_shut_down() {
        std::thread::yield_now();
    }
    assert_eq!(
        logs.flush(Duration::from_secs(10)),
        Err(FlushError::AlreadyShutdown)
    );
    assert!(
        logs.inner.shared.wait_ended(Duration::ZERO),
        "flush returned while the shutdown was still under way"
    );
    assert!(
        shutdown.join().unwrap().is_err(),
        "nothing could be delivered"
    );
}
