//! Rendering: an event's parts into one JSON object or one plain line, RFC 3339 timestamps
//! and JSON escaping written by hand for speed (see `docs/benchmarks.md`).

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{FieldValue, Fields, Format};

/// The parts of an event both front ends have.
pub(crate) struct EventParts<'a> {
    pub(crate) time_ms: i64,
    pub(crate) level: &'a str,
    pub(crate) target: &'a str,
    pub(crate) message: &'a str,
    pub(crate) fields: &'a Fields,
    pub(crate) file: Option<&'a str>,
    pub(crate) line: Option<u32>,
}

/// Milliseconds since the Unix epoch of `time` (0 before the epoch).
pub(crate) fn millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis().min(i64::MAX as u128) as i64)
        .unwrap_or(0)
}

/// Writes `ms` as RFC 3339 UTC with milliseconds, e.g. `2026-11-24T20:00:00.123Z`.
///
/// Runs for every event in the logging thread, so it formats the digits itself (a chrono
/// `format` call parses its pattern each time and costs several times more).
pub(crate) fn write_timestamp(out: &mut String, ms: i64) {
    let ms = ms.max(0);
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (year, month, day) = civil_from_days(days);
    let secs = ms_of_day / 1000;
    let mut buf = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut n: i64| {
        for i in (at..at + width).rev() {
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year.min(9999));
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, secs / 3600);
    put(14, 2, secs / 60 % 60);
    put(17, 2, secs % 60);
    put(20, 3, ms_of_day % 1000);
    // Only ASCII digits and separators were written.
    out.push_str(std::str::from_utf8(&buf).unwrap_or("1970-01-01T00:00:00.000Z"));
}

/// (year, month, day) of a day count since 1970-01-01, in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Appends `value` as a JSON string literal.
pub(crate) fn json_str(out: &mut String, value: &str) {
    out.push('"');
    crate::escape::escaped(value, |piece| out.push_str(piece));
    out.push('"');
}

fn json_value(out: &mut String, value: &FieldValue) {
    match value {
        FieldValue::Null => out.push_str("null"),
        FieldValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        FieldValue::I64(n) => out.push_str(itoa::Buffer::new().format(*n)),
        FieldValue::U64(n) => out.push_str(itoa::Buffer::new().format(*n)),
        FieldValue::I128(n) => {
            let _ = write!(out, "{n}");
        }
        FieldValue::U128(n) => {
            let _ = write!(out, "{n}");
        }
        // serde_json's float formatting (shortest round trip; NaN and infinities as null).
        FieldValue::F64(f) => match serde_json::to_string(f) {
            Ok(s) => out.push_str(&s),
            Err(_) => out.push_str("null"),
        },
        FieldValue::Str(s) => json_str(out, s),
    }
}

pub(crate) fn plain_value(out: &mut String, value: &FieldValue) {
    match value {
        FieldValue::Null => out.push_str("null"),
        FieldValue::Str(s) => {
            let _ = write!(out, "{s:?}");
        }
        FieldValue::F64(f) => {
            let _ = write!(out, "{f}");
        }
        other => json_value(out, other),
    }
}

/// Appends `fields` as the members of a JSON object (without braces), after `first` members
/// already written when `first` is false. A field called `name` is renamed when `rename_name`.
pub(crate) fn json_members(out: &mut String, fields: &Fields, mut first: bool, rename_name: bool) {
    for (name, value) in fields.iter() {
        if !first {
            out.push(',');
        }
        first = false;
        if rename_name && name == "name" {
            json_str(out, "field.name");
        } else {
            json_str(out, name);
        }
        out.push(':');
        json_value(out, value);
    }
}

/// Appends ` name=value` for each field.
pub(crate) fn plain_fields(out: &mut String, fields: &Fields, leading_space: bool) {
    for (i, (name, value)) in fields.iter().enumerate() {
        if leading_space || i > 0 {
            out.push(' ');
        }
        out.push_str(name);
        out.push('=');
        plain_value(out, value);
    }
}

/// Appends one span of the JSON `spans` list: `{"name":...,fields}`.
#[cfg(feature = "tracing")]
pub(crate) fn json_span(out: &mut String, name: &str, fields: Option<&Fields>) {
    out.push_str("{\"name\":");
    json_str(out, name);
    if let Some(fields) = fields {
        json_members(out, fields, false, true);
    }
    out.push('}');
}

/// Appends one span of the plain prefix: `name{a=1 b=2}:`.
#[cfg(feature = "tracing")]
pub(crate) fn plain_span(out: &mut String, name: &str, fields: Option<&Fields>) {
    out.push_str(name);
    if let Some(fields) = fields.filter(|f| !f.is_empty()) {
        out.push('{');
        plain_fields(out, fields, false);
        out.push('}');
    }
    out.push(':');
}

/// Renders an event. `spans` is the already rendered span list: for JSON the elements of the
/// `spans` array (`None`: no `spans` key), for plain text the `a{..}:b:` prefix.
pub(crate) fn render(format: Format, event: &EventParts<'_>, spans: Option<&str>) -> String {
    // One allocation, no regrowth, little slack (the queue bound counts the capacity): the JSON
    // around the strings is about 100 bytes, the plain prefix about 40.
    let around = match format {
        Format::Json => 104,
        _ => 48,
    };
    let mut out = String::with_capacity(
        around
            + event.target.len()
            + event.message.len()
            + spans.map_or(0, str::len)
            + event.file.map_or(0, |f| f.len() + 12)
            + event.line.map_or(0, |_| 16)
            + 24 * event.fields.0.len(),
    );
    match format {
        Format::Json => {
            out.push_str("{\"timestamp\":\"");
            write_timestamp(&mut out, event.time_ms);
            out.push_str("\",\"level\":");
            json_str(&mut out, event.level);
            out.push_str(",\"target\":");
            json_str(&mut out, event.target);
            out.push_str(",\"message\":");
            json_str(&mut out, event.message);
            out.push_str(",\"fields\":{");
            json_members(&mut out, event.fields, true, false);
            out.push('}');
            if let Some(spans) = spans {
                out.push_str(",\"spans\":[");
                out.push_str(spans);
                out.push(']');
            }
            if let Some(file) = event.file {
                out.push_str(",\"file\":");
                json_str(&mut out, file);
            }
            if let Some(line) = event.line {
                let _ = write!(out, ",\"line\":{line}");
            }
            out.push('}');
        }
        Format::Plain => {
            write_timestamp(&mut out, event.time_ms);
            out.push(' ');
            out.push_str(event.level);
            out.push(' ');
            if let Some(spans) = spans.filter(|s| !s.is_empty()) {
                out.push_str(spans);
                out.push(' ');
            }
            out.push_str(event.target);
            out.push(':');
            match (event.file, event.line) {
                (Some(file), Some(line)) => {
                    let _ = write!(out, " {file}:{line}:");
                }
                (Some(file), None) => {
                    let _ = write!(out, " {file}:");
                }
                (None, Some(line)) => {
                    let _ = write!(out, " {line}:");
                }
                (None, None) => {}
            }
            if !event.message.is_empty() {
                out.push(' ');
                out.push_str(event.message);
            }
            plain_fields(&mut out, event.fields, true);
        }
    }
    // The queue holds this string until it is sent: give back a regrowth's slack (an
    // estimate short of the escapes or of long fields doubled the capacity).
    if out.capacity() - out.len() > out.len() / 8 {
        out.shrink_to_fit();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        while ms < 4_102_444_800_000 {
            let mut ours = String::new();
            write_timestamp(&mut ours, ms);
            let chrono = chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            assert_eq!(ours, chrono, "{ms}");
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
}
