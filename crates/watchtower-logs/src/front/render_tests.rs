//! Unit tests of `render.rs`.
use super::*;
#[cfg(feature = "tracing")]
use crate::front::json_span;

#[cfg(feature = "tracing")]
fn fields() -> Fields {
    let mut f = Fields::default();
    f.insert("n".into(), FieldValue::I64(-3));
    f.insert("s".into(), FieldValue::Str("a \"b\"\n".into()));
    f.insert("ok".into(), FieldValue::Bool(true));
    f.insert("x".into(), FieldValue::F64(1.5));
    f.insert("big".into(), FieldValue::U128(u128::MAX));
    f.insert("n".into(), FieldValue::U64(7));
    f
}

#[cfg(feature = "tracing")]
fn parts(fields: &Fields) -> EventParts<'_> {
    EventParts {
        time_ms: 1_795_550_400_123,
        level: "INFO",
        target: "app::db",
        message: "done",
        fields,
        file: Some("src/db.rs"),
        line: Some(12),
    }
}

#[test]
#[cfg(feature = "tracing")]
fn json_keeps_types_order_and_escapes() {
    let f = fields();
    let mut spans = String::new();
    let mut span_fields = Fields::default();
    span_fields.insert("name".into(), FieldValue::Str("shadow".into()));
    json_span(&mut spans, "req", Some(&span_fields));
    let s = render(Format::Json, &parts(&f), Some(&spans));
    assert_eq!(
        s,
        format!(
            "{{\"timestamp\":\"2026-11-24T20:00:00.123Z\",\"level\":\"INFO\",\
             \"target\":\"app::db\",\"message\":\"done\",\"fields\":{{\"n\":7,\
             \"s\":\"a \\\"b\\\"\\n\",\"ok\":true,\"x\":1.5,\"big\":{}}},\
             \"spans\":[{{\"name\":\"req\",\"field.name\":\"shadow\"}}],\
             \"file\":\"src/db.rs\",\"line\":12}}",
            u128::MAX
        )
    );
    let v: serde_json::Value = serde_json::from_str(&s).expect("valid JSON");
    assert_eq!(v["fields"]["s"], "a \"b\"\n");
}

/// A JSON event rendered straight in its escaped form is the JSON text escaped, and knows
/// that text's length (what the service and the limits count).
#[test]
#[cfg(feature = "tracing")]
fn the_escaped_rendering_is_the_json_escaped() {
    let f = fields();
    let mut spans = String::new();
    json_span(&mut spans, "req\"q", Some(&f));
    for spans in [None, Some(spans.as_str())] {
        for (message, level) in [
            ("done", "INFO"),
            ("", "WARN"),
            ("a \"quoted\" \\ line\nnext\u{1} é", "TRACE"),
            // A level no front end names takes the general path.
            ("done", "NOTI\"CE"),
        ] {
            let mut p = parts(&f);
            p.message = message;
            p.level = level;
            p.target = "ta\"rget";
            let json = render(Format::Json, &p, spans);
            let (escaped, text_len) = render_escaped(&p, spans);
            assert_eq!(text_len, json.len());
            let mut want = Vec::new();
            crate::escape::push_json_str(&mut want, &json);
            assert_eq!(format!("\"{escaped}\""), String::from_utf8(want).unwrap());
            assert_eq!(crate::escape::unescape(&escaped), json);
            let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
            assert_eq!(v["level"], level);
            assert_eq!(v["target"], "ta\"rget");
            assert_eq!(v["message"], message);
            assert_eq!(v["file"], "src/db.rs");
            assert!(escaped.capacity() <= escaped.len() + escaped.len() / 8);
        }
    }
}

/// The queue counts a message's capacity: rendering leaves little slack, with a file and
/// line and with a message whose escapes outgrow the estimate.
#[cfg(feature = "tracing")]
#[test]
fn rendered_messages_hold_little_slack() {
    let f = Fields::default();
    let quotes = "\"".repeat(300);
    for message in [
        "request handled id=42 user=alice path=/api/v1/items status=200",
        &quotes,
    ] {
        for format in [Format::Json, Format::Plain] {
            let mut p = parts(&f);
            p.message = message;
            p.file = Some("crates/watchtower-bench/src/bin/rust-peers.rs");
            p.line = Some(212);
            let s = render(format, &p, None);
            assert!(
                s.capacity() <= s.len() + s.len() / 8,
                "{} for {}",
                s.capacity(),
                s.len()
            );
        }
    }
}

#[test]
fn timestamps_match_chrono() {
    let mut ms: i64 = 0;
    let check = |ms: i64| {
        let mut ours = String::new();
        write_timestamp(&mut ours, ms);
        let chrono = chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        assert_eq!(ours, chrono, "{ms}");
    };
    while ms < 4_102_444_800_000 {
        check(ms);
        // The same second again (its text reused), and the next one.
        for later in [ms + 1, ms + 999 - ms % 1000, ms + 1000] {
            check(later);
        }
        ms += 7_654_321_987; // about 89 days, with varying times of day
    }
    let mut leap = String::new();
    write_timestamp(&mut leap, 1_709_164_800_123); // 2024-02-29
    assert_eq!(leap, "2024-02-29T00:00:00.123Z");
}

#[test]
fn json_escapes_control_characters() {
    let mut s = String::new();
    json_str(&mut s, "a\u{1}é\u{7f}");
    assert_eq!(s, "\"a\\u0001é\u{7f}\"");
    let back: String = serde_json::from_str(&s).unwrap();
    assert_eq!(back, "a\u{1}é\u{7f}");
}

#[test]
#[cfg(feature = "tracing")]
fn plain_is_one_line_like_fmt() {
    let f = fields();
    let mut spans = String::new();
    let mut a = Fields::default();
    a.insert("id".into(), FieldValue::I64(42));
    plain_span(&mut spans, "request", Some(&a));
    plain_span(&mut spans, "inner", None);
    let s = render(Format::Plain, &parts(&f), Some(&spans));
    assert_eq!(
        s,
        format!(
            "2026-11-24T20:00:00.123Z INFO request{{id=42}}:inner: app::db: src/db.rs:12: \
             done n=7 s=\"a \\\"b\\\"\\n\" ok=true x=1.5 big={}",
            u128::MAX
        )
    );
    let empty = Fields::default();
    let mut p = parts(&empty);
    p.file = None;
    p.line = None;
    assert_eq!(
        render(Format::Plain, &p, None),
        "2026-11-24T20:00:00.123Z INFO app::db: done"
    );
}

/// A timestamp written from a thread-local's destructor, after this thread's cached second is
/// gone, is written afresh (before, `with` panicked there, which aborts the process).
#[test]
fn a_timestamp_written_from_a_thread_local_destructor_is_right() {
    struct WritesOnDrop(std::sync::mpsc::Sender<String>);
    impl Drop for WritesOnDrop {
        fn drop(&mut self) {
            let mut out = String::new();
            write_timestamp(&mut out, 1_795_550_400_123);
            let _ = self.0.send(out);
        }
    }
    thread_local! {
        static LATE: std::cell::RefCell<Option<WritesOnDrop>> = const { std::cell::RefCell::new(None) };
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Registered first, so destroyed after the cached second, which the next line creates.
        LATE.with(|late| *late.borrow_mut() = Some(WritesOnDrop(tx)));
        let mut first = String::new();
        write_timestamp(&mut first, 0);
        assert_eq!(first, "1970-01-01T00:00:00.000Z");
    })
    .join()
    .expect("the thread exits cleanly");
    assert_eq!(rx.recv().unwrap(), "2026-11-24T20:00:00.123Z");
}
