//! `--timestamp-format`: the time of an event from its own line instead of the time it was
//! read. A line without a time in the format keeps its read time (and is counted).
//!
//! Formats: `rfc3339` (ISO 8601 date and time anywhere in the line, `T` or space, optional
//! fraction, `Z`/offset or none = UTC), `epoch` (seconds or milliseconds since the epoch at the
//! start of the line, optional fraction), `clf` (`05/Jan/2026:10:00:00 +0000`, Apache and
//! nginx), `syslog` (`Jan  5 10:00:00` at the start, UTC, the year that puts it in the
//! past), `auto` (each of these in turn), or a chrono strftime pattern matched at the start of
//! the line (after an optional `[`), UTC unless it has `%z`.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};
use regex::Regex;

/// How to find a line's time.
#[derive(Debug, Clone)]
pub enum TimestampFormat {
    /// ISO 8601 / RFC 3339 anywhere in the line.
    Rfc3339(Regex),
    /// Seconds or milliseconds since the epoch at the start.
    Epoch(Regex),
    /// Common Log Format, in brackets or not.
    Clf(Regex),
    /// BSD syslog at the start.
    Syslog(Regex),
    /// Each of the above in turn.
    Auto(Box<[TimestampFormat; 4]>),
    /// A strftime pattern at the start of the line.
    Pattern(String),
}

fn re(s: &str) -> Regex {
    Regex::new(s).expect("a valid built-in pattern")
}

fn rfc3339() -> TimestampFormat {
    TimestampFormat::Rfc3339(re(
        r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)(Z|[+-]\d{2}:?\d{2})?",
    ))
}

fn epoch() -> TimestampFormat {
    TimestampFormat::Epoch(re(r"^\s*\[?(\d{10}|\d{13})(?:\.(\d{1,9}))?\b"))
}

fn clf() -> TimestampFormat {
    TimestampFormat::Clf(re(
        r"(\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})",
    ))
}

fn syslog() -> TimestampFormat {
    TimestampFormat::Syslog(re(r"^\s*([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2})"))
}

/// The value parser of `--timestamp-format`.
pub fn parse_timestamp_format(s: &str) -> Result<TimestampFormat, String> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "rfc3339" | "iso8601" | "iso" => rfc3339(),
        "epoch" | "unix" => epoch(),
        "clf" | "apache" | "nginx" => clf(),
        "syslog" => syslog(),
        "auto" => TimestampFormat::Auto(Box::new([rfc3339(), clf(), syslog(), epoch()])),
        _ if s.contains('%') => {
            // Check the pattern once: formatting with an invalid one fails.
            use std::fmt::Write;
            let mut out = String::new();
            if write!(out, "{}", Utc::now().format(s)).is_err() {
                return Err(format!("{s:?} is not a valid strftime pattern"));
            }
            TimestampFormat::Pattern(s.to_owned())
        }
        _ => {
            return Err(format!(
                "{s:?} is not a timestamp format: use rfc3339, epoch, clf, syslog, auto or a \
                 strftime pattern such as '%Y-%m-%d %H:%M:%S'"
            ))
        }
    })
}

