//! Unit tests of admission: cutting oversize messages, reusing stream names.
use super::*;
use std::sync::Arc;

#[test]
fn cuts_fall_on_char_boundaries() {
    let s = "aé€😀";
    assert_eq!(floor_char_boundary(s, 2), 1);
    assert_eq!(floor_char_boundary(s, 3), 3);
    assert_eq!(floor_char_boundary(s, 5), 3);
    assert_eq!(floor_char_boundary(s, 6), 6);
    assert_eq!(floor_char_boundary(s, 100), s.len());
    let parts = split_message(&"€".repeat(10), 7);
    assert!(parts.iter().all(|p| p.len() <= 7 && !p.is_empty()));
    assert_eq!(parts.concat(), "€".repeat(10));
}

/// The stream name reused from the last event is the one this shipper's template gives
/// this event: two shippers with different templates on one thread, loggers alternating.
#[test]
fn a_reused_stream_name_is_always_the_right_one() {
    let shipper = |template: &str| {
        let config = crate::Config::builder()
            .log_stream_name(template)
            .aws(crate::AwsSettings::new().region("us-east-1"))
            .build()
            .unwrap();
        Shared::new(config)
    };
    let (a, b) = (
        shipper("a-{logger_name}"),
        shipper("b-{logger_name}-{strftime:%S}"),
    );
    let mut want: Vec<(usize, String)> = Vec::new();
    // Each shipper alone (the name's time changes with the same logger), then alternating.
    let order = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
        .into_iter()
        .chain((3..6).flat_map(|i| [(0, i), (1, i)]));
    let loggers = ["x", "x", "y", "x", "y", "y"];
    for (n, i) in order {
        let (shared, logger) = ([&a, &b][n], loggers[i]);
        let seconds = 1_700_000_000_000 + 1000 * i as i64;
        let record = Record::new(format!("{i}"))
            .logger_name(logger)
            .timestamp_millis(seconds);
        assert_eq!(
            shared.log(None, record, Accept::IfRunning),
            LogOutcome::Queued
        );
        let name = if n == 0 {
            format!("a-{logger}")
        } else {
            format!("b-{logger}-{:02}", (20 + i) % 60)
        };
        want.push((n, format!("{name} {i}")));
    }
    let mut got: Vec<(usize, String)> = Vec::new();
    for (n, shared) in [&a, &b].iter().enumerate() {
        let (batches, _) = shared.queues.take_due(Instant::now(), Duration::ZERO, true);
        for batch in batches {
            for event in &batch.events {
                got.push((n, format!("{} {}", batch.stream, event.message)));
            }
        }
    }
    want.sort();
    got.sort();
    assert_eq!(got, want);
}

/// A thread-local's destructor may log as its thread exits, after this thread's caches of the
/// stream name are gone: the name is then rendered afresh (before, `with` panicked there, and
/// a panic in a thread-local's destructor aborts the process).
#[test]
fn a_record_logged_from_a_thread_local_destructor_is_queued() {
    struct LogsOnDrop(Arc<Shared>);
    impl Drop for LogsOnDrop {
        fn drop(&mut self) {
            let record = Record::new("from a destructor")
                .logger_name("late")
                .timestamp_millis(1_700_000_000_000);
            let outcome = self.0.log(None, record, Accept::IfRunning);
            assert_eq!(outcome, LogOutcome::Queued);
        }
    }
    thread_local! {
        static LATE: std::cell::RefCell<Option<LogsOnDrop>> = const { std::cell::RefCell::new(None) };
    }
    let config = crate::Config::builder()
        .log_stream_name("s-{logger_name}-{strftime:%Y}")
        .aws(crate::AwsSettings::new().region("us-east-1"))
        .build()
        .unwrap();
    let shared = Arc::new(Shared::new(config));
    let logger = shared.clone();
    std::thread::spawn(move || {
        // Registered first, so destroyed after the stream name's caches (the name's and the
        // strftime's), which the next lines create.
        LATE.with(|late| *late.borrow_mut() = Some(LogsOnDrop(logger.clone())));
        let record = Record::new("first")
            .logger_name("early")
            .timestamp_millis(1_700_000_000_000);
        assert_eq!(
            logger.log(None, record, Accept::IfRunning),
            LogOutcome::Queued
        );
    })
    .join()
    .expect("the thread exits cleanly");
    let (batches, _) = shared.queues.take_due(Instant::now(), Duration::ZERO, true);
    let mut got: Vec<String> = batches
        .iter()
        .flat_map(|b| {
            b.events
                .iter()
                .map(|e| format!("{} {}", b.stream, e.message))
        })
        .collect();
    got.sort();
    assert_eq!(got, ["s-early-2023 first", "s-late-2023 from a destructor"]);
}
