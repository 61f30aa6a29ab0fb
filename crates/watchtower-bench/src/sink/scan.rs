//! The PutLogEvents scanner: one pass over the body, no JSON tree, no copies.

use super::*;

/// What one PutLogEvents body holds, as the service counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// Events in `logEvents`.
    pub events: u64,
    /// Sum over events of (message UTF-8 bytes + 26).
    pub bytes: u64,
    /// Events whose message is empty or missing.
    pub empty: u64,
    /// Whether the timestamps never decrease.
    pub in_order: bool,
    /// Smallest timestamp (ms), 0 without events.
    pub min_ts: i64,
    /// Largest timestamp (ms), 0 without events.
    pub max_ts: i64,
}

impl BatchSummary {
    /// The first PutLogEvents rule the batch breaks, in the service's words where it has them.
    pub fn violation(&self) -> Option<&'static str> {
        if self.events == 0 {
            Some("1 validation error detected: logEvents must have at least 1 element")
        } else if self.events > MAX_BATCH_EVENTS {
            Some("1 validation error detected: logEvents must have at most 10000 elements")
        } else if self.bytes > MAX_BATCH_BYTES {
            Some("Upload too large: the batch exceeds 1048576 bytes")
        } else if self.empty > 0 {
            Some("1 validation error detected: message must have length greater than or equal to 1")
        } else if !self.in_order {
            Some("Log events in a single PutLogEvents request must be in chronological order.")
        } else if self.max_ts - self.min_ts >= MAX_SPAN_MS {
            Some("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
        } else {
            None
        }
    }
}

/// Why a body could not be scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// Byte offset of the problem.
    pub at: usize,
    /// What was expected.
    pub what: &'static str,
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "malformed PutLogEvents body at byte {}: {}",
            self.at, self.what
        )
    }
}

impl std::error::Error for ScanError {}

const MAX_DEPTH: usize = 64;