impl TimestampFormat {
    /// The line's time in milliseconds since the epoch, if it has one in this format; `now_ms`
    /// places a syslog time (which has no year) in the past.
    pub fn find(&self, line: &str, now_ms: i64) -> Option<i64> {
        match self {
            TimestampFormat::Rfc3339(r) => {
                let c = r.captures(line)?;
                let text = format!(
                    "{}T{}{}",
                    &c[1],
                    c[2].replace(',', "."),
                    c.get(3).map_or("Z", |m| m.as_str())
                );
                DateTime::parse_from_rfc3339(&text)
                    .or_else(|_| DateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f%z"))
                    .ok()
                    .map(|t| t.timestamp_millis())
            }
            TimestampFormat::Epoch(r) => {
                let c = r.captures(line)?;
                let whole: i64 = c[1].parse().ok()?;
                let frac = c.get(2).map_or("", |m| m.as_str());
                if c[1].len() == 13 {
                    return Some(whole);
                }
                let ms: i64 = format!("{frac:0<3}")[..3].parse().ok()?;
                Some(whole * 1000 + ms)
            }
            TimestampFormat::Clf(r) => {
                let c = r.captures(line)?;
                DateTime::parse_from_str(&c[1], "%d/%b/%Y:%H:%M:%S %z")
                    .ok()
                    .map(|t| t.timestamp_millis())
            }
            TimestampFormat::Syslog(r) => {
                let c = r.captures(line)?;
                let now = DateTime::from_timestamp_millis(now_ms)?;
                let at = |year: i32| {
                    NaiveDateTime::parse_from_str(&format!("{year} {}", &c[1]), "%Y %b %e %H:%M:%S")
                        .ok()
                        .map(|t| t.and_utc().timestamp_millis())
                };
                let this_year = at(now.year())?;
                // More than a day ahead is last year's (a log read just after New Year).
                if this_year > now_ms + 86_400_000 {
                    at(now.year() - 1)
                } else {
                    Some(this_year)
                }
            }
            TimestampFormat::Auto(formats) => formats.iter().find_map(|f| f.find(line, now_ms)),
            TimestampFormat::Pattern(p) => {
                let s = line.trim_start().trim_start_matches('[');
                if p.contains("%z") || p.contains("%:z") {
                    DateTime::parse_and_remainder(s, p)
                        .ok()
                        .map(|(t, _)| t.timestamp_millis())
                } else if p.contains("%H") || p.contains("%T") || p.contains("%s") {
                    NaiveDateTime::parse_and_remainder(s, p)
                        .ok()
                        .map(|(t, _)| Utc.from_utc_datetime(&t).timestamp_millis())
                } else {
                    NaiveDate::parse_and_remainder(s, p)
                        .ok()
                        .and_then(|(d, _)| d.and_hms_opt(0, 0, 0))
                        .map(|t| t.and_utc().timestamp_millis())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_767_607_200_000; // 2026-01-05T10:00:00Z

    fn at(format: &str, line: &str) -> Option<i64> {
        parse_timestamp_format(format).unwrap().find(line, NOW)
    }

    #[test]
    fn rfc3339_and_iso_forms_anywhere_in_the_line() {
        assert_eq!(at("rfc3339", "2026-01-05T10:00:00Z INFO x"), Some(NOW));
        assert_eq!(
            at("rfc3339", "[2026-01-05T11:00:00.250+01:00] x"),
            Some(NOW + 250)
        );
        assert_eq!(at("rfc3339", "x 2026-01-05 10:00:00,5 y"), Some(NOW + 500));
        assert_eq!(at("rfc3339", "2026-01-05 10:00:00 no zone: UTC"), Some(NOW));
        assert_eq!(at("rfc3339", "2026-01-05T12:00:00+0200"), Some(NOW));
        assert_eq!(at("rfc3339", "no time here"), None);
    }

    #[test]
    fn epoch_clf_syslog_and_patterns() {
        assert_eq!(at("epoch", "1767607200 x"), Some(NOW));
        assert_eq!(at("epoch", "1767607200.123 x"), Some(NOW + 123));
        assert_eq!(at("epoch", "1767607200123 x"), Some(NOW + 123));
        assert_eq!(at("epoch", "x 1767607200"), None);
        assert_eq!(
            at(
                "clf",
                r#"127.0.0.1 - - [05/Jan/2026:11:00:00 +0100] "GET / HTTP/1.1" 200"#
            ),
            Some(NOW)
        );
        assert_eq!(at("syslog", "Jan  5 10:00:00 host app[1]: x"), Some(NOW));
        // December seen in January is last December.
        assert_eq!(
            at("syslog", "Dec 31 10:00:00 host x"),
            Some(NOW - 5 * 86_400_000)
        );
        assert_eq!(at("auto", "Jan  5 10:00:00 host x"), Some(NOW));
        assert_eq!(at("%d.%m.%Y %H:%M:%S", "05.01.2026 10:00:00 x"), Some(NOW));
        assert_eq!(at("%Y/%m/%d", "2026/01/05 x"), Some(NOW - 10 * 3_600_000));
        assert!(parse_timestamp_format("nonsense").is_err());
    }
}
