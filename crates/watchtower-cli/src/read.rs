//! Reading back: `get`, `tail`, `groups` and `streams`, with the AWS SDK directly.
//!
//! Every listing is paginated to the end. `get` prints pages as they come (FilterLogEvents
//! interleaves streams; GetLogEvents reads one stream in order). `tail` sorts what it fetched
//! by time before printing; with `--follow` it polls, re-reading the last `--lookback` so that
//! events shipped late still show, and prints each event id once.

use std::collections::HashMap;
use std::io::{self, BufWriter, StdoutLock, Write};

use aws_sdk_cloudwatchlogs::types::{FilteredLogEvent, OutputLogEvent};
use chrono::DateTime;
use serde_json::{json, Map, Value};

use crate::aws::{connect, sdk_error, Logs, Target};
use crate::cli::{ColorChoice, GetArgs, GroupsArgs, Output, StreamsArgs, TailArgs, TailFormat};
use crate::exit_codes::{CliError, ExitCode};
use crate::parse::now_millis;
use crate::style::{codes, Style};

/// Largest page the APIs return.
const MAX_PAGE: u64 = 10_000;

/// One event, from either API.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Event {
    timestamp: i64,
    message: String,
    stream: Option<String>,
    event_id: Option<String>,
    ingestion_time: Option<i64>,
}

impl Event {
    fn filtered(e: &FilteredLogEvent) -> Event {
        Event {
            timestamp: e.timestamp().unwrap_or_default(),
            message: e.message().unwrap_or_default().to_owned(),
            stream: e.log_stream_name().map(String::from),
            event_id: e.event_id().map(String::from),
            ingestion_time: e.ingestion_time(),
        }
    }

    fn output(e: &OutputLogEvent, stream: &str) -> Event {
        Event {
            timestamp: e.timestamp().unwrap_or_default(),
            message: e.message().unwrap_or_default().to_owned(),
            stream: Some(stream.to_owned()),
            event_id: None,
            ingestion_time: e.ingestion_time(),
        }
    }

    /// What identifies the event across polls: its id, else everything about it.
    fn key(&self) -> String {
        match &self.event_id {
            Some(id) => id.clone(),
            None => format!(
                "{}\0{}\0{}",
                self.stream.as_deref().unwrap_or(""),
                self.timestamp,
                self.message
            ),
        }
    }
}

/// How events are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// The message only.
    Message,
    /// Time and message.
    Short,
    /// Time, stream and message.
    Detailed,
    /// One JSON object per line.
    Json,
}

struct Printer {
    format: Format,
    style: Style,
    out: BufWriter<StdoutLock<'static>>,
}

impl Printer {
    fn new(format: Format, color: ColorChoice) -> Printer {
        Printer {
            format,
            style: Style::stdout(color),
            out: BufWriter::new(io::stdout().lock()),
        }
    }

