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
    // Spans past the text's end: no message is the text's last, none is packed against another.
    let mut text = String::from("0123456789");
    let mut packed = PackedEvents::with_capacity(4);
    for event in events {
        packed.push(event, &mut text);
    }
    assert_eq!(packed.len(), 4);
    let mut got = Vec::new();
    packed.drain(&text, |e, _| got.push(describe(&e)));
    assert_eq!(got, expected);
    assert_eq!(packed.len(), 0);
    // Emptied, it starts afresh.
    packed.push(short(7, Format::Json, LevelName::Debug), &mut text);
    let mut again = Vec::new();
    packed.drain(&text, |e, _| again.push(describe(&e)));
    assert_eq!(again.len(), 1);
    assert!(again[0].starts_with("7 "), "{again:?}");
}

#[test]
fn a_panic_while_draining_leaves_it_empty_and_usable() {
    let mut text = String::from("ab");
    let mut packed = PackedEvents::with_capacity(4);
    for time in [1, 2] {
        packed.push(short(time, Format::Json, LevelName::Info), &mut text);
    }
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        packed.drain(&text, |_, _| panic!("a rendering that panics"))
    }));
    assert!(panicked.is_err());
    assert_eq!(packed.len(), 0);
    packed.push(short(9, Format::Plain, LevelName::Warn), &mut text);
    let mut got = Vec::new();
    packed.drain(&text, |e, _| got.push((e.time_ms, e.format)));
    assert_eq!(got, vec![(9, Format::Plain)]);
}

#[test]
fn a_typical_event_packs_into_a_few_bytes() {
    // A burst: same target and file, times a millisecond apart at most, messages one
    // after the other.
    let mut text = String::new();
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
            &mut text,
        );
    }
    let per_event = packed.bytes.len() as f64 / 1024.0;
    assert!(per_event <= 8.0, "{per_event} bytes per event");
}

/// Captures `messages` as the front ends do (each message written at the end of the text,
/// the target once), drains them, checks that each comes back exactly as logged, and returns
/// the bytes the text held against the messages' own.
fn round_trip<M: AsRef<str>>(messages: &[M]) -> (usize, usize) {
    let mut text = String::from("my_app");
    let mut packed = PackedEvents::with_capacity(messages.len());
    for (i, message) in messages.iter().enumerate() {
        let message = Span::push(&mut text, message.as_ref());
        let event = PendingEvent::new(i as i64, Format::Json, LevelName::Info, span(0, 6), message);
        // As the tracing layer captures an event outside any span: an empty span list,
        // after the message.
        #[cfg(feature = "tracing")]
        let event = event.with_spans(Some(Span::since(&text, text.len())));
        packed.push(event, &mut text);
    }
    let held = text.len();
    let mut got = Vec::new();
    packed.drain(&text, |e, message| {
        assert_eq!(e.target.get(&text), "my_app");
        got.push(message.to_string());
    });
    let expected: Vec<&str> = messages.iter().map(AsRef::as_ref).collect();
    assert_eq!(got, expected);
    (held, expected.iter().map(|m| m.len()).sum())
}

#[test]
fn messages_like_their_neighbours_keep_only_what_differs() {
    let messages: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                "request handled id={} user=alice path=/api/v1/items status=200",
                990 + i
            )
        })
        .collect();
    let (held, whole) = round_trip(&messages);
    // The first one whole, then a few digits each.
    assert!(held < whole / 10, "{held} bytes held for {whole}");
}

#[test]
fn messages_unlike_each_other_stay_whole_and_come_back_exact() {
    let messages = [
        "",
        "connection reset by peer",
        "connection reset by peer",
        "connection refused by peer",
        "short",
        "connection reset by peer, retrying",
        // Characters of several bytes where the shared parts would end: never split.
        "prix: 12 € TTC, client ✓ réglé",
        "prix: 12 £ TTC, client ✗ réglé",
        "prix: 12 € TTC, client ✓ réglé",
        "prix: 12 €€ TTC, client ✓ réglé",
        "aaaaaaaaaaaaaaaa",
        "aaaaaaaa",
        "aaaaaaaaaaaaaaaaaaaaaaaa",
        "ab",
        "🦀🦀🦀🦀🦀🦀🦀🦀🦀",
        "🦀🦀🦀🦀x🦀🦀🦀🦀",
    ];
    round_trip(&messages);
}