/// Index of the first `"` or `\` in `s`. A plain loop: log messages are short runs between
/// escapes, where restarting `memchr2` (or an 8-byte SWAR scan) after every `\"` costs more
/// than it saves (measured with `sink/scan_1mib_10k`).
pub(super) fn find_quote_or_backslash(s: &[u8]) -> Option<usize> {
    s.iter().position(|&c| c == b'"' || c == b'\\')
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn err<T>(&self, what: &'static str) -> Result<T, ScanError> {
        Err(ScanError { at: self.i, what })
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn expect(&mut self, c: u8, what: &'static str) -> Result<(), ScanError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            self.err(what)
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, ScanError> {
        let digits = self.b.get(at..at + 4).ok_or(ScanError {
            at,
            what: "four hex digits",
        })?;
        let mut v = 0u32;
        for &d in digits {
            let n = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => {
                    return Err(ScanError {
                        at,
                        what: "four hex digits",
                    })
                }
            };
            v = v * 16 + n as u32;
        }
        Ok(v)
    }

    /// A string at the cursor: returns its raw bytes (between the quotes) and the UTF-8
    /// length of its decoded value.
    fn string(&mut self) -> Result<(&'a [u8], u64), ScanError> {
        self.expect(b'"', "a string")?;
        let start = self.i;
        let mut len = 0u64;
        loop {
            let Some(k) = find_quote_or_backslash(&self.b[self.i..]) else {
                return self.err("the end of a string");
            };
            len += k as u64;
            self.i += k;
            if self.b[self.i] == b'"' {
                let raw = &self.b[start..self.i];
                self.i += 1;
                return Ok((raw, len));
            }
            // A backslash escape.
            match self.b.get(self.i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                    len += 1;
                    self.i += 2;
                }
                Some(b'u') => {
                    let cp = self.hex4(self.i + 2)?;
                    self.i += 6;
                    if (0xD800..0xDC00).contains(&cp) && self.b[self.i..].starts_with(b"\\u") {
                        let low = self.hex4(self.i + 2)?;
                        if (0xDC00..0xE000).contains(&low) {
                            // A surrogate pair: one code point above U+FFFF.
                            len += 4;
                            self.i += 6;
                            continue;
                        }
                    }
                    // Lone surrogates count as 3 bytes (WTF-8), like any other BMP code point
                    // from U+0800.
                    len += match cp {
                        0..=0x7F => 1,
                        0x80..=0x7FF => 2,
                        _ => 3,
                    };
                }
                _ => return self.err("a valid escape"),
            }
        }
    }

    /// A number or literal at the cursor, as its raw bytes.
    fn scalar(&mut self) -> Result<&'a [u8], ScanError> {
        self.ws();
        let start = self.i;
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.i += 1;
        }
        if self.i == start {
            return self.err("a value");
        }
        Ok(&self.b[start..self.i])
    }

    fn skip_value(&mut self, depth: usize) -> Result<(), ScanError> {
        if depth > MAX_DEPTH {
            return self.err("less nesting");
        }
        match self.peek() {
            Some(b'"') => self.string().map(|_| ()),
            Some(b'{') => {
                self.i += 1;
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.string()?;
                    self.expect(b':', "':'")?;
                    self.skip_value(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return self.err("',' or '}'"),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return self.err("',' or ']'"),
                    }
                }
            }
            Some(_) => self.scalar().map(|_| ()),
            None => self.err("a value"),
        }
    }

    fn timestamp(&mut self) -> Result<i64, ScanError> {
        let raw = self.scalar()?;
        let text = std::str::from_utf8(raw).map_err(|_| ScanError {
            at: self.i,
            what: "a number",
        })?;
        if let Ok(v) = text.parse::<i64>() {
            return Ok(v);
        }
        match text.parse::<f64>() {
            Ok(v) => Ok(v as i64),
            Err(_) => self.err("a number"),
        }
    }

    /// One element of `logEvents`: (message length if present, timestamp).
    fn event(&mut self) -> Result<(Option<u64>, i64), ScanError> {
        self.expect(b'{', "an event object")?;
        let mut message = None;
        let mut timestamp = 0;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok((None, 0));
        }
        loop {
            let (key, _) = self.string()?;
            self.expect(b':', "':'")?;
            match key {
                b"message" => message = Some(self.string()?.1),
                b"timestamp" => timestamp = self.timestamp()?,
                _ => self.skip_value(2)?,
            }
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok((message, timestamp));
                }
                _ => return self.err("',' or '}'"),
            }
        }
    }

    fn log_events(&mut self, out: &mut BatchSummary) -> Result<(), ScanError> {
        self.expect(b'[', "the logEvents array")?;
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        let mut last = i64::MIN;
        loop {
            let (message, ts) = self.event()?;
            let len = message.unwrap_or(0);
            if len == 0 {
                out.empty += 1;
            }
            if out.events == 0 {
                out.min_ts = ts;
                out.max_ts = ts;
            } else {
                out.min_ts = out.min_ts.min(ts);
                out.max_ts = out.max_ts.max(ts);
            }
            if ts < last {
                out.in_order = false;
            }
            last = ts;
            out.events += 1;
            out.bytes += len + EVENT_OVERHEAD;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return self.err("',' or ']'"),
            }
        }
    }
}

/// Scans a PutLogEvents request body (awsJson 1.1) and counts its events and bytes exactly:
/// each event's message is counted as the UTF-8 length of its decoded value, plus 26.
///
/// Messages are neither copied nor decoded (escapes are only measured); keys may come in any
/// order and unknown keys are skipped.
///
/// ```
/// use watchtower_bench::sink::scan_put_log_events;
/// let body = br#"{"logGroupName":"g","logStreamName":"s","logEvents":[
///     {"timestamp":1,"message":"h\u00e9llo"},{"message":"\ud83d\ude00","timestamp":2}]}"#;
/// let s = scan_put_log_events(body).unwrap();
/// assert_eq!((s.events, s.bytes), (2, 6 + 26 + 4 + 26));
/// assert!(s.in_order);
/// ```
pub fn scan_put_log_events(body: &[u8]) -> Result<BatchSummary, ScanError> {
    let mut s = Scanner { b: body, i: 0 };
    let mut out = BatchSummary {
        in_order: true,
        ..BatchSummary::default()
    };
    s.expect(b'{', "a JSON object")?;
    if s.peek() == Some(b'}') {
        return Ok(out);
    }
    loop {
        let (key, _) = s.string()?;
        s.expect(b':', "':'")?;
        if key == b"logEvents" {
            s.log_events(&mut out)?;
        } else {
            s.skip_value(1)?;
        }
        match s.peek() {
            Some(b',') => s.i += 1,
            Some(b'}') => return Ok(out),
            _ => return s.err("',' or '}'"),
        }
    }
}