    fn event(&mut self, e: &Event) -> io::Result<()> {
        let time = DateTime::from_timestamp_millis(e.timestamp);
        match self.format {
            Format::Message => writeln!(self.out, "{}", e.message),
            Format::Short => {
                let t = time_text(e.timestamp, "%Y-%m-%dT%H:%M:%S");
                writeln!(
                    self.out,
                    "{} {}",
                    self.style.paint(codes::TIME, &t),
                    e.message
                )
            }
            Format::Detailed => {
                let t = time_text(e.timestamp, "%Y-%m-%dT%H:%M:%S%.3fZ");
                writeln!(
                    self.out,
                    "{} {} {}",
                    self.style.paint(codes::TIME, &t),
                    self.style
                        .paint(codes::STREAM, e.stream.as_deref().unwrap_or("-")),
                    e.message
                )
            }
            Format::Json => {
                let mut m = Map::new();
                m.insert("timestamp".into(), json!(e.timestamp));
                if let Some(t) = time {
                    m.insert(
                        "time".into(),
                        json!(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
                    );
                }
                if let Some(s) = &e.stream {
                    m.insert("stream".into(), json!(s));
                }
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

    fn line(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "{text}")
    }

    fn json(&mut self, v: Value) -> io::Result<()> {
        writeln!(self.out, "{v}")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// An event time (ms since the epoch) in UTC with `pattern`; the bare number if out of range.
fn time_text(ms: i64, pattern: &str) -> String {
    DateTime::from_timestamp_millis(ms)
        .map_or_else(|| ms.to_string(), |t| t.format(pattern).to_string())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Which streams of a group to read.
struct Streams<'a> {
    names: &'a [String],
    prefix: Option<&'a str>,
}

impl Streams<'_> {
    /// Moto ignores `logStreamNamePrefix`; filtering again is free on AWS.
    fn keeps(&self, e: &Event) -> bool {
        match (self.prefix, &e.stream) {
            (Some(p), Some(s)) => s.starts_with(p),
            _ => true,
        }
    }
}

// === get ===

/// `watchtower get`.
pub fn get(args: GetArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let now = now_millis();
    let start = args.start.map(|t| t.resolve(now));
    let end = args.end.map(|t| t.resolve(now));
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return Err(CliError::new(
                ExitCode::Usage,
                "--start is after --end: swap them, or give a relative --start such as 2h",
            )
            .into());
        }
    }
    if args.limit == Some(0) {
        return Ok(ExitCode::Success);
    }
    let format = match args.output {
        Output::Text => Format::Message,
        Output::Json => Format::Json,
    };
    let mut printer = Printer::new(format, color);
    runtime()?.block_on(async {
        let logs = connect(&args.aws).await?;
        let streams = Streams {
            names: &args.stream,
            prefix: args.stream_prefix.as_deref(),
        };
        let mut remaining = args.limit;
        let mut print = |e: &Event| -> io::Result<bool> {
            printer.event(e)?;
            if let Some(r) = &mut remaining {
                *r -= 1;
                return Ok(*r > 0);
            }
            Ok(true)
        };
        match (args.stream.as_slice(), &args.filter) {
            ([stream], None) => {
                read_stream(
                    &logs,
                    &args.group,
                    stream,
                    start,
                    end,
                    args.limit,
                    &mut print,
                )
                .await?
            }
            _ => {
                filter_events(
                    &logs,
                    &args.group,
                    &streams,
                    start,
                    end,
                    args.filter.as_deref(),
                    args.limit,
                    &mut print,
                )
                .await?
            }
        }
        printer.flush()?;
        Ok(ExitCode::Success)
    })
}

/// GetLogEvents from the head of one stream until the forward token repeats. An empty page is
/// not the end: the service returns those for sparse time ranges.
async fn read_stream(
    logs: &Logs,
    group: &str,
    stream: &str,
    start: Option<i64>,
    end: Option<i64>,
    limit: Option<u64>,
    print: &mut impl FnMut(&Event) -> io::Result<bool>,
) -> anyhow::Result<()> {
    let mut token: Option<String> = None;
    let mut printed = 0u64;
    loop {
        let page = limit.map(|l| (l - printed).min(MAX_PAGE) as i32);
        let resp = logs
            .client
            .get_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .start_from_head(true)
            .set_start_time(start)
            .set_end_time(end)
            .set_limit(page)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| {
                sdk_error(
                    "GetLogEvents",
                    Target::Stream { group, stream },
                    &logs.endpoint,
                    e,
                )
            })?;
        for e in resp.events() {
            printed += 1;
            if !print(&Event::output(e, stream))? {
                return Ok(());
            }
        }
        match resp.next_forward_token() {
            Some(t) if Some(t) != token.as_deref() => token = Some(t.to_owned()),
            _ => return Ok(()),
        }
    }
}

/// FilterLogEvents until there is no next token.
#[allow(clippy::too_many_arguments)]
async fn filter_events(
    logs: &Logs,
    group: &str,
    streams: &Streams<'_>,
    start: Option<i64>,
    end: Option<i64>,
    filter: Option<&str>,
    limit: Option<u64>,
    print: &mut impl FnMut(&Event) -> io::Result<bool>,
) -> anyhow::Result<()> {
    let mut token: Option<String> = None;
    let mut printed = 0u64;
    loop {
        let page = limit.map(|l| (l - printed).min(MAX_PAGE) as i32);
        // `interleaved` is ignored by AWS (always on since 2019) but emulators honour it.
        #[allow(deprecated)]
        let req = logs
            .client
            .filter_log_events()
            .log_group_name(group)
            .set_log_stream_names((!streams.names.is_empty()).then(|| streams.names.to_vec()))
            .set_log_stream_name_prefix(streams.prefix.map(String::from))
            .set_start_time(start)
            .set_end_time(end)
            .set_filter_pattern(filter.map(String::from))
            .set_limit(page)
            .set_next_token(token.clone())
            .interleaved(true);
        let resp = req
            .send()
            .await
            .map_err(|e| sdk_error("FilterLogEvents", Target::Group(group), &logs.endpoint, e))?;
        for e in resp.events() {
            let e = Event::filtered(e);
            if !streams.keeps(&e) {
                continue;
            }
            printed += 1;
            if !print(&e)? {
                return Ok(());
            }
        }
        if !next_page(&mut token, resp.next_token()) {
            return Ok(());
        }
    }
}

// === tail ===

/// `watchtower tail`.
pub fn tail(args: TailArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let format = match args.format {
        TailFormat::Short => Format::Short,
        TailFormat::Detailed => Format::Detailed,
        TailFormat::Json => Format::Json,
    };
    let mut printer = Printer::new(format, color);
    let warn = Style::stderr(color);
    runtime()?.block_on(async {
        let logs = connect(&args.aws).await?;
        let streams = Streams {
            names: &args.stream,
            prefix: args.stream_prefix.as_deref(),
        };
        let since = args.since.resolve(now_millis());
        let lookback = args.lookback.as_millis().min(i64::MAX as u128) as i64;
        let mut seen: HashMap<String, i64> = HashMap::new();
        let mut first = true;
        let mut failing = false;
        loop {
            let now = now_millis();
            let from = if first {
                since
            } else {
                since.max(now.saturating_sub(lookback))
            };
            let end = (!args.follow).then_some(now);
            let mut batch = Vec::new();
            let fetched = filter_events(
                &logs,
                &args.group,
                &streams,
                Some(from),
                end,
                args.filter.as_deref(),
                None,
                &mut |e| {
                    batch.push(e.clone());
                    Ok(true)
                },
            )
            .await;
            match fetched {
                Ok(()) => failing = false,
                // While following, ride out network trouble and throttling.
                Err(e) if args.follow && !first && transient(&e) => {
                    if !failing {
                        eprintln!(
                            "watchtower: {} {e:#}; retrying every {:?}",
                            warn.paint(codes::ERROR, "warning:"),
                            args.poll_interval
                        );
                    }
                    failing = true;
                    tokio::time::sleep(args.poll_interval).await;
                    continue;
                }
                Err(e) => return Err(e),
            }
            // Nothing older than `from` comes back, so ids before it can be forgotten.
            seen.retain(|_, ts| *ts >= from);
            let mut fresh: Vec<Event> = batch
                .into_iter()
                .filter(|e| seen.insert(e.key(), e.timestamp).is_none())
                .collect();
            // Stable: events of one stream with equal timestamps keep their order.
            fresh.sort_by_key(|e| e.timestamp);
            for e in &fresh {
                printer.event(e)?;
            }
            printer.flush()?;
            if !args.follow {
                return Ok(ExitCode::Success);
            }
            first = false;
            tokio::time::sleep(args.poll_interval).await;
        }
    })
}

fn transient(e: &anyhow::Error) -> bool {
    e.chain()
        .find_map(|e| e.downcast_ref::<CliError>())
        .is_some_and(|c| c.code == ExitCode::Unreachable || c.message.contains("throttled"))
}

// === groups and streams ===

/// `watchtower groups`.
pub fn groups(args: GroupsArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let mut printer = Printer::new(Format::Message, color);
    runtime()?.block_on(async {
        let logs = connect(&args.aws).await?;
        let mut token: Option<String> = None;
        loop {
            let resp = logs
                .client
                .describe_log_groups()
                .set_log_group_name_prefix(args.prefix.clone())
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| sdk_error("DescribeLogGroups", Target::Groups, &logs.endpoint, e))?;
            for g in resp.log_groups() {
                let name = g.log_group_name().unwrap_or_default();
                match args.output {
                    Output::Text => printer.line(name)?,
                    Output::Json => printer.json(json!({
                        "name": name,
                        "arn": g.log_group_arn(),
                        "creationTime": g.creation_time(),
                        "retentionInDays": g.retention_in_days(),
                        "storedBytes": g.stored_bytes(),
                        "logGroupClass": g.log_group_class().map(|c| c.as_str()),
                        "kmsKeyId": g.kms_key_id(),
                    }))?,
                }
            }
            if !next_page(&mut token, resp.next_token()) {
                break;
            }
        }
        printer.flush()?;
        Ok(ExitCode::Success)
    })
}

