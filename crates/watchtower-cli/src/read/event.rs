//! One event as the read commands print it, and the printer: message, short, detailed or
//! JSON lines (group, stream, timestamp, time, message, eventId, ingestionTime), times in UTC
//! or local time.

use std::io::{self, BufWriter, StdoutLock, Write};

use aws_sdk_cloudwatchlogs::types::{FilteredLogEvent, OutputLogEvent};
use chrono::{DateTime, Local};
use serde_json::{json, Map, Value};

use crate::cli::{ColorChoice, ReadFormat};
use crate::style::{codes, Style};

/// One event, from either API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub group: String,
    pub timestamp: i64,
    pub message: String,
    pub stream: Option<String>,
    pub event_id: Option<String>,
    pub ingestion_time: Option<i64>,
}

impl Event {
    pub fn filtered(group: &str, e: &FilteredLogEvent) -> Event {
        Event {
            group: group.to_owned(),
            timestamp: e.timestamp().unwrap_or_default(),
            message: e.message().unwrap_or_default().to_owned(),
            stream: e.log_stream_name().map(String::from),
            event_id: e.event_id().map(String::from),
            ingestion_time: e.ingestion_time(),
        }
    }

    pub fn output(group: &str, stream: &str, e: &OutputLogEvent) -> Event {
        Event {
            group: group.to_owned(),
            timestamp: e.timestamp().unwrap_or_default(),
            message: e.message().unwrap_or_default().to_owned(),
            stream: Some(stream.to_owned()),
            event_id: None,
            ingestion_time: e.ingestion_time(),
        }
    }

    /// What identifies the event across polls: its id, else everything about it.
    pub fn key(&self) -> String {
        match &self.event_id {
            Some(id) => format!("{}\0{id}", self.group),
            None => format!(
                "{}\0{}\0{}\0{}",
                self.group,
                self.stream.as_deref().unwrap_or(""),
                self.timestamp,
                self.message
            ),
        }
    }
}

/// Prints events and plain lines on stdout, buffered; [`Printer::flush`] after each page.
pub struct Printer {
    format: ReadFormat,
    local: bool,
    /// Name the group in `detailed` lines (several groups are read).
    show_group: bool,
    style: Style,
    out: BufWriter<StdoutLock<'static>>,
    /// Events printed.
    pub printed: u64,
}

impl Printer {
    pub fn new(format: ReadFormat, color: ColorChoice) -> Printer {
        Printer {
            format,
            local: false,
            show_group: false,
            style: Style::stdout(color),
            out: BufWriter::new(io::stdout().lock()),
            printed: 0,
        }
    }

    /// Times in the local zone; the group in detailed lines.
    pub fn with(mut self, local: bool, show_group: bool) -> Printer {
        self.local = local;
        self.show_group = show_group;
        self
    }

    pub fn event(&mut self, e: &Event) -> io::Result<()> {
        self.printed += 1;
        match self.format {
            ReadFormat::Message => writeln!(self.out, "{}", e.message),
            ReadFormat::Short => {
                let t = self.time(e.timestamp, "%Y-%m-%dT%H:%M:%S");
                writeln!(
                    self.out,
                    "{} {}",
                    self.style.paint(codes::TIME, &t),
                    e.message
                )
            }
            ReadFormat::Detailed => {
                let t = self.time(e.timestamp, "%Y-%m-%dT%H:%M:%S%.3f");
                let stream = e.stream.as_deref().unwrap_or("-");
                let source = if self.show_group {
                    format!("{} {stream}", e.group)
                } else {
                    stream.to_owned()
                };
                writeln!(
                    self.out,
                    "{} {} {}",
                    self.style.paint(codes::TIME, &t),
                    self.style.paint(codes::STREAM, &source),
                    e.message
                )
            }
            ReadFormat::Json => {
                let mut m = Map::new();
                m.insert("group".into(), json!(e.group));
                if let Some(s) = &e.stream {
                    m.insert("stream".into(), json!(s));
                }
                m.insert("timestamp".into(), json!(e.timestamp));
                m.insert(
                    "time".into(),
                    json!(self.time(e.timestamp, "%Y-%m-%dT%H:%M:%S%.3f")),
                );
                m.insert("message".into(), json!(e.message));
                if let Some(id) = &e.event_id {
                    m.insert("eventId".into(), json!(id));
                }
                if let Some(t) = e.ingestion_time {
                    m.insert("ingestionTime".into(), json!(t));
                }
                writeln!(self.out, "{}", Value::Object(m))
            }
        }
    }

    /// An event time (ms since the epoch) with `pattern` and its zone (`Z` or `+01:00`); the
    /// bare number if out of range.
    fn time(&self, ms: i64, pattern: &str) -> String {
        time_text(ms, pattern, self.local)
    }

    pub fn line(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "{text}")
    }

    pub fn json(&mut self, v: Value) -> io::Result<()> {
        writeln!(self.out, "{v}")
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// `ms` with `pattern`, then `Z` (UTC) or the local offset.
pub fn time_text(ms: i64, pattern: &str, local: bool) -> String {
    let Some(t) = DateTime::from_timestamp_millis(ms) else {
        return ms.to_string();
    };
    if local {
        let l = t.with_timezone(&Local);
        format!("{}{}", l.format(pattern), l.format("%:z"))
    } else {
        format!("{}Z", t.format(pattern))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_prefer_the_event_id_and_name_the_group() {
        let mut e = Event {
            group: "g".into(),
            timestamp: 5,
            message: "m".into(),
            stream: Some("s".into()),
            event_id: Some("id1".into()),
            ingestion_time: None,
        };
        assert_eq!(e.key(), "g\u{0}id1");
        e.event_id = None;
        assert_eq!(e.key(), "g\u{0}s\u{0}5\u{0}m");
    }

    #[test]
    fn times_are_utc_with_z_unless_local() {
        assert_eq!(
            time_text(1_767_607_200_000, "%Y-%m-%dT%H:%M:%S%.3f", false),
            "2026-01-05T10:00:00.000Z"
        );
        assert!(time_text(0, "%H", true).contains(':'), "an offset");
    }
}
