//! Stream name templates: `"{machine_name}/{program_name}/{logger_name}/{process_id}"` and
//! friends, parsed once and rendered for every event.
//!
//! Placeholders are those of watchtower 3.4: `{machine_name}`, `{program_name}`,
//! `{logger_name}`, `{process_id}`, `{thread_name}` and `{strftime:FORMAT}`; `{{` and `}}` stand
//! for literal braces. An unknown placeholder is a configuration error.
//!
//! # Sanitising
//! The service rejects stream names that are empty, longer than 512 characters, or contain `:`
//! or `*`. A template is checked when it is built (its literal text may contain neither), and
//! every rendered name is made valid:
//! - `{program_name}` has `:` removed, exactly as watchtower 3.4 does (`C:\app.py` → `C\app.py`);
//! - in every substituted value, each remaining `:` or `*` becomes `-` (so `{strftime:%H:%M}`
//!   gives `12-30`);
//! - a rendered name longer than 512 characters is cut to its first 512 characters;
//! - an empty rendered name becomes `-`.
//!
//! `{strftime:FORMAT}` formats the event's own timestamp in UTC with chrono's strftime syntax
//! (the same codes as Python's for all common cases).
//!
//! ```
//! use watchtower_logs::template::{StreamNameTemplate, TemplateValues, RenderContext};
//!
//! let values = TemplateValues {
//!     machine_name: "host".into(),
//!     program_name: "C:\\app.py".into(),
//!     process_id: 42,
//! };
//! let t = StreamNameTemplate::parse("{machine_name}/{program_name}/{strftime:%Y-%m-%d}", values).unwrap();
//! let mut out = String::new();
//! t.render_into(&mut out, &RenderContext { logger_name: "app", thread_name: None, timestamp_ms: 0 });
//! assert_eq!(out, "host/C\\app.py/1970-01-01");
//! ```

use std::cell::RefCell;
use std::fmt::Write as _;

use chrono::format::{Fixed, Item, StrftimeItems};
use chrono::{DateTime, Utc};

use crate::error::ConfigError;
use crate::limits::MAX_NAME_CHARS;

/// Python's `str(datetime)` for an aware UTC datetime, used for a bare `{strftime}`.
const BARE_STRFTIME: &str = "%Y-%m-%d %H:%M:%S%.6f+00:00";

/// The per-process values a template may use; fixed when the template is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateValues {
    /// `{machine_name}`: the host name.
    pub machine_name: String,
    /// `{program_name}`: `argv[0]` of the process.
    pub program_name: String,
    /// `{process_id}`.
    pub process_id: u32,
}

impl TemplateValues {
    /// The values of the running process.
    pub fn from_process() -> Self {
        TemplateValues {
            machine_name: gethostname::gethostname().to_string_lossy().into_owned(),
            program_name: std::env::args_os()
                .next()
                .map(|a| a.to_string_lossy().into_owned())
                .unwrap_or_default(),
            process_id: std::process::id(),
        }
    }
}

/// The per-event values a template may use.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext<'a> {
    /// `{logger_name}`: the logger (Python), target (Rust) or source of the event.
    pub logger_name: &'a str,
    /// `{thread_name}`; `None` uses the calling thread's name (or `unnamed`).
    pub thread_name: Option<&'a str>,
    /// The event's timestamp in milliseconds since the epoch, for `{strftime}`.
    pub timestamp_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Literal text, or a per-process value already sanitised.
    Text(String),
    LoggerName,
    ThreadName,
    Strftime {
        format: String,
        /// Whether the format shows fractions of a second (else renders are cached per second).
        subsecond: bool,
    },
}

/// A parsed, checked stream name template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamNameTemplate {
    source: String,
    parts: Vec<Part>,
}