/// `watchtower streams`.
pub fn streams(args: StreamsArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let mut printer = Printer::new(Format::Message, color);
    runtime()?.block_on(async {
        let logs = connect(&args.aws).await?;
        let mut token: Option<String> = None;
        loop {
            let resp = logs
                .client
                .describe_log_streams()
                .log_group_name(&args.group)
                .set_log_stream_name_prefix(args.prefix.clone())
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| {
                    sdk_error(
                        "DescribeLogStreams",
                        Target::Group(&args.group),
                        &logs.endpoint,
                        e,
                    )
                })?;
            for s in resp.log_streams() {
                let name = s.log_stream_name().unwrap_or_default();
                match args.output {
                    Output::Text => printer.line(name)?,
                    Output::Json => printer.json(json!({
                        "name": name,
                        "creationTime": s.creation_time(),
                        "firstEventTimestamp": s.first_event_timestamp(),
                        "lastEventTimestamp": s.last_event_timestamp(),
                        "lastIngestionTime": s.last_ingestion_time(),
                    }))?,
                }
            }
            if !next_page(&mut token, resp.next_token()) {
                break;
            }
        }
        printer.flush()?;
        Ok(ExitCode::Success)
    })
}

/// Moves `token` to the next page's; false at the end (no token, an empty one, or the same
/// one again, which is how GetLogEvents says it is done).
fn next_page(token: &mut Option<String>, next: Option<&str>) -> bool {
    match next {
        Some(t) if !t.is_empty() && Some(t) != token.as_deref() => {
            *token = Some(t.to_owned());
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_prefer_the_event_id() {
        let mut e = Event {
            timestamp: 5,
            message: "m".into(),
            stream: Some("s".into()),
            event_id: Some("id1".into()),
            ingestion_time: None,
        };
        assert_eq!(e.key(), "id1");
        e.event_id = None;
        assert_eq!(e.key(), "s\u{0}5\u{0}m");
    }

    #[test]
    fn prefixes_are_applied_client_side() {
        let s = Streams {
            names: &[],
            prefix: Some("web/"),
        };
        let e = |stream: &str| Event {
            timestamp: 0,
            message: String::new(),
            stream: Some(stream.into()),
            event_id: None,
            ingestion_time: None,
        };
        assert!(s.keeps(&e("web/1")));
        assert!(!s.keeps(&e("worker/1")));
    }
}
