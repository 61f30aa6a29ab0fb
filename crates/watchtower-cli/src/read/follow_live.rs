//! `tail --follow` over Live Tail: the session is opened first, then what is already stored
//! since --since is read with FilterLogEvents and printed, then the session's events as they
//! come. An event both read and sent by the session (the two overlap by a moment) is printed
//! once: they are matched by group, stream, time and message.
//!
//! When a session ends (its 3-hour limit, an exception event, a dropped connection) the cause
//! is shown and a new session is opened, then the gap is read with FilterLogEvents from the
//! newest event printed on. If no new session can be opened, following goes on by polling
//! ([`LiveEnd::Fallback`]).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::emit::Emitter;
use super::event::Event;
use super::fetch::{merge, GroupReader, Sink};
use super::follow::transient;
use super::get::query_of;
use super::live::{LiveTail, Next, Session};
use crate::aws::Logs;
use crate::cli::ReadArgs;
use crate::parse::now_millis;
use crate::style::{codes, Style};

/// Events this far behind the newest one printed are no longer matched against the other
/// source.
const MATCH_WINDOW_MS: i64 = 5 * 60 * 1000;
/// Attempts to open a new session after one ended, and the wait before each.
const REOPEN_WAITS: [Duration; 4] = [
    Duration::ZERO,
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];
/// A session shorter than this that ended is followed by a longer wait (doubling, up to a
/// minute) before the next one, so a session that keeps failing is not reopened in a loop.
const SHORT_SESSION: Duration = Duration::from_secs(60);

/// How following with Live Tail ended.
#[derive(Debug)]
pub enum LiveEnd {
    /// --limit or --until reached.
    Done,
    /// Live Tail cannot go on, for reason `why`: poll from `newest` on; `seen` holds the
    /// keys of the events read with FilterLogEvents, not to print again.
    Fallback {
        newest: Option<i64>,
        seen: HashMap<String, i64>,
        why: String,
    },
}

/// Events printed from each source, to print an event seen by both once.
#[derive(Debug, Default)]
struct Printed {
    polled: HashMap<String, (i64, u32)>,
    live: HashMap<String, (i64, u32)>,
    /// Keys (ids) of the events FilterLogEvents returned, which a later read returns again.
    ids: HashMap<String, i64>,
}

impl Printed {
    /// Whether to print `e`, from the session (`live`) or from FilterLogEvents.
    fn take(&mut self, e: &Event, live: bool) -> bool {
        let key = format!(
            "{}\0{}\0{}\0{}",
            e.group,
            e.stream.as_deref().unwrap_or(""),
            e.timestamp,
            e.message
        );
        let (other, mine) = if live {
            (&mut self.polled, &mut self.live)
        } else {
            (&mut self.live, &mut self.polled)
        };
        if let Some((_, n)) = other.get_mut(&key).filter(|(_, n)| *n > 0) {
            *n -= 1;
            return false;
        }
        mine.entry(key).or_insert((e.timestamp, 0)).1 += 1;
        true
    }

    fn prune(&mut self, newest: i64) {
        let edge = newest.saturating_sub(MATCH_WINDOW_MS);
        self.polled.retain(|_, (ts, n)| *ts >= edge && *n > 0);
        self.live.retain(|_, (ts, n)| *ts >= edge && *n > 0);
        self.ids.retain(|_, ts| *ts >= edge);
    }
}

/// Where a FilterLogEvents read's events go.
struct PollSink<'e, 'a> {
    emitter: &'e mut Emitter<'a>,
    printed: &'e mut Printed,
    newest: &'e mut Option<i64>,
}

impl Sink for PollSink<'_, '_> {
    fn event(&mut self, e: &Event) -> std::io::Result<bool> {
        *self.newest = Some(self.newest.map_or(e.timestamp, |n| n.max(e.timestamp)));
        if self.printed.ids.insert(e.key(), e.timestamp).is_some() || !self.printed.take(e, false) {
            return Ok(true);
        }
        self.emitter.offer(e)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.emitter.printer.flush()
    }
}

/// What `tail --follow` follows, and how.
pub struct Follow<'a> {
    /// The client.
    pub logs: &'a Logs,
    /// The groups, as typed.
    pub groups: &'a [String],
    /// The read flags (streams, filter pattern).
    pub read: &'a ReadArgs,
    /// --since, in epoch milliseconds.
    pub since: i64,
    /// --until, in epoch milliseconds.
    pub until: Option<i64>,
    /// A session silent this long (--timeout) is taken as dropped.
    pub idle: Duration,
    /// Styling of warnings.
    pub warn: Style,
}

