//! Value parsers for the command line: durations, times, byte sizes, tags, regexes and URLs.
//! Each error says what form is expected, since clap prints it after the flag's name.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use regex_lite::Regex;

/// A point in time given on the command line, resolved against "now" when a command starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeArg {
    /// This long before now.
    Ago(Duration),
    /// Milliseconds since the Unix epoch.
    At(i64),
    /// Midnight (UTC) this many days before today.
    Midnight(u32),
}

impl TimeArg {
    /// Milliseconds since the Unix epoch, counting relative times back from `now_ms`.
    pub fn resolve(self, now_ms: i64) -> i64 {
        match self {
            TimeArg::Ago(d) => now_ms.saturating_sub(d.as_millis().min(i64::MAX as u128) as i64),
            TimeArg::At(ms) => ms,
            TimeArg::Midnight(days) => {
                let day = now_ms.div_euclid(86_400_000) - i64::from(days);
                day * 86_400_000
            }
        }
    }
}

/// `500ms`, `5s`, `2m`, `1h`, `3d`, `1w`, combinations like `1h30m`, or a bare number of
/// seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    parse_units(t).ok_or_else(|| {
        format!("{s:?} is not a duration: use a number and a unit, e.g. 500ms, 5s, 2m, 1h, 3d")
    })
}

fn parse_units(s: &str) -> Option<Duration> {
    if s.is_empty() {
        return None;
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let ms_per: u64 = match unit {
            "ms" => 1,
            "s" | "sec" | "secs" => 1_000,
            "m" | "min" | "mins" => 60_000,
            "h" | "hr" | "hrs" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            "w" | "week" | "weeks" => 604_800_000,
            _ => return None,
        };
        total = total.checked_add(Duration::from_millis(n.checked_mul(ms_per)?))?;
    }
    Some(total)
}

/// A time as users type it: relative (`10m`, `-10m`, `2h ago`, `1h30m`, `3 days`), `now`,
/// `today`, `yesterday`, ISO 8601 / RFC 3339 with or without an offset (none = UTC), a date
/// (midnight UTC), or epoch seconds (10 digits) or milliseconds (13 digits).
pub fn parse_time(s: &str) -> Result<TimeArg, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    match lower.as_str() {
        "now" => return Ok(TimeArg::Ago(Duration::ZERO)),
        "today" => return Ok(TimeArg::Midnight(0)),
        "yesterday" => return Ok(TimeArg::Midnight(1)),
        _ => {}
    }
    let relative = lower.strip_prefix('-').unwrap_or(&lower);
    let relative = relative.strip_suffix("ago").unwrap_or(relative).trim();
    if let Some(d) = parse_units(relative).or_else(|| humantime::parse_duration(relative).ok()) {
        return Ok(TimeArg::Ago(d));
    }
    if t.len() >= 9 && t.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = t.parse().map_err(|_| format!("{s:?} is out of range"))?;
        // Milliseconds from 13 digits on (the year 2001 in ms, 33658 in seconds).
        return Ok(TimeArg::At(if t.len() >= 13 { n } else { n * 1000 }));
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(TimeArg::At(dt.timestamp_millis()));
    }
    for pattern in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z"] {
        if let Ok(dt) = DateTime::parse_from_str(t, pattern) {
            return Ok(TimeArg::At(dt.timestamp_millis()));
        }
    }
    for pattern in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, pattern) {
            return Ok(TimeArg::At(dt.and_utc().timestamp_millis()));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if let Some(dt) = date.and_hms_opt(0, 0, 0) {
            return Ok(TimeArg::At(dt.and_utc().timestamp_millis()));
        }
    }
    Err(format!(
        "{s:?} is not a time: use a relative time (10m, 2h ago, 3d), yesterday, an ISO 8601 \
         time (2026-01-05T10:00:00Z; no offset = UTC), a date (2026-01-05) or epoch seconds \
         or milliseconds"
    ))
}

/// Bytes, or a number with a binary unit: `262144`, `256KiB`, `1MiB` (also `K`, `M`, `G`).
pub fn parse_bytes(s: &str) -> Result<usize, String> {
    let t = s.trim().replace('_', "");
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let n: Option<usize> = t[..digits].parse().ok();
    let mult: Option<usize> = match t[digits..].trim() {
        "" | "B" | "b" => Some(1),
        "K" | "k" | "KiB" | "KB" | "kB" => Some(1 << 10),
        "M" | "MiB" | "MB" => Some(1 << 20),
        "G" | "GiB" | "GB" => Some(1 << 30),
        _ => None,
    };
    n.zip(mult)
        .and_then(|(n, m)| n.checked_mul(m))
        .ok_or_else(|| format!("{s:?} is not a size: use bytes, or a number with KiB or MiB"))
}

