//! The CloudWatch Logs rules the proxy checks on every request (see `limits`).
//!
//! The checks are plain functions, usable without a proxy.

use std::fmt;

use crate::limits::{
    EVENT_OVERHEAD, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MAX_NAME_CHARS, MAX_SPAN_MS,
};
use crate::Event;

/// One CloudWatch Logs rule that a request can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A PutLogEvents batch must have 1 to 10,000 events.
    EventCount,
    /// sum(UTF-8 bytes of message + 26) over the batch must be at most 1,048,576.
    BatchBytes,
    /// A message must not be empty.
    EmptyMessage,
    /// One event (UTF-8 bytes of message + 26) must be at most 1,048,576 bytes.
    EventSize,
    /// Timestamps must be >= 0.
    NegativeTimestamp,
    /// Events in a batch must be in chronological (non-decreasing) order.
    ChronologicalOrder,
    /// A batch must span less than 24 hours (newest - oldest < 86,400,000 ms).
    Span,
    /// Log group name: 1-512 characters of `[.\-_/#A-Za-z0-9]`, not starting with `aws/`.
    GroupName,
    /// Log stream name: 1-512 characters, no `:` and no `*`.
    StreamName,
    /// The request body is not the JSON the operation expects.
    MalformedRequest,
}

impl Rule {
    /// A short stable tag, the prefix of every violation string of this rule.
    pub fn tag(self) -> &'static str {
        match self {
            Rule::EventCount => "event-count",
            Rule::BatchBytes => "batch-bytes",
            Rule::EmptyMessage => "empty-message",
            Rule::EventSize => "event-size",
            Rule::NegativeTimestamp => "negative-timestamp",
            Rule::ChronologicalOrder => "chronological-order",
            Rule::Span => "24h-span",
            Rule::GroupName => "group-name",
            Rule::StreamName => "stream-name",
            Rule::MalformedRequest => "malformed-request",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A broken rule found on one request that went through a [`crate::Proxy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The request's sequence number (index into [`crate::Proxy::requests`]).
    pub request: usize,
    /// The operation, e.g. `PutLogEvents`.
    pub op: String,
    /// The rule broken.
    pub rule: Rule,
    /// What exactly is wrong.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: request #{} {}: {}",
            self.rule.tag(),
            self.request,
            self.op,
            self.detail
        )
    }
}

fn allowed_group_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#')
}

/// Checks a log group name; returns what is wrong with it, or `None` if it is valid.
pub fn check_group_name(name: &str) -> Option<String> {
    let n = name.chars().count();
    if n == 0 {
        return Some("log group name is empty".into());
    }
    if n > MAX_NAME_CHARS {
        return Some(format!(
            "log group name has {n} characters (max {MAX_NAME_CHARS})"
        ));
    }
    if let Some(c) = name.chars().find(|c| !allowed_group_char(*c)) {
        return Some(format!(
            "log group name {name:?} contains {c:?} (allowed: [.-_/#A-Za-z0-9])"
        ));
    }
    if name.starts_with("aws/") {
        return Some(format!(
            "log group name {name:?} starts with the reserved prefix \"aws/\""
        ));
    }
    None
}

/// Checks a log stream name; returns what is wrong with it, or `None` if it is valid.
pub fn check_stream_name(name: &str) -> Option<String> {
    let n = name.chars().count();
    if n == 0 {
        return Some("log stream name is empty".into());
    }
    if n > MAX_NAME_CHARS {
        return Some(format!(
            "log stream name has {n} characters (max {MAX_NAME_CHARS})"
        ));
    }
    if let Some(c) = name.chars().find(|c| matches!(c, ':' | '*')) {
        return Some(format!("log stream name {name:?} contains {c:?}"));
    }
    None
}

/// Checks the events of one PutLogEvents batch (not the names); returns one entry per broken
/// rule (several events breaking the same rule give one entry, with a count).
pub fn check_events(events: &[Event]) -> Vec<(Rule, String)> {
    let mut out = Vec::new();
    let n = events.len();
    if n == 0 || n > MAX_BATCH_EVENTS {
        out.push((
            Rule::EventCount,
            format!("batch has {n} events (allowed 1..={MAX_BATCH_EVENTS})"),
        ));
    }
    let total: usize = events
        .iter()
        .map(|e| e.message.len() + EVENT_OVERHEAD)
        .sum();
    if total > MAX_BATCH_BYTES {
        out.push((
            Rule::BatchBytes,
            format!(
                "batch is {total} bytes counting {EVENT_OVERHEAD} per event (max {MAX_BATCH_BYTES})"
            ),
        ));
    }
    let mut per_event = |rule: Rule, what: &str, bad: &dyn Fn(&Event) -> bool| {
        let idx: Vec<usize> = (0..n).filter(|&i| bad(&events[i])).collect();
        if let Some(&first) = idx.first() {
            out.push((
                rule,
                format!(
                    "{} event(s) {what} (first at index {first}: {})",
                    idx.len(),
                    describe(&events[first])
                ),
            ));
        }
    };
    per_event(Rule::EmptyMessage, "have an empty message", &|e| {
        e.message.is_empty()
    });
    per_event(
        Rule::EventSize,
        &format!("are larger than {MAX_EVENT_BYTES} bytes (message bytes + {EVENT_OVERHEAD})"),
        &|e| e.message.len() + EVENT_OVERHEAD > MAX_EVENT_BYTES,
    );
    per_event(Rule::NegativeTimestamp, "have a negative timestamp", &|e| {
        e.timestamp < 0
    });
    let inversions: Vec<usize> = (1..n)
        .filter(|&i| events[i].timestamp < events[i - 1].timestamp)
        .collect();
    if let Some(&first) = inversions.first() {
        out.push((
            Rule::ChronologicalOrder,
            format!(
                "events are not in chronological order: {} inversion(s), first at index {first} ({} after {})",
                inversions.len(),
                events[first].timestamp,
                events[first - 1].timestamp
            ),
        ));
    }
    if n > 0 {
        let min = events.iter().map(|e| e.timestamp).min().unwrap_or(0);
        let max = events.iter().map(|e| e.timestamp).max().unwrap_or(0);
        let span = max.saturating_sub(min);
        if span >= MAX_SPAN_MS {
            out.push((
                Rule::Span,
                format!(
                    "batch spans {span} ms from {min} to {max} (must be < {MAX_SPAN_MS} ms = 24 h)"
                ),
            ));
        }
    }
    out
}

fn describe(e: &Event) -> String {
    let mut m: String = e.message.chars().take(40).collect();
    if m.len() < e.message.len() {
        m.push('…');
    }
    format!(
        "timestamp {}, {} bytes, {:?}",
        e.timestamp,
        e.message.len(),
        m
    )
}

/// A PutLogEvents request body, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutLogEventsBody {
    /// `logGroupName` (empty if missing).
    pub group: String,
    /// `logStreamName` (empty if missing).
    pub stream: String,
    /// `logEvents`.
    pub events: Vec<Event>,
}

/// Parses a PutLogEvents JSON body; `Err` says what is malformed.
pub fn parse_put_log_events(body: &[u8]) -> Result<PutLogEventsBody, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let group = v
        .get("logGroupName")
        .and_then(|x| x.as_str())
        .unwrap_or_default()
        .to_string();
    let stream = v
        .get("logStreamName")
        .and_then(|x| x.as_str())
        .unwrap_or_default()
        .to_string();
    let mut events = Vec::new();
    if let Some(list) = v.get("logEvents") {
        let list = list
            .as_array()
            .ok_or_else(|| "logEvents is not an array".to_string())?;
        for (i, e) in list.iter().enumerate() {
            let timestamp = e
                .get("timestamp")
                .and_then(|t| t.as_i64())
                .ok_or_else(|| format!("logEvents[{i}].timestamp is missing or not an i64"))?;
            let message = e
                .get("message")
                .and_then(|m| m.as_str())
                .ok_or_else(|| format!("logEvents[{i}].message is missing or not a string"))?
                .to_string();
            events.push(Event { timestamp, message });
        }
    }
    Ok(PutLogEventsBody {
        group,
        stream,
        events,
    })
}

/// Checks one CloudWatch Logs API request (`op` is the part of `X-Amz-Target` after the dot)
/// and returns the broken rules. PutLogEvents is checked in full (names and events),
/// CreateLogGroup for its group name, CreateLogStream for its stream name; other operations
/// are not checked.
pub fn check_request(op: &str, body: &[u8]) -> Vec<(Rule, String)> {
    match op {
        "PutLogEvents" => match parse_put_log_events(body) {
            Ok(p) => {
                let mut out = Vec::new();
                if let Some(d) = check_group_name(&p.group) {
                    out.push((Rule::GroupName, d));
                }
                if let Some(d) = check_stream_name(&p.stream) {
                    out.push((Rule::StreamName, d));
                }
                out.extend(check_events(&p.events));
                out
            }
            Err(e) => vec![(Rule::MalformedRequest, e)],
        },
        "CreateLogGroup" | "CreateLogStream" => {
            let v: serde_json::Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => return vec![(Rule::MalformedRequest, format!("body is not JSON: {e}"))],
            };
            let name = |field: &str| {
                v.get(field)
                    .and_then(|x| x.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let found = if op == "CreateLogGroup" {
                check_group_name(&name("logGroupName")).map(|d| (Rule::GroupName, d))
            } else {
                check_stream_name(&name("logStreamName")).map(|d| (Rule::StreamName, d))
            };
            found.into_iter().collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(timestamp: i64, message: &str) -> Event {
        Event {
            timestamp,
            message: message.to_string(),
        }
    }

    fn rules(events: &[Event]) -> Vec<Rule> {
        check_events(events).into_iter().map(|(r, _)| r).collect()
    }

    #[test]
    fn valid_batch_passes() {
        assert!(rules(&[ev(1, "a"), ev(1, "b"), ev(MAX_SPAN_MS, "c")]).is_empty());
    }

    #[test]
    fn each_event_rule() {
        assert_eq!(rules(&[]), vec![Rule::EventCount]);
        let many = vec![ev(1, "x"); MAX_BATCH_EVENTS + 1];
        assert_eq!(rules(&many), vec![Rule::EventCount]);
        assert!(rules(&vec![ev(1, "x"); MAX_BATCH_EVENTS]).is_empty());
        assert_eq!(rules(&[ev(1, "")]), vec![Rule::EmptyMessage]);
        assert_eq!(rules(&[ev(-1, "a")]), vec![Rule::NegativeTimestamp]);
        assert_eq!(
            rules(&[ev(2, "a"), ev(1, "b")]),
            vec![Rule::ChronologicalOrder]
        );
        assert_eq!(rules(&[ev(0, "a"), ev(MAX_SPAN_MS, "b")]), vec![Rule::Span]);
        assert!(rules(&[ev(0, "a"), ev(MAX_SPAN_MS - 1, "b")]).is_empty());
        // Largest legal single event fills the batch exactly.
        let max = "m".repeat(MAX_BATCH_BYTES - EVENT_OVERHEAD);
        assert!(rules(&[ev(1, &max)]).is_empty());
        let over = "m".repeat(MAX_BATCH_BYTES - EVENT_OVERHEAD + 1);
        assert_eq!(
            rules(&[ev(1, &over)]),
            vec![Rule::BatchBytes, Rule::EventSize]
        );
        let half = "h".repeat(MAX_BATCH_BYTES / 2);
        assert_eq!(rules(&[ev(1, &half), ev(1, &half)]), vec![Rule::BatchBytes]);
        // UTF-8 bytes count, not chars: 'é' is 2 bytes.
        let e = "é".repeat((MAX_BATCH_BYTES - EVENT_OVERHEAD) / 2 + 1);
        assert_eq!(rules(&[ev(1, &e)]), vec![Rule::BatchBytes, Rule::EventSize]);
    }

    #[test]
    fn names() {
        assert!(check_group_name("/app/web#1_a-b.c").is_none());
        assert!(check_group_name("").is_some());
        assert!(check_group_name("aws/lambda").is_some());
        assert!(check_group_name("/aws/lambda/x").is_none());
        assert!(check_group_name("a b").is_some());
        assert!(check_group_name("a:b").is_some());
        assert!(check_group_name(&"g".repeat(512)).is_none());
        assert!(check_group_name(&"g".repeat(513)).is_some());
        assert!(check_stream_name("host/2024-01-01 [x]").is_none());
        assert!(check_stream_name("").is_some());
        assert!(check_stream_name("a:b").is_some());
        assert!(check_stream_name("a*").is_some());
        assert!(check_stream_name(&"s".repeat(513)).is_some());
    }

    #[test]
    fn requests() {
        let body = br#"{"logGroupName":"aws/x","logStreamName":"a:b","logEvents":[{"timestamp":5,"message":"x"},{"timestamp":4,"message":""}]}"#;
        let r: Vec<Rule> = check_request("PutLogEvents", body)
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        assert_eq!(
            r,
            vec![
                Rule::GroupName,
                Rule::StreamName,
                Rule::EmptyMessage,
                Rule::ChronologicalOrder
            ]
        );
        assert_eq!(
            check_request("PutLogEvents", b"nope")[0].0,
            Rule::MalformedRequest
        );
        assert_eq!(
            check_request(
                "CreateLogStream",
                br#"{"logGroupName":"g","logStreamName":"*"}"#
            )[0]
            .0,
            Rule::StreamName
        );
        assert!(check_request("CreateLogGroup", br#"{"logGroupName":"g"}"#).is_empty());
        assert!(check_request("DescribeLogGroups", b"{}").is_empty());
    }
}