impl StreamNameTemplate {
    /// Parses `template`, substituting the per-process `values` once.
    pub fn parse(template: &str, values: TemplateValues) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::InvalidStreamTemplate {
            template: template.to_owned(),
            reason,
        };
        let mut parts: Vec<Part> = Vec::new();
        let mut text = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => {
                    return Err(invalid(
                        "single '}' (write '}}' for a literal brace)".into(),
                    ))
                }
                ':' | '*' => {
                    return Err(invalid(format!(
                        "{c:?} is not allowed in a log stream name"
                    )))
                }
                '{' => {
                    let mut field = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => field.push(c),
                            None => return Err(invalid("unclosed '{'".into())),
                        }
                    }
                    let (name, spec) = match field.split_once(':') {
                        Some((n, s)) => (n, Some(s)),
                        None => (field.as_str(), None),
                    };
                    if spec.is_some() && name != "strftime" {
                        return Err(invalid(format!(
                            "{{{name}}} takes no format spec (only {{strftime:FORMAT}} does)"
                        )));
                    }
                    let fixed = match name {
                        "machine_name" => Some(sanitize(&values.machine_name)),
                        "program_name" => Some(sanitize(&values.program_name.replace(':', ""))),
                        "process_id" => Some(values.process_id.to_string()),
                        _ => None,
                    };
                    if let Some(value) = fixed {
                        text.push_str(&value);
                        continue;
                    }
                    let part = match name {
                        "logger_name" => Part::LoggerName,
                        "thread_name" => Part::ThreadName,
                        "strftime" => {
                            let format = spec.unwrap_or(BARE_STRFTIME).to_owned();
                            let subsecond = check_strftime(&format).map_err(invalid)?;
                            Part::Strftime { format, subsecond }
                        }
                        other => {
                            return Err(invalid(format!(
                                "unknown placeholder {{{other}}}; use {{machine_name}}, \
                                 {{program_name}}, {{logger_name}}, {{process_id}}, \
                                 {{thread_name}} or {{strftime:FORMAT}}"
                            )))
                        }
                    };
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(part);
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(StreamNameTemplate {
            source: template.to_owned(),
            parts,
        })
    }

    /// The template as given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether every event gets the same name (no per-event placeholder).
    pub fn is_constant(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    /// Whether the name depends on the event's time (`{strftime:...}`).
    pub(crate) fn uses_time(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Strftime { .. }))
    }

    /// Whether the name depends on the logging thread (`{thread_name}`).
    #[cfg_attr(not(any(feature = "log", feature = "tracing")), allow(dead_code))]
    pub(crate) fn uses_thread_name(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::ThreadName))
    }

    /// Renders the stream name for one event into `out` (cleared first); the result is always
    /// a name the service accepts.
    pub fn render_into(&self, out: &mut String, ctx: &RenderContext<'_>) {
        out.clear();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::LoggerName => push_sanitized(out, ctx.logger_name),
                Part::ThreadName => match ctx.thread_name {
                    Some(name) => push_sanitized(out, name),
                    None => {
                        let current = std::thread::current();
                        push_sanitized(out, current.name().unwrap_or("unnamed"))
                    }
                },
                Part::Strftime { format, subsecond } => {
                    render_strftime(out, format, *subsecond, ctx.timestamp_ms)
                }
            }
        }
        finish_name(out);
    }

    /// Renders the stream name for one event.
    pub fn render(&self, ctx: &RenderContext<'_>) -> String {
        let mut out = String::new();
        self.render_into(&mut out, ctx);
        out
    }
}

/// Checks a strftime format; returns whether it shows fractions of a second.
fn check_strftime(format: &str) -> Result<bool, String> {
    let mut subsecond = false;
    for item in StrftimeItems::new(format) {
        match item {
            Item::Error => return Err(format!("invalid strftime format {format:?}")),
            Item::Fixed(
                Fixed::Nanosecond
                | Fixed::Nanosecond3
                | Fixed::Nanosecond6
                | Fixed::Nanosecond9
                | Fixed::Internal(_),
            ) => subsecond = true,
            _ => {}
        }
    }
    Ok(subsecond)
}

thread_local! {
    /// The last strftime render on this thread: (format, time key, sanitised text).
    static STRFTIME_CACHE: RefCell<(String, i64, String)> =
        const { RefCell::new((String::new(), i64::MIN, String::new())) };
}

fn render_strftime(out: &mut String, format: &str, subsecond: bool, timestamp_ms: i64) {
    let key = if subsecond {
        timestamp_ms
    } else {
        timestamp_ms.div_euclid(1000)
    };
    let render = |format: &str| {
        let time = DateTime::<Utc>::from_timestamp_millis(timestamp_ms).unwrap_or_default();
        let mut raw = String::new();
        // The format was checked when parsed, so this cannot fail; ignore it if it does.
        let _ = write!(raw, "{}", time.format(format));
        sanitize(&raw)
    };
    // Without the cache (the thread's copy already destroyed: a thread-local's destructor may
    // log as the thread exits), the name is rendered afresh.
    let cached = STRFTIME_CACHE.try_with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return false;
        };
        if cache.1 != key || cache.0 != format {
            cache.0.clear();
            cache.1 = i64::MIN;
            cache.2 = render(format);
            cache.0.push_str(format);
            cache.1 = key;
        }
        out.push_str(&cache.2);
        true
    });
    if cached != Ok(true) {
        out.push_str(&render(format));
    }
}

/// Makes a finished name valid: empty becomes `-`, longer than 512 characters is cut.
fn finish_name(out: &mut String) {
    if out.is_empty() {
        out.push('-');
    } else if out.len() > MAX_NAME_CHARS {
        if let Some((cut, _)) = out.char_indices().nth(MAX_NAME_CHARS) {
            out.truncate(cut);
        }
    }
}

/// Appends `name` to `out` made into a valid stream name, by the rules of this module.
pub fn sanitize_stream_name(out: &mut String, name: &str) {
    push_sanitized(out, name);
    finish_name(out);
}

fn sanitize(value: &str) -> String {
    let mut s = String::with_capacity(value.len());
    push_sanitized(&mut s, value);
    s
}

fn push_sanitized(out: &mut String, value: &str) {
    if value.contains([':', '*']) {
        out.extend(
            value
                .chars()
                .map(|c| if c == ':' || c == '*' { '-' } else { c }),
        );
    } else {
        out.push_str(value);
    }
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
