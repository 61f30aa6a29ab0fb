//! Unit tests of the packed form of captured events.
use super::*;
use crate::front::{FieldValue, Fields};

/// An event with a one-byte target and message, as most tests need.
fn short(time_ms: i64, format: Format, level: LevelName) -> PendingEvent {
    PendingEvent::new(time_ms, format, level, span(0, 1), span(1, 2))
}

fn span(start: u32, end: u32) -> Span {
    Span { start, end }
}

fn describe(e: &PendingEvent) -> String {
    format!(
        "{} {:?} {:?} {:?} {:?} {:?} {} {:?} {:?} {:?}",
        e.time_ms,
        e.target,
        e.message,
        e.spans,
        e.file,
        e.line,
        e.level.as_str(),
        e.format,
        e.extra.as_ref().map(|x| x.fields.clone()),
        e.extra.as_ref().and_then(|x| x.thread_name),
    )
}

#[test]
fn events_come_back_as_they_went_in() {
    let mut fields = Fields::default();
    fields.insert("rows".into(), FieldValue::U64(3));
    let mut with_thread =
        PendingEvent::new(-5, Format::Json, LevelName::Warn, span(0, 3), span(3, 3));
    with_thread.set_thread_name(span(9, 12));
    let events = vec![
        PendingEvent::new(
            1_700_000_000_123,
            Format::Json,
            LevelName::Info,
            span(0, 10),
            span(10, 20),
        )
        .with_location(Some(span(20, 29)), Some(12)),
        // Same target and file, earlier time, fields and spans.
        PendingEvent::new(
            1_700_000_000_100,
            Format::Plain,
            LevelName::Trace,
            span(0, 10),
            span(29, 40),
        )
        .with_location(Some(span(20, 29)), Some(0))
        .with_fields(fields),
        // A target before the previous message, no file or line, an empty message.
        with_thread,
        PendingEvent::new(
            i64::MAX,
            Format::Json,
            LevelName::Error,
            span(0, 3),
            span(7, 70_000),
        )
        .with_location(None, Some(u32::MAX - 1)),
    ];
    #[cfg(feature = "tracing")]
    let events = {
        let mut events = events;
        let last = events.pop().unwrap().with_spans(Some(span(100, 120)));
        events.push(last);
        events
    };
    let expected: Vec<String> = events.iter().map(describe).collect();
    let mut packed = PackedEvents::with_capacity(4);
    for event in events {
        packed.push(event);
    }
    assert_eq!(packed.len(), 4);
    let mut got = Vec::new();
    packed.drain(|e| got.push(describe(&e)));
    assert_eq!(got, expected);
    assert_eq!(packed.len(), 0);
    // Emptied, it starts afresh.
    packed.push(short(7, Format::Json, LevelName::Debug));
    let mut again = Vec::new();
    packed.drain(|e| again.push(describe(&e)));
    assert_eq!(again.len(), 1);
    assert!(again[0].starts_with("7 "), "{again:?}");
}

#[test]
fn a_panic_while_draining_leaves_it_empty_and_usable() {
    let mut packed = PackedEvents::with_capacity(4);
    for time in [1, 2] {
        packed.push(short(time, Format::Json, LevelName::Info));
    }
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        packed.drain(|_| panic!("a rendering that panics"))
    }));
    assert!(panicked.is_err());
    assert_eq!(packed.len(), 0);
    packed.push(short(9, Format::Plain, LevelName::Warn));
    let mut got = Vec::new();
    packed.drain(|e| got.push((e.time_ms, e.format)));
    assert_eq!(got, vec![(9, Format::Plain)]);
}

#[test]
fn a_typical_event_packs_into_a_few_bytes() {
    // A burst: same target and file, times a millisecond apart at most, messages one
    // after the other.
    let mut packed = PackedEvents::with_capacity(1024);
    for i in 0..1024u32 {
        let message = span(100 + i * 64, 100 + (i + 1) * 64);
        packed.push(
            PendingEvent::new(
                1_700_000_000_000 + i64::from(i / 100),
                Format::Json,
                LevelName::Info,
                span(0, 10),
                message,
            )
            .with_location(Some(span(10, 30)), Some(212)),
        );
    }
    let per_event = packed.bytes.len() as f64 / 1024.0;
    assert!(per_event <= 8.0, "{per_event} bytes per event");
}