#[test]
fn random_messages_come_back_exact() {
    let mut rng = fastrand::Rng::with_seed(12);
    let alphabet = ['a', 'b', ' ', '=', 'é', '€', '🦀'];
    let mut base: Vec<char> = (0..40)
        .map(|_| alphabet[rng.usize(..alphabet.len())])
        .collect();
    let messages: Vec<String> = (0..2000)
        .map(|_| {
            // Mostly small edits of the last one, sometimes a new one.
            if rng.u8(..10) == 0 {
                base = (0..rng.usize(..60))
                    .map(|_| alphabet[rng.usize(..alphabet.len())])
                    .collect();
            } else if !base.is_empty() {
                let at = rng.usize(..base.len());
                base[at] = alphabet[rng.usize(..alphabet.len())];
            }
            base.iter().collect()
        })
        .collect();
    let (held, whole) = round_trip(&messages);
    // Most were packed against another.
    assert!(held < whole / 2, "{held} bytes held for {whole}");
}

/// Drains `packed`: each event's whole message and target.
fn messages_and_targets(packed: &mut PackedEvents, text: &str) -> Vec<(String, String)> {
    let mut got = Vec::new();
    packed.drain(text, |e, message| {
        got.push((message.to_string(), e.target.get(text).to_string()))
    });
    got
}

#[test]
fn a_message_followed_by_other_text_stays_whole() {
    let mut text = String::new();
    let mut packed = PackedEvents::with_capacity(2);
    for i in 0..2 {
        let message = Span::push(&mut text, "the same message, twice over");
        let target = Span::push(&mut text, &format!("target{i}"));
        packed.push(
            PendingEvent::new(i, Format::Json, LevelName::Info, target, message),
            &mut text,
        );
    }
    assert_eq!(text.len(), 2 * ("the same message, twice over".len() + 7));
    let got = messages_and_targets(&mut packed, &text);
    assert_eq!(
        got[1],
        ("the same message, twice over".into(), "target1".into())
    );
}

#[test]
fn a_message_holding_the_events_target_stays_whole() {
    // A repeated target is taken where the thread last wrote it, which can be inside this
    // very message (another shipper's text had it there): the message must not move.
    let mut text = String::new();
    let mut packed = PackedEvents::with_capacity(2);
    let first = Span::push(&mut text, "sent by app to queue");
    let target = Span::push(&mut text, "app");
    packed.push(
        PendingEvent::new(0, Format::Json, LevelName::Info, target, first),
        &mut text,
    );
    let second = Span::push(&mut text, "sent by app to queue (retry 12)");
    // "app" inside the second message.
    let inside = span(second.start + 8, second.start + 11);
    assert_eq!(inside.get(&text), "app");
    packed.push(
        PendingEvent::new(1, Format::Json, LevelName::Info, inside, second),
        &mut text,
    );
    let got = messages_and_targets(&mut packed, &text);
    assert_eq!(
        got[1],
        ("sent by app to queue (retry 12)".into(), "app".into())
    );
}

#[test]
fn the_widest_event_fits_the_scratch() {
    // Every part present, each at its widest: no index of the stack buffer is out of bounds.
    let mut out = Scratch::default();
    out.bytes(&u16::MAX.to_le_bytes());
    out.signed(i64::MIN);
    let widest = Span {
        start: 0,
        end: u32::MAX - 1,
    };
    out.span(widest, u32::MAX);
    out.varint(u64::MAX);
    out.varint(u64::MAX);
    for _ in 0..3 {
        out.span(widest, u32::MAX);
    }
    out.varint(u64::from(u32::MAX));
    assert_eq!(out.written().len(), MOST);
}
