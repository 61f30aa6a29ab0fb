//! Unit tests of the queues: wake-ups, the overflow policies, the bound.
use super::*;

const LIMITS: BatchLimits = BatchLimits {
    max_bytes: 1_048_576,
    max_count: 3,
};

fn push(q: &Queues, c: &Counters, stream: &str, msg: &str, policy: OverflowPolicy) -> Pushed {
    q.push(stream, 0, msg.to_owned(), policy, c, || {})
}

#[test]
fn wakes_on_first_event_and_on_full() {
    let (q, c) = (Queues::new(LIMITS, 1 << 20), Counters::default());
    let p = OverflowPolicy::DropNewest;
    assert_eq!(push(&q, &c, "a", "1", p), Pushed::Queued { wake: true });
    assert_eq!(push(&q, &c, "a", "2", p), Pushed::Queued { wake: false });
    assert_eq!(push(&q, &c, "a", "3", p), Pushed::Queued { wake: true });
    assert_eq!(push(&q, &c, "b", "1", p), Pushed::Queued { wake: true });
    let (batches, next) = q.take_due(Instant::now(), Duration::from_secs(60), false);
    assert_eq!(batches.len(), 1, "only the full queue is due");
    assert_eq!(&*batches[0].stream, "a");
    assert!(next.is_some());
    let (batches, next) = q.take_due(Instant::now(), Duration::ZERO, false);
    assert_eq!(batches.len(), 1);
    assert_eq!(&*batches[0].stream, "b");
    assert!(next.is_none());
    assert!(q.lock().streams.is_empty(), "idle queues are removed");
}

#[test]
fn drop_newest_and_drop_oldest() {
    let c = Counters::default();
    let q = Queues::new(LIMITS, 3 * crate::record::held_for(1));
    for m in ["a", "b", "c"] {
        push(&q, &c, "s", m, OverflowPolicy::DropNewest);
    }
    assert_eq!(
        push(&q, &c, "s", "d", OverflowPolicy::DropNewest),
        Pushed::Full
    );
    assert!(matches!(
        push(&q, &c, "t", "e", OverflowPolicy::DropOldest),
        Pushed::Queued { .. }
    ));
    assert_eq!(c.evicted.load(Relaxed), 1);
    let (batches, _) = q.take_due(Instant::now(), Duration::ZERO, true);
    let msgs: Vec<_> = batches
        .iter()
        .flat_map(|b| b.events.iter().map(|e| e.message.clone()))
        .collect();
    assert_eq!(msgs.len(), 3);
    assert!(
        !msgs.contains(&"a".to_string()),
        "the oldest was evicted: {msgs:?}"
    );
}

#[test]
fn block_waits_for_room_then_gives_up() {
    let c = Counters::default();
    let q = Queues::new(LIMITS, crate::record::held_for(1));
    push(&q, &c, "s", "a", OverflowPolicy::DropNewest);
    let started = Instant::now();
    let policy = OverflowPolicy::Block {
        timeout: Duration::from_millis(100),
    };
    assert_eq!(push(&q, &c, "s", "b", policy), Pushed::Full);
    assert!(started.elapsed() >= Duration::from_millis(100));
    // Room freed by another thread lets a blocked push through.
    let q = Arc::new(q);
    let (batches, _) = q.take_due(Instant::now(), Duration::ZERO, true);
    let q2 = q.clone();
    let released = std::thread::spawn(move || {
        let c = Counters::default();
        let policy = OverflowPolicy::Block {
            timeout: Duration::from_secs(30),
        };
        q2.push("s", 0, "c".into(), policy, &c, || {})
    });
    q.release(batches[0].held(), 1, &c);
    assert!(matches!(released.join().unwrap(), Pushed::Queued { .. }));
}

/// Pushing a drain's batch under one lock does what pushing its events one by one does: the
/// same events kept, dropped and evicted, the same counters, a wake-up when one would wake.
#[test]
fn a_batch_is_pushed_as_its_events_one_by_one() {
    // Short runs of one stream, and runs that reach the bound in their middle (a run is
    // queued with one lookup of its stream's queue while its events fit).
    let patterns: [&[&str]; 2] = [&["s", "s", "t"], &["s", "s", "s", "s", "s", "t"]];
    for (pattern, policy) in patterns.into_iter().flat_map(|p| {
        [OverflowPolicy::DropNewest, OverflowPolicy::DropOldest].map(move |policy| (p, policy))
    }) {
        let events: Vec<(&str, String)> = (0..12)
            .map(|i| (pattern[i % pattern.len()], format!("m{i}")))
            .collect();
        let bound = 7 * crate::record::held_for(2);
        let (one, c1) = (Queues::new(LIMITS, bound), Counters::default());
        let mut woke = false;
        // Distinct times: `DropOldest` evicts the oldest of all streams.
        for (i, (stream, m)) in events.iter().enumerate() {
            if let Pushed::Queued { wake } =
                one.push(stream, i as i64, m.clone(), policy, &c1, || {})
            {
                woke |= wake;
            }
        }
        let (all, c2) = (Queues::new(LIMITS, bound), Counters::default());
        let mut batch = PushBatch::default();
        for (i, (stream, m)) in events.iter().enumerate() {
            batch.add(stream, QueuedEvent::text(i as i64, m.clone(), u64::MAX));
        }
        let done = all.push_all(&mut batch, policy, &c2, || {}, &mut Vec::new());
        assert!(batch.is_empty());
        assert_eq!(done.wake, woke);
        assert_eq!(done.queued + done.full, 12, "{policy:?}");
        assert_eq!(done.full > 0, policy == OverflowPolicy::DropNewest);
        for counter in [
            |c: &Counters| c.queued_events.load(Relaxed),
            |c: &Counters| c.queued_bytes.load(Relaxed),
            |c: &Counters| c.evicted.load(Relaxed),
        ] {
            assert_eq!(counter(&c1), counter(&c2), "{policy:?}");
        }
        let taken = |q: &Queues| {
            let (mut batches, _) = q.take_due(Instant::now(), Duration::ZERO, true);
            batches.sort_by(|a, b| a.stream.cmp(&b.stream));
            batches
                .iter()
                .map(|b| {
                    (
                        b.stream.to_string(),
                        b.events
                            .iter()
                            .map(|e| e.message.clone())
                            .collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(taken(&one), taken(&all), "{policy:?}");
    }
    // After shutdown has closed the queues, every event is counted as such.
    let q = Queues::new(LIMITS, 1 << 20);
    q.close();
    let mut batch = PushBatch::default();
    batch.add("s", QueuedEvent::text(0, "x".into(), u64::MAX));
    let done = q.push_all(
        &mut batch,
        OverflowPolicy::DropNewest,
        &Counters::default(),
        || {},
        &mut Vec::new(),
    );
    assert_eq!((done.queued, done.closed), (0, 1));
}
