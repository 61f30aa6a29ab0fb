//! Rendering: an event's parts into one JSON object or one plain line, RFC 3339 timestamps
//! and JSON escaping written by hand for speed (see `docs/benchmarks.md`).

use std::cell::RefCell;
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
/// Runs for every event, so it formats the digits itself (a chrono `format` call parses its
/// pattern each time and costs several times more).
pub(crate) fn write_timestamp(out: &mut String, ms: i64) {
    timestamp(ms, |piece| out.push_str(piece));
}

thread_local! {
    /// The second last rendered on this thread (-1: none) and its text up to the milliseconds
    /// (`2026-11-24T20:00:00.`): a busy thread renders many events per second, which then only
    /// differ in their milliseconds.
    static LAST_SECOND: RefCell<(i64, String)> = const { RefCell::new((-1, String::new())) };
}

/// `"000"` to `"999"`, three bytes each: an event's milliseconds are a slice of it.
const MILLIS: &str = match std::str::from_utf8(&MILLIS_DIGITS) {
    Ok(digits) => digits,
    Err(_) => panic!("ASCII digits"),
};

const MILLIS_DIGITS: [u8; 3000] = {
    let mut digits = [b'0'; 3000];
    let mut n = 0;
    while n < 1000 {
        digits[3 * n] = b'0' + (n / 100) as u8;
        digits[3 * n + 1] = b'0' + (n / 10 % 10) as u8;
        digits[3 * n + 2] = b'0' + (n % 10) as u8;
        n += 1;
    }
    digits
};

/// Passes `ms` as RFC 3339 UTC with milliseconds to `push`, in pieces.
fn timestamp(ms: i64, mut push: impl FnMut(&str)) {
    let ms = ms.max(0);
    let (second, millis) = (ms / 1000, (ms % 1000) as usize);
    // Without the cache (re-entered, or the thread's copy already destroyed: a thread-local's
    // destructor may log as the thread exits), the second is written afresh.
    let cached = LAST_SECOND.try_with(|last| {
        let Ok(mut last) = last.try_borrow_mut() else {
            return false;
        };
        if last.0 != second {
            last.0 = -1;
            second_text(second, &mut last.1);
            last.0 = second;
        }
        push(&last.1);
        true
    });
    if cached != Ok(true) {
        let mut text = String::with_capacity(20);
        second_text(second, &mut text);
        push(&text);
    }
    push(&MILLIS[3 * millis..3 * millis + 3]);
    push("Z");
}

/// Writes `YYYY-MM-DDTHH:MM:SS.` for a second since the Unix epoch into `out`, replacing
/// what it held.
fn second_text(second: i64, out: &mut String) {
    let (days, secs) = (second.div_euclid(86_400), second.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    out.clear();
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.",
        year.min(9999),
        month,
        day,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
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
    timestamp(event.time_ms, |piece| out.bare(piece));
    // Keys, punctuation and the level as few constant pieces as possible.
    match level_literal(event.level) {
        Some((json, esc)) => out.lit(json, esc),
        None => {
            out.lit("\",\"level\":", "\\\",\\\"level\\\":");
            json_str(out, event.level);
            out.lit(",\"target\":\"", ",\\\"target\\\":\\\"");
        }
    }
    out.text(event.target);
    out.lit("\",\"message\":\"", "\\\",\\\"message\\\":\\\"");
    out.text(event.message);
    out.lit("\",\"fields\":{", "\\\",\\\"fields\\\":{");
    json_members(out, event.fields, true, false);
    out.lit("}", "}");
    if let Some(spans) = spans {
        out.lit(",\"spans\":[", ",\\\"spans\\\":[");
        out.json(spans);
        out.lit("]", "]");
    }
    if let Some(file) = event.file {
        out.lit(",\"file\":\"", ",\\\"file\\\":\\\"");
        out.text(file);
        out.lit("\"", "\\\"");
    }
    if let Some(line) = event.line {
        out.lit(",\"line\":", ",\\\"line\\\":");
        out.bare(itoa::Buffer::new().format(line));
    }
    out.lit("}", "}");
}

/// The JSON from the timestamp's closing quote to the target's opening one, for the levels
/// the front ends name, in both forms: one piece instead of five.
fn level_literal(level: &str) -> Option<(&'static str, &'static str)> {
    macro_rules! pair {
        ($level:literal) => {
            (
                concat!("\",\"level\":\"", $level, "\",\"target\":\""),
                concat!(
                    "\\\",\\\"level\\\":\\\"",
                    $level,
                    "\\\",\\\"target\\\":\\\""
                ),
            )
        };
    }
    Some(match level {
        "ERROR" => pair!("ERROR"),
        "WARN" => pair!("WARN"),
        "INFO" => pair!("INFO"),
        "DEBUG" => pair!("DEBUG"),
        "TRACE" => pair!("TRACE"),
        _ => return None,
    })
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
