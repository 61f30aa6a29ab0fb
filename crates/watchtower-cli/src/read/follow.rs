//! `tail --follow`: polls every group, each poll reading only from the newest event seen on
//! (minus `--lookback`), printing each event once (ids of the events at the edge are kept),
//! and polling less often while the service throttles or cannot be reached.

use std::collections::HashMap;
use std::time::Duration;

use super::emit::Emitter;
use super::event::{Event, Printer};
use super::fetch::{merge, GroupReader, Sink};
use super::get::{context_of, query_of};
use super::{groups_of, runtime};
use crate::aws::connect;
use crate::cli::{ColorChoice, TailArgs};
use crate::exit_codes::{CliError, ExitCode};
use crate::parse::now_millis;
use crate::style::{codes, Style};

/// Longest wait between polls while throttled or unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

struct FollowSink<'a, 'b> {
    emitter: &'b mut Emitter<'a>,
    /// Event keys with their timestamps, to print each once.
    seen: &'b mut HashMap<String, i64>,
    /// The newest timestamp fetched.
    newest: &'b mut Option<i64>,
}

impl Sink for FollowSink<'_, '_> {
    fn event(&mut self, e: &Event) -> std::io::Result<bool> {
        *self.newest = Some(self.newest.map_or(e.timestamp, |n| n.max(e.timestamp)));
        if self.seen.insert(e.key(), e.timestamp).is_some() {
            return Ok(true);
        }
        self.emitter.offer(e)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.emitter.printer.flush()
    }
}

/// `watchtower tail --follow`.
pub fn follow(args: &TailArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let groups = groups_of(&args.read)?;
    let mut printer = Printer::new(args.format, color).with(args.read.local, groups.len() > 1);
    let warn = Style::stderr(color);
    let now = now_millis();
    let since = args.since.resolve(now);
    let until = args.until.map(|t| t.resolve(now));
    let lookback = args
        .lookback
        .map_or(0, |d| d.as_millis().min(i64::MAX as u128) as i64);
    let (_, select) = query_of(&args.read, None, None);
    runtime()?.block_on(async {
        let logs = connect(&args.read.aws).await?;
        let mut seen: HashMap<String, i64> = HashMap::new();
        let mut newest: Option<i64> = None;
        let mut wait = args.poll_interval;
        let mut first = true;
        let mut failing = false;
        let mut emitter = Emitter::new(
            &mut printer,
            &select,
            args.read.limit,
            context_of(&args.read),
        );
        while !emitter.done() {
            let from = newest.map_or(since, |n| since.max(n.saturating_sub(lookback)));
            let (query, _) = query_of(&args.read, Some(from), until);
            let mut readers: Vec<GroupReader> = groups
                .iter()
                .map(|g| GroupReader::new(&logs, g, &query))
                .collect();
            let mut sink = FollowSink {
                emitter: &mut emitter,
                seen: &mut seen,
                newest: &mut newest,
            };
            match merge(&mut readers, &mut sink).await {
                Ok(()) => {
                    if failing {
                        eprintln!("watchtower: reading again");
                    }
                    failing = false;
                    wait = args.poll_interval;
                }
                // Ride out throttling, and network trouble once the first poll worked.
                Err(e) if transient(&e, first) => {
                    wait = (wait * 2).min(MAX_BACKOFF).max(args.poll_interval);
                    if !failing {
                        eprintln!(
                            "watchtower: {} {e:#}; polling every {} meanwhile",
                            warn.paint(codes::ERROR, "warning:"),
                            humantime::format_duration(wait)
                        );
                    }
                    failing = true;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Err(e) => return Err(e),
            }
            first = false;
            // What the next poll reads again: only ids from there on are needed.
            let edge = newest.map_or(since, |n| since.max(n.saturating_sub(lookback)));
            seen.retain(|_, ts| *ts >= edge);
            if until.is_some_and(|u| now_millis() > u) {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        Ok(if args.read.fail_if_empty && emitter.printer.printed == 0 {
            ExitCode::NothingMatched
        } else {
            ExitCode::Success
        })
    })
}

/// Throttling always; an unreachable endpoint only after the first poll worked.
fn transient(e: &anyhow::Error, first: bool) -> bool {
    e.chain()
        .find_map(|e| e.downcast_ref::<CliError>())
        .is_some_and(|c| {
            c.message.contains("throttled") || (!first && c.code == ExitCode::Unreachable)
        })
}
