//! Rendering: an event's parts into one JSON object or one plain line, RFC 3339 timestamps
//! and JSON escaping written by hand for speed (see `docs/benchmarks.md`).

use std::cell::Cell;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use super::json::{json_members, json_str, json_value, Escaped, JsonOut};
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
    out.push_str(&timestamp(ms));
}

thread_local! {
    /// The second last rendered on this thread (-1: none) and its text: a busy thread renders
    /// many events per second, which then only differ in their milliseconds.
    static LAST_SECOND: Cell<(i64, [u8; 24])> = const { Cell::new((-1, [b'0'; 24])) };
}

/// `ms` as RFC 3339 UTC with milliseconds (see [`write_timestamp`]).
fn timestamp(ms: i64) -> TimestampText {
    let ms = ms.max(0);
    let (second, millis) = (ms / 1000, ms % 1000);
    let (cached, mut buf) = LAST_SECOND.get();
    if cached != second {
        buf = second_text(second);
        LAST_SECOND.set((second, buf));
    }
    put_digits(&mut buf[20..23], millis);
    TimestampText(buf)
}

/// `YYYY-MM-DDTHH:MM:SS.000Z` for a second since the Unix epoch.
fn second_text(second: i64) -> [u8; 24] {
    let (days, secs) = (second.div_euclid(86_400), second.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let mut buf = *b"0000-00-00T00:00:00.000Z";
    put_digits(&mut buf[0..4], year.min(9999));
    put_digits(&mut buf[5..7], month);
    put_digits(&mut buf[8..10], day);
    put_digits(&mut buf[11..13], secs / 3600);
    put_digits(&mut buf[14..16], secs / 60 % 60);
    put_digits(&mut buf[17..19], secs % 60);
    buf
}

/// Writes `n` in decimal into all of `out`, zero-padded.
fn put_digits(out: &mut [u8], mut n: i64) {
    for digit in out.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// An RFC 3339 timestamp's 24 ASCII bytes.
struct TimestampText([u8; 24]);

impl std::ops::Deref for TimestampText {
    type Target = str;

    fn deref(&self) -> &str {
        // Only ASCII digits and separators are ever written.
        std::str::from_utf8(&self.0).unwrap_or("1970-01-01T00:00:00.000Z")
    }
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

/// Bytes to reserve for an event's rendering: the JSON around the strings is about 100 bytes
/// (escaped, about 30 more), the plain prefix about 40.
fn capacity(around: usize, event: &EventParts<'_>, spans: Option<&str>) -> usize {
    around
        + event.target.len()
        + event.message.len()
        + spans.map_or(0, str::len)
        + event.file.map_or(0, |f| f.len() + 12)
        + event.line.map_or(0, |_| 16)
        + 24 * event.fields.0.len()
}

/// Renders an event. `spans` is the already rendered span list: for JSON the elements of the
/// `spans` array (`None`: no `spans` key), for plain text the `a{..}:b:` prefix.
pub(crate) fn render(format: Format, event: &EventParts<'_>, spans: Option<&str>) -> String {
    match format {
        Format::Json => {
            let mut out = String::with_capacity(capacity(104, event, spans));
            json_event(&mut out, event, spans);
            little_slack(out)
        }
        Format::Plain => little_slack(plain_event(event, spans)),
    }
}

/// Renders an event as JSON straight in its escaped form (see [`Escaped`]): the message and
/// the length of the JSON text it stands for.
pub(crate) fn render_escaped(event: &EventParts<'_>, spans: Option<&str>) -> (String, usize) {
    let mut out = Escaped::with_capacity(capacity(136, event, spans));
    json_event(&mut out, event, spans);
    (little_slack(out.out), out.text_len)
}

/// The queue holds a rendered message until it is sent: give back a regrowth's slack (an
/// estimate short of the escapes or of long fields doubled the capacity).
fn little_slack(mut out: String) -> String {
    if out.capacity() - out.len() > out.len() / 8 {
        out.shrink_to_fit();
    }
    out
}

fn json_event<W: JsonOut>(out: &mut W, event: &EventParts<'_>, spans: Option<&str>) {
    out.lit("{\"timestamp\":\"", "{\\\"timestamp\\\":\\\"");
    out.bare(&timestamp(event.time_ms));
    out.lit("\",\"level\":", "\\\",\\\"level\\\":");
    json_str(out, event.level);
    out.lit(",\"target\":", ",\\\"target\\\":");
    json_str(out, event.target);
    out.lit(",\"message\":", ",\\\"message\\\":");
    json_str(out, event.message);
    out.lit(",\"fields\":{", ",\\\"fields\\\":{");
    json_members(out, event.fields, true, false);
    out.lit("}", "}");
    if let Some(spans) = spans {
        out.lit(",\"spans\":[", ",\\\"spans\\\":[");
        out.json(spans);
        out.lit("]", "]");
    }
    if let Some(file) = event.file {
        out.lit(",\"file\":", ",\\\"file\\\":");
        json_str(out, file);
    }
    if let Some(line) = event.line {
        out.lit(",\"line\":", ",\\\"line\\\":");
        out.bare(itoa::Buffer::new().format(line));
    }
    out.lit("}", "}");
}

fn plain_event(event: &EventParts<'_>, spans: Option<&str>) -> String {
    let mut out = String::with_capacity(capacity(48, event, spans));
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
    out
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