/// `KEY=VALUE` (the value may be empty and may contain `=`).
pub fn parse_tag(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{s:?} is not a tag: use KEY=VALUE")),
    }
}

/// A regular expression (regex-lite syntax).
pub fn parse_regex(s: &str) -> Result<Regex, String> {
    Regex::new(s).map_err(|e| {
        let e = e.to_string().replace('\n', " ");
        format!("not a valid regular expression: {e}")
    })
}

/// An `http://` or `https://` URL.
pub fn parse_endpoint_url(s: &str) -> Result<String, String> {
    let t = s.trim();
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(t.to_owned()),
        _ => Err(format!(
            "{s:?} is not an endpoint URL: use http://HOST:PORT or https://HOST"
        )),
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(
            parse_duration("3d").unwrap(),
            Duration::from_secs(3 * 86400)
        );
        for bad in ["", "abc", "5x", "m5", "1.5s", "-3s"] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains("500ms"), "{bad}: {e}");
        }
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_time("10m").unwrap(),
            TimeArg::Ago(Duration::from_secs(600))
        );
        assert_eq!(parse_time("now").unwrap(), TimeArg::Ago(Duration::ZERO));
        assert_eq!(
            parse_time("2026-01-05T10:00:00Z").unwrap(),
            TimeArg::At(1_767_607_200_000)
        );
        assert_eq!(
            parse_time("2026-01-05T11:00:00.5+01:00").unwrap(),
            TimeArg::At(1_767_607_200_500)
        );
        assert_eq!(
            parse_time("2026-01-05").unwrap(),
            TimeArg::At(1_767_571_200_000)
        );
        assert_eq!(parse_time("yesterday").unwrap(), TimeArg::Midnight(1));
        assert_eq!(
            TimeArg::Midnight(1).resolve(1_767_607_200_000),
            1_767_484_800_000
        );
        for ago in ["-10m", "10m ago", "10 minutes ago", "10min"] {
            assert_eq!(
                parse_time(ago).unwrap(),
                TimeArg::Ago(Duration::from_secs(600)),
                "{ago}"
            );
        }
        assert_eq!(
            parse_time("2h ago").unwrap(),
            TimeArg::Ago(Duration::from_secs(7200))
        );
        assert_eq!(
            parse_time("1767607200").unwrap(),
            TimeArg::At(1_767_607_200_000)
        );
        assert_eq!(
            parse_time("1767607200500").unwrap(),
            TimeArg::At(1_767_607_200_500)
        );
        for utc in [
            "2026-01-05T10:00:00",
            "2026-01-05 10:00:00",
            "2026-01-05T10:00",
        ] {
            assert_eq!(
                parse_time(utc).unwrap(),
                TimeArg::At(1_767_607_200_000),
                "{utc}"
            );
        }
        assert_eq!(
            parse_time("2026-01-05 11:00:00+01:00").unwrap(),
            TimeArg::At(1_767_607_200_000)
        );
        assert!(parse_time("soon").unwrap_err().contains("ISO 8601"));
        assert!(parse_time("5").is_err(), "a bare number is ambiguous");
        assert_eq!(TimeArg::Ago(Duration::from_secs(2)).resolve(10_000), 8_000);
        assert_eq!(TimeArg::At(5).resolve(10_000), 5);
    }

    #[test]
    fn sizes_tags_urls() {
        assert_eq!(parse_bytes("262144").unwrap(), 262_144);
        assert_eq!(parse_bytes("256KiB").unwrap(), 262_144);
        assert_eq!(parse_bytes("1MiB").unwrap(), 1_048_576);
        assert_eq!(parse_bytes("1_048_576").unwrap(), 1_048_576);
        assert!(parse_bytes("12 apples").is_err());
        assert_eq!(parse_tag("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(parse_tag("a=").unwrap(), ("a".into(), "".into()));
        assert!(parse_tag("=b").is_err());
        assert!(parse_tag("ab").is_err());
        assert!(parse_endpoint_url("http://127.0.0.1:5000").is_ok());
        assert!(parse_endpoint_url("https://logs.eu-west-1.amazonaws.com").is_ok());
        assert!(parse_endpoint_url("127.0.0.1:5000").is_err());
        assert!(parse_endpoint_url("http://").is_err());
        assert!(parse_regex("^\\d{4}").is_ok());
        assert!(parse_regex("(")
            .unwrap_err()
            .starts_with("not a valid regular"));
    }
}
