//! Reading events page by page with the SDK's paginators, one reader per log group, merged
//! by time: at most one page per group is held, and events are handed on as pages arrive.

use std::collections::VecDeque;

use aws_sdk_cloudwatchlogs::error::SdkError;
use aws_sdk_cloudwatchlogs::operation::filter_log_events::{
    FilterLogEventsError, FilterLogEventsOutput,
};
use aws_sdk_cloudwatchlogs::operation::get_log_events::{GetLogEventsError, GetLogEventsOutput};
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use regex::Regex;

use super::event::Event;
use crate::aws::{sdk_error, Logs, Target};

/// Largest page the APIs return.
const MAX_PAGE: i32 = 10_000;

/// What to read from each group.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub streams: Vec<String>,
    pub prefix: Option<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub filter: Option<String>,
}

/// Which events are printed, on top of the query, and what of them.
#[derive(Debug, Default)]
pub struct Select {
    pub prefix: Option<String>,
    pub grep: Option<Regex>,
    pub grepv: Option<Regex>,
    /// `--jmespath`: what of a JSON message to print.
    pub jmespath: Option<jmespath::Expression<'static>>,
    /// `--pretty`.
    pub pretty: bool,
}

impl Select {
    /// What to print of a kept event: its message, a JMESPath result of it (`None` when the
    /// message is not JSON or the result is null), pretty-printed if asked.
    pub fn render(&self, message: &str) -> Option<String> {
        if self.jmespath.is_none() && !self.pretty {
            return Some(message.to_owned());
        }
        let Ok(json) = serde_json::from_str::<serde_json::Value>(message) else {
            return self.jmespath.is_none().then(|| message.to_owned());
        };
        let value = match &self.jmespath {
            None => json,
            Some(expr) => {
                let found = expr.search(jmespath::Variable::from_serializable(&json).ok()?);
                serde_json::to_value(&*found.ok()?).ok()?
            }
        };
        match value {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s),
            v if self.pretty => serde_json::to_string_pretty(&v).ok(),
            v => Some(v.to_string()),
        }
    }

    /// In the streams asked for. Moto ignores `logStreamNamePrefix`; filtering again is free
    /// on AWS.
    pub fn in_scope(&self, e: &Event) -> bool {
        match (&self.prefix, &e.stream) {
            (Some(p), Some(s)) => s.starts_with(p.as_str()),
            _ => true,
        }
    }

    /// Matches `--grep` and not `--grepv`.
    pub fn matches(&self, e: &Event) -> bool {
        self.grep.as_ref().is_none_or(|r| r.is_match(&e.message))
            && !self.grepv.as_ref().is_some_and(|r| r.is_match(&e.message))
    }

    #[cfg(test)]
    fn keeps(&self, e: &Event) -> bool {
        self.in_scope(e) && self.matches(e)
    }
}

type FilterPages =
    PaginationStream<Result<FilterLogEventsOutput, SdkError<FilterLogEventsError, HttpResponse>>>;
type StreamPages =
    PaginationStream<Result<GetLogEventsOutput, SdkError<GetLogEventsError, HttpResponse>>>;

enum Pages {
    /// FilterLogEvents over the group (its streams interleaved by time).
    Filter(FilterPages),
    /// GetLogEvents of one stream, from its head.
    /// (The paginator stops when the forward token repeats, GetLogEvents' way to say it is
    /// done; an empty page before that is not the end, for sparse time ranges.)
    Stream { pages: StreamPages, stream: String },
}

/// One group's events, a page at a time.
pub struct GroupReader {
    group: String,
    endpoint: String,
    pages: Pages,
    buf: VecDeque<Event>,
    done: bool,
}

impl GroupReader {
    /// A reader of `group`: GetLogEvents for exactly one stream and no filter pattern,
    /// FilterLogEvents otherwise.
    pub fn new(logs: &Logs, group: &str, q: &Query) -> GroupReader {
        let pages = match (q.streams.as_slice(), &q.filter) {
            ([stream], None) => Pages::Stream {
                pages: logs
                    .client
                    .get_log_events()
                    .log_group_name(group)
                    .log_stream_name(stream)
                    .start_from_head(true)
                    .set_start_time(q.start)
                    .set_end_time(q.end)
                    .limit(MAX_PAGE)
                    .into_paginator()
                    .send(),
                stream: stream.clone(),
            },
            _ => {
                // `interleaved` is ignored by AWS (always on since 2019) but emulators honour it.
                #[allow(deprecated)]
                let req = logs
                    .client
                    .filter_log_events()
                    .log_group_name(group)
                    .set_log_stream_names((!q.streams.is_empty()).then(|| q.streams.clone()))
                    .set_log_stream_name_prefix(q.prefix.clone())
                    .set_start_time(q.start)
                    .set_end_time(q.end)
                    .set_filter_pattern(q.filter.clone())
                    .limit(MAX_PAGE)
                    .interleaved(true);
                Pages::Filter(req.into_paginator().send())
            }
        };
        GroupReader {
            group: group.to_owned(),
            endpoint: logs.endpoint.clone(),
            pages,
            buf: VecDeque::new(),
            done: false,
        }
    }

