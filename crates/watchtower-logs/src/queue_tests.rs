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
    let q = Queues::new(LIMITS, 3 * held_for(1));
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
    let q = Queues::new(LIMITS, held_for(1));
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
