//! `get`, and `tail` without `--follow`: every group's events between two times, merged by
//! time and printed as pages arrive.

use super::emit::Emitter;
use super::event::{Event, Printer};
use super::fetch::{merge, GroupReader, Query, Select, Sink};
use super::{groups_of, runtime};
use crate::aws::connect;
use crate::cli::{ColorChoice, GetArgs, ReadArgs, ReadFormat, TailArgs};
use crate::exit_codes::{CliError, ExitCode};
use crate::parse::now_millis;

/// Hands every fetched event to the emitter.
pub struct PrintSink<'a, 'b> {
    pub emitter: &'b mut Emitter<'a>,
}

impl Sink for PrintSink<'_, '_> {
    fn event(&mut self, e: &Event) -> std::io::Result<bool> {
        self.emitter.offer(e)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.emitter.printer.flush()
    }
}

/// `-B`/`-A`, with `-C` for both.
pub fn context_of(read: &ReadArgs) -> (usize, usize) {
    (
        read.before_context.or(read.context).unwrap_or(0),
        read.after_context.or(read.context).unwrap_or(0),
    )
}

/// The query and selection of the shared flags.
pub fn query_of(read: &ReadArgs, start: Option<i64>, end: Option<i64>) -> (Query, Select) {
    let query = Query {
        streams: read.all_streams(),
        prefix: read.stream_prefix.clone(),
        start,
        end,
        filter: read.filter.clone(),
    };
    let select = Select {
        prefix: read.stream_prefix.clone(),
        grep: read.grep.clone(),
        grepv: read.grepv.clone(),
        // Checked when parsed.
        jmespath: read
            .jmespath
            .as_deref()
            .and_then(|e| jmespath::compile(e).ok()),
        pretty: read.pretty,
    };
    (query, select)
}

/// `watchtower get`.
pub fn get(args: GetArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let now = now_millis();
    read_range(
        &args.read,
        args.start.map(|t| t.resolve(now)),
        args.end.map(|t| t.resolve(now)),
        args.format,
        color,
        ("--start", "--end"),
    )
}

/// `watchtower tail` without `--follow`.
pub fn tail_once(args: &TailArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let now = now_millis();
    read_range(
        &args.read,
        Some(args.since.resolve(now)),
        Some(args.until.map_or(now, |t| t.resolve(now))),
        args.format,
        color,
        ("--since", "--until"),
    )
}

fn read_range(
    read: &ReadArgs,
    start: Option<i64>,
    end: Option<i64>,
    format: ReadFormat,
    color: ColorChoice,
    (start_flag, end_flag): (&str, &str),
) -> anyhow::Result<ExitCode> {
    let groups = groups_of(read)?;
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return Err(CliError::new(
                ExitCode::Usage,
                format!(
                    "{start_flag} is after {end_flag}: swap them, or give a relative \
                     {start_flag} such as 2h"
                ),
            )
            .into());
        }
    }
    let mut printer = Printer::new(format, color).with(read.local, groups.len() > 1);
    if read.limit != Some(0) {
        let (query, select) = query_of(read, start, end);
        runtime()?.block_on(async {
            let logs = connect(&read.aws).await?;
            let mut readers: Vec<GroupReader> = groups
                .iter()
                .map(|g| GroupReader::new(&logs, g, &query))
                .collect();
            let mut emitter = Emitter::new(&mut printer, &select, read.limit, context_of(read));
            merge(
                &mut readers,
                &mut PrintSink {
                    emitter: &mut emitter,
                },
            )
            .await
        })?;
    }
    Ok(if read.fail_if_empty && printer.printed == 0 {
        ExitCode::NothingMatched
    } else {
        ExitCode::Success
    })
}