    /// Fetches pages until one has events or there are none left.
    async fn fill(&mut self) -> Result<(), crate::exit_codes::CliError> {
        while self.buf.is_empty() && !self.done {
            match &mut self.pages {
                Pages::Filter(pages) => match pages.next().await {
                    None => self.done = true,
                    Some(Err(e)) => {
                        return Err(sdk_error(
                            "FilterLogEvents",
                            Target::Group(&self.group),
                            &self.endpoint,
                            e,
                        ))
                    }
                    Some(Ok(page)) => {
                        let group = &self.group;
                        self.buf
                            .extend(page.events().iter().map(|e| Event::filtered(group, e)));
                    }
                },
                Pages::Stream { pages, stream } => match pages.next().await {
                    None => self.done = true,
                    Some(Err(e)) => {
                        let target = Target::Stream {
                            group: &self.group,
                            stream,
                        };
                        return Err(sdk_error("GetLogEvents", target, &self.endpoint, e));
                    }
                    Some(Ok(page)) => {
                        let group = &self.group;
                        self.buf.extend(
                            page.events()
                                .iter()
                                .map(|e| Event::output(group, stream, e)),
                        );
                    }
                },
            }
        }
        Ok(())
    }
}

/// Where merged events go.
pub trait Sink {
    /// Takes one event; false stops the reading.
    fn event(&mut self, e: &Event) -> std::io::Result<bool>;
    /// Called before waiting for a page, so what was read so far shows.
    fn flush(&mut self) -> std::io::Result<()>;
}

/// Hands the events of every reader to `sink` in time order (each group's pages are in time
/// order, so the smallest head goes first), fetching a group's next page only when its
/// current one is used up.
pub async fn merge(readers: &mut [GroupReader], sink: &mut impl Sink) -> anyhow::Result<()> {
    loop {
        if readers.iter().any(|r| r.buf.is_empty() && !r.done) {
            sink.flush()?;
            for r in readers.iter_mut() {
                r.fill().await?;
            }
        }
        let next = readers
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.buf.front().map(|e| (e.timestamp, i)))
            .min();
        let Some((_, i)) = next else {
            sink.flush()?;
            return Ok(());
        };
        let Some(e) = readers[i].buf.pop_front() else {
            continue;
        };
        if !sink.event(&e)? {
            sink.flush()?;
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(stream: &str, message: &str) -> Event {
        Event {
            group: "g".into(),
            timestamp: 0,
            message: message.into(),
            stream: Some(stream.into()),
            event_id: None,
            ingestion_time: None,
        }
    }

    #[test]
    fn the_selection_applies_prefix_grep_and_grepv() {
        let s = Select {
            prefix: Some("web/".into()),
            grep: Some(Regex::new(r"\b5\d\d\b").unwrap()),
            grepv: Some(Regex::new("health").unwrap()),
            ..Select::default()
        };
        assert!(s.keeps(&event("web/1", "GET / 500")));
        assert!(!s.keeps(&event("worker/1", "GET / 500")), "prefix");
        assert!(!s.keeps(&event("web/1", "GET / 200")), "grep");
        assert!(!s.keeps(&event("web/1", "GET /health 503")), "grepv");
        assert!(Select::default().keeps(&event("any", "thing")));
    }

    #[test]
    fn jmespath_and_pretty_render_json_messages() {
        let select = |expr: Option<&str>, pretty: bool| Select {
            jmespath: expr.map(|e| jmespath::compile(e).unwrap()),
            pretty,
            ..Select::default()
        };
        let m = r#"{"level":"ERROR","ctx":{"id":1}}"#;
        assert_eq!(
            select(Some("level"), false).render(m).as_deref(),
            Some("ERROR")
        );
        assert_eq!(
            select(Some("ctx"), false).render(m).as_deref(),
            Some(r#"{"id":1}"#)
        );
        assert_eq!(
            select(Some("ctx"), true).render(m).as_deref(),
            Some("{\n  \"id\": 1\n}")
        );
        assert_eq!(select(Some("nope"), false).render(m), None, "null: skipped");
        assert_eq!(
            select(Some("level"), false).render("plain"),
            None,
            "not JSON"
        );
        assert_eq!(select(None, true).render("plain").as_deref(), Some("plain"));
        assert_eq!(select(None, false).render(m).as_deref(), Some(m));
    }
}