impl Follow<'_> {
    /// Reads the stored events from `from` (to --until) with FilterLogEvents.
    async fn read_stored(
        &self,
        from: i64,
        emitter: &mut Emitter<'_>,
        printed: &mut Printed,
        newest: &mut Option<i64>,
    ) -> anyhow::Result<()> {
        let (query, _) = query_of(self.read, Some(from), self.until);
        let mut readers: Vec<GroupReader> = self
            .groups
            .iter()
            .map(|g| GroupReader::new(self.logs, g, &query))
            .collect();
        let mut sink = PollSink {
            emitter,
            printed,
            newest,
        };
        merge(&mut readers, &mut sink).await
    }

    fn warning(&self, text: &str) {
        eprintln!(
            "watchtower: {} {text}",
            self.warn.paint(codes::ERROR, "warning:")
        );
    }

    /// Follows with `session` (just opened) until --limit or --until, or until no new
    /// session can be opened.
    pub async fn live(
        &self,
        live: &LiveTail,
        mut session: Session,
        emitter: &mut Emitter<'_>,
    ) -> anyhow::Result<LiveEnd> {
        let mut printed = Printed::default();
        let mut newest: Option<i64> = None;
        if let Err(e) = self
            .read_stored(self.since, emitter, &mut printed, &mut newest)
            .await
        {
            // Polling rides out throttling; anything else is an error either way.
            if !transient(&e, true) {
                return Err(e);
            }
            return Ok(LiveEnd::Fallback {
                newest,
                seen: printed.ids,
                why: format!("{e:#}"),
            });
        }
        let mut opened = Instant::now();
        let mut first = true;
        let mut pause = Duration::ZERO;
        let mut told_sampled = false;
        loop {
            if emitter.done() || self.until.is_some_and(|u| now_millis() > u) {
                return Ok(LiveEnd::Done);
            }
            // The service sends an update every second: silence means a dead connection.
            let until_left = self
                .until
                .map(|u| Duration::from_millis(u.saturating_sub(now_millis()).max(0) as u64));
            let wait = until_left.map_or(self.idle, |left| left.min(self.idle));
            let next = match tokio::time::timeout(wait, live.next(&mut session)).await {
                Ok(next) => next,
                Err(_) if until_left.is_some_and(|left| left <= self.idle) => {
                    return Ok(LiveEnd::Done)
                }
                Err(_) => Next::Ended(format!(
                    "nothing received for {} (the service sends an update every second); \
                     taking the connection as dropped",
                    humantime::format_duration(self.idle)
                )),
            };
            match next {
                Next::Events { events, sampled } => {
                    if sampled && !told_sampled {
                        told_sampled = true;
                        self.warning(
                            "Live Tail is sampling (over 500 events a second): some events are \
                             not shown; --no-live-tail reads them all",
                        );
                    }
                    for e in &events {
                        newest = Some(newest.map_or(e.timestamp, |n| n.max(e.timestamp)));
                        if printed.take(e, true) && !emitter.offer(e)? {
                            break;
                        }
                    }
                    emitter.printer.flush()?;
                    if let Some(n) = newest {
                        printed.prune(n);
                    }
                }
                Next::Closed if first && opened.elapsed() < SHORT_SESSION => {
                    return Ok(LiveEnd::Fallback {
                        newest,
                        seen: printed.ids,
                        why: "the endpoint closed the Live Tail session at once (it does not \
                              keep sessions open)"
                            .to_owned(),
                    });
                }
                Next::Ended(_) | Next::Closed => {
                    let cause = match next {
                        Next::Ended(cause) => cause,
                        _ => "the endpoint closed the session".to_owned(),
                    };
                    self.warning(&format!("Live Tail session ended: {cause}; reconnecting"));
                    pause = if opened.elapsed() < SHORT_SESSION {
                        (pause * 2).clamp(Duration::from_secs(1), Duration::from_secs(60))
                    } else {
                        Duration::ZERO
                    };
                    tokio::time::sleep(pause).await;
                    session = match self.reopen(live).await {
                        Ok(s) => s,
                        Err(cause) => {
                            return Ok(LiveEnd::Fallback {
                                newest,
                                seen: printed.ids,
                                why: format!("cannot open a new Live Tail session ({cause})"),
                            })
                        }
                    };
                    opened = Instant::now();
                    first = false;
                    // What was stored while no session was open.
                    let from = newest.unwrap_or(self.since);
                    if let Err(e) = self
                        .read_stored(from, emitter, &mut printed, &mut newest)
                        .await
                    {
                        self.warning(&format!("{e:#}; events stored meanwhile may be missing"));
                    }
                    eprintln!("watchtower: following with Live Tail again");
                }
            }
        }
    }

    /// A new session, after a few attempts; the last cause if none could be opened.
    async fn reopen(&self, live: &LiveTail) -> Result<Session, String> {
        let mut cause = String::new();
        for wait in REOPEN_WAITS {
            tokio::time::sleep(wait).await;
            match live.open(self.logs).await {
                Ok(session) => return Ok(session),
                Err(e) => cause = e,
            }
        }
        Err(cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(ts: i64, message: &str) -> Event {
        Event {
            group: "g".into(),
            timestamp: ts,
            message: message.into(),
            stream: Some("s".into()),
            event_id: None,
            ingestion_time: None,
        }
    }

    #[test]
    fn an_event_from_both_sources_prints_once_and_repeats_still_print() {
        let mut p = Printed::default();
        assert!(p.take(&event(1, "a"), false));
        assert!(
            !p.take(&event(1, "a"), true),
            "the session repeats a polled event"
        );
        assert!(
            p.take(&event(1, "a"), true),
            "a second, identical event is printed"
        );
        assert!(p.take(&event(2, "b"), true));
        assert!(
            !p.take(&event(2, "b"), false),
            "the gap read repeats a live event"
        );
        p.prune(2 + MATCH_WINDOW_MS + 1);
        assert!(p.live.is_empty() && p.polled.is_empty());
    }
}
