//! `tail --follow`: a Live Tail session where the endpoint serves one ([`super::follow_live`]),
//! else polling: every group, each poll reading only from the newest event seen on (minus
//! `--lookback`), printing each event once (ids of the events at the edge are kept), and
//! polling less often while the service throttles or cannot be reached.

use std::collections::HashMap;
use std::time::Duration;

use super::emit::Emitter;
use super::event::{Event, Printer};
use super::fetch::{merge, GroupReader, Query, Sink};
use super::follow_live::{Follow, LiveEnd};
use super::get::{context_of, query_of};
use super::live::{self, LiveTail, Session};
use super::{groups_of, runtime};
use crate::aws::{connect, Logs};
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

/// `watchtower tail --follow`: Live Tail where it can be used, polling otherwise; one line
/// on stderr says which.
pub fn follow(args: &TailArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let groups = groups_of(&args.read)?;
    let mut printer = Printer::new(args.format, color).with(args.read.local, groups.len() > 1);
    let warn = Style::stderr(color);
    let now = now_millis();
    let since = args.since.resolve(now);
    let until = args.until.map(|t| t.resolve(now));
    let (query, select) = query_of(&args.read, None, None);
    let every = humantime::format_duration(args.poll_interval);
    runtime()?.block_on(async {
        let logs = connect(&args.read.aws).await?;
        let mut emitter = Emitter::new(
            &mut printer,
            &select,
            args.read.limit,
            context_of(&args.read),
        );
        let (mut newest, mut seen) = (None, HashMap::new());
        let why_not = if args.no_live_tail {
            Some("--no-live-tail".to_owned())
        } else {
            live::unsuited(&groups, &query)
        };
        if let Some(why) = why_not {
            eprintln!("watchtower: following by polling every {every} ({why})");
        } else {
            let follow = Follow {
                logs: &logs,
                groups: &groups,
                read: &args.read,
                since,
                until,
                idle: args.read.aws.timeout,
                warn,
            };
            match open_live(&logs, &groups, &query, args).await? {
                Ok((live, session)) => {
                    eprintln!("watchtower: following with Live Tail");
                    match follow.live(&live, session, &mut emitter).await? {
                        LiveEnd::Done => return Ok(exit_code(args, &emitter)),
                        LiveEnd::Fallback {
                            newest: n,
                            seen: s,
                            why,
                        } => {
                            (newest, seen) = (n, s);
                            eprintln!(
                                "watchtower: {why}; following by polling every {every} from now on"
                            );
                        }
                    }
                }
                Err(cause) => eprintln!(
                    "watchtower: Live Tail not available ({cause}); following by polling \
                     every {every}"
                ),
            }
        }
        let poll = Poll {
            args,
            logs: &logs,
            groups: &groups,
            since,
            until,
            warn,
        };
        poll.run(newest, seen, &mut emitter).await?;
        Ok(exit_code(args, &emitter))
    })
}

/// A Live Tail session for the groups, or why there is none. Errors: a group that does not
/// exist.
async fn open_live(
    logs: &Logs,
    groups: &[String],
    query: &Query,
    args: &TailArgs,
) -> Result<Result<(LiveTail, Session), String>, CliError> {
    let live = match LiveTail::prepare(logs, groups, query, args.read.aws.timeout).await {
        Ok(live) => live,
        Err(e) if e.code == ExitCode::NotFound => return Err(e),
        Err(e) => return Ok(Err(e.message)),
    };
    Ok(live.open(logs).await.map(|session| (live, session)))
}

fn exit_code(args: &TailArgs, emitter: &Emitter<'_>) -> ExitCode {
    if args.read.fail_if_empty && emitter.printer.printed == 0 {
        ExitCode::NothingMatched
    } else {
        ExitCode::Success
    }
}

/// Following by polling FilterLogEvents.
struct Poll<'a> {
    args: &'a TailArgs,
    logs: &'a Logs,
    groups: &'a [String],
    since: i64,
    until: Option<i64>,
    warn: Style,
}

impl Poll<'_> {
    /// Polls from `newest` (else --since) until --limit or --until; events in `seen` are
    /// not printed again.
    async fn run(
        &self,
        mut newest: Option<i64>,
        mut seen: HashMap<String, i64>,
        emitter: &mut Emitter<'_>,
    ) -> anyhow::Result<()> {
        let (args, since, until) = (self.args, self.since, self.until);
        let lookback = args
            .lookback
            .map_or(0, |d| d.as_millis().min(i64::MAX as u128) as i64);
        let mut wait = args.poll_interval;
        let mut first = true;
        let mut failing = false;
        while !emitter.done() {
            let from = newest.map_or(since, |n| since.max(n.saturating_sub(lookback)));
            let (query, _) = query_of(&args.read, Some(from), until);
            let mut readers: Vec<GroupReader> = self
                .groups
                .iter()
                .map(|g| GroupReader::new(self.logs, g, &query))
                .collect();
            let mut sink = FollowSink {
                emitter,
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
                            self.warn.paint(codes::ERROR, "warning:"),
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
        Ok(())
    }
}

/// Throttling always; an unreachable endpoint only after the first poll worked.
pub(super) fn transient(e: &anyhow::Error, first: bool) -> bool {
    e.chain()
        .find_map(|e| e.downcast_ref::<CliError>())
        .is_some_and(|c| {
            c.message.contains("throttled") || (!first && c.code == ExitCode::Unreachable)
        })
}
