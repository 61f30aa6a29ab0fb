//! Joining continuation lines (stack traces) into one event: `--multiline-start REGEX`.
//!
//! A line matching the start pattern begins a new event; any other line is appended, after a
//! newline, to the event being built. The event is finished by the next start line, the end
//! of the input, or the timeout passing without a new line (so the last event of a
//! long-running command is not held back). Without a pattern every line is its own event.

use std::time::{Duration, Instant};

use regex_lite::Regex;

/// Longest event the joiner builds; past it the next line starts a new event. The core's
/// oversize policy still applies to what is shipped.
pub const MAX_JOINED_BYTES: usize = 8 * 1024 * 1024;

/// A finished event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    /// The message: one line, or several joined with `\n`.
    pub text: String,
    /// When its first line was read, in milliseconds since the epoch.
    pub timestamp_ms: i64,
}

#[derive(Debug)]
struct Pending {
    event: Joined,
    last_line: Instant,
}

/// Joins the lines of one input (stdout, stderr or stdin).
#[derive(Debug)]
pub struct Joiner {
    start: Option<Regex>,
    timeout: Duration,
    pending: Option<Pending>,
}

impl Joiner {
    /// A joiner; with `start == None` it passes every line through as an event.
    pub fn new(start: Option<Regex>, timeout: Duration) -> Self {
        Joiner {
            start,
            timeout,
            pending: None,
        }
    }

    /// Feeds one line; returns the event it finished, if any.
    pub fn push(&mut self, line: String, timestamp_ms: i64, now: Instant) -> Option<Joined> {
        let Some(start) = &self.start else {
            return Some(Joined {
                text: line,
                timestamp_ms,
            });
        };
        if let Some(p) = &mut self.pending {
            let fits = p.event.text.len() + 1 + line.len() <= MAX_JOINED_BYTES;
            if fits && !start.is_match(&line) {
                p.event.text.push('\n');
                p.event.text.push_str(&line);
                p.last_line = now;
                return None;
            }
        }
        let done = self.pending.take().map(|p| p.event);
        self.pending = Some(Pending {
            event: Joined {
                text: line,
                timestamp_ms,
            },
            last_line: now,
        });
        done
    }

    /// When the event being built times out, if there is one.
    pub fn deadline(&self) -> Option<Instant> {
        self.pending.as_ref().map(|p| p.last_line + self.timeout)
    }

    /// Returns the event being built if it has timed out at `now`.
    pub fn poll(&mut self, now: Instant) -> Option<Joined> {
        match self.deadline() {
            Some(d) if d <= now => self.finish(),
            _ => None,
        }
    }

    /// Returns the event being built, at the end of the input.
    pub fn finish(&mut self) -> Option<Joined> {
        self.pending.take().map(|p| p.event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(j: &mut Joiner, lines: &[&str], now: Instant) -> Vec<String> {
        let mut out: Vec<String> = lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| j.push(l.to_string(), i as i64, now))
            .map(|e| e.text)
            .collect();
        out.extend(j.finish().map(|e| e.text));
        out
    }

    #[test]
    fn without_a_pattern_each_line_is_an_event() {
        let mut j = Joiner::new(None, Duration::from_secs(1));
        let now = Instant::now();
        assert_eq!(texts(&mut j, &["a", " b", "c"], now), ["a", " b", "c"]);
        assert_eq!(j.deadline(), None);
    }

    #[test]
    fn continuation_lines_join_the_event_before_them() {
        let re = Regex::new(r"^\d{4}-").unwrap();
        let mut j = Joiner::new(Some(re), Duration::from_secs(1));
        let now = Instant::now();
        let got = texts(
            &mut j,
            &[
                "  orphan first line",
                "2026-01-01 ERROR boom",
                "Traceback (most recent call last):",
                "  File \"x.py\", line 1",
                "ValueError: ü",
                "2026-01-01 INFO next",
            ],
            now,
        );
        assert_eq!(
            got,
            [
                "  orphan first line",
                "2026-01-01 ERROR boom\nTraceback (most recent call last):\n  File \"x.py\", line 1\nValueError: ü",
                "2026-01-01 INFO next",
            ]
        );
    }

    #[test]
    fn the_first_line_keeps_its_timestamp_and_a_timeout_finishes_the_event() {
        let re = Regex::new(r"^\S").unwrap();
        let mut j = Joiner::new(Some(re), Duration::from_millis(100));
        let t0 = Instant::now();
        assert_eq!(j.push("start".into(), 10, t0), None);
        assert_eq!(j.push("  more".into(), 20, t0), None);
        assert_eq!(j.deadline(), Some(t0 + Duration::from_millis(100)));
        assert_eq!(j.poll(t0 + Duration::from_millis(99)), None);
        let e = j.poll(t0 + Duration::from_millis(100)).unwrap();
        assert_eq!(e.text, "start\n  more");
        assert_eq!(e.timestamp_ms, 10);
        assert_eq!(j.finish(), None);
    }
}
