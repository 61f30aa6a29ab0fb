//! The flags of the read commands: `get`, `tail`, `groups` and `streams`.

use std::time::Duration;

use clap::{Args, ValueEnum};

use regex::Regex;

use super::ReadAwsArgs;
use crate::parse::{parse_duration, parse_time, TimeArg};

/// What to read and how to print it: everything `get` and `tail` share.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Log groups to read; several are interleaved by time.
    #[arg(value_name = "GROUP")]
    pub groups: Vec<String>,

    /// Log group to read (repeatable; the same as a GROUP argument).
    #[arg(
        short,
        long = "group",
        value_name = "GROUP",
        visible_alias = "log-group-name",
        env = "WATCHTOWER_LOG_GROUP",
        value_delimiter = ','
    )]
    pub group_flags: Vec<String>,

    /// Only this stream (repeatable).
    #[arg(short, long, value_name = "STREAM", conflicts_with = "stream_prefix")]
    pub stream: Vec<String>,

    /// Only these streams, as aws takes them: several values after one flag (`--log-stream-names
    /// a b c`; put GROUP arguments before it or use -g), the flag repeated, or both.
    #[arg(
        long,
        value_name = "STREAM",
        num_args = 1..,
        action = clap::ArgAction::Append,
        conflicts_with = "stream_prefix"
    )]
    pub log_stream_names: Vec<String>,

    /// Only streams whose name starts with PREFIX.
    #[arg(long, value_name = "PREFIX", visible_alias = "log-stream-name-prefix")]
    pub stream_prefix: Option<String>,

    /// CloudWatch Logs filter pattern, applied by the service, e.g. ERROR or '"exact phrase"'.
    #[arg(long, value_name = "PATTERN", visible_alias = "filter-pattern")]
    pub filter: Option<String>,

    /// Only events whose message matches this regular expression (Rust regex syntax).
    #[arg(long, value_name = "REGEX", value_parser = parse_grep)]
    pub grep: Option<Regex>,

    /// Only events whose message does not match this regular expression.
    #[arg(long, value_name = "REGEX", value_parser = parse_grep)]
    pub grepv: Option<Regex>,

    /// With --grep/--grepv: also print N events before each match.
    #[arg(short = 'B', long, value_name = "N")]
    pub before_context: Option<usize>,

    /// With --grep/--grepv: also print N events after each match.
    #[arg(short = 'A', long, value_name = "N")]
    pub after_context: Option<usize>,

    /// With --grep/--grepv: also print N events before and after each match.
    #[arg(short = 'C', long, value_name = "N")]
    pub context: Option<usize>,

    /// Print this JMESPath expression of each JSON message instead of the message; messages
    /// that are not JSON, or where it is null, are skipped.
    ///
    /// A string result prints as is, anything else as JSON. E.g. 'level', 'request.id',
    /// '[level, msg]', 'msg' with --grep on the message.
    #[arg(long, value_name = "EXPR", value_parser = parse_jmespath)]
    pub jmespath: Option<String>,

    /// Pretty-print JSON messages (and --jmespath results) over several lines.
    #[arg(long)]
    pub pretty: bool,

    /// Stop after N events.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,

    /// Show times in the local time zone instead of UTC.
    #[arg(long)]
    pub local: bool,

    /// Exit with 7 when no event was printed (like grep's 1).
    #[arg(long)]
    pub fail_if_empty: bool,

    /// AWS settings.
    #[command(flatten)]
    pub aws: ReadAwsArgs,
}

impl ReadArgs {
    /// The streams of --stream and --log-stream-names, in order, each once.
    pub fn all_streams(&self) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for s in self.stream.iter().chain(&self.log_stream_names) {
            if !all.contains(s) {
                all.push(s.clone());
            }
        }
        all
    }

    /// The groups of the arguments and of --group, in order, each once.
    pub fn all_groups(&self) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for g in self.groups.iter().chain(&self.group_flags) {
            if !all.contains(g) {
                all.push(g.clone());
            }
        }
        all
    }
}

/// `watchtower get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// What to read.
    #[command(flatten)]
    pub read: ReadArgs,

    /// Oldest event time [default: the beginning].
    ///
    /// Relative: 10m, -10m, 2h ago, 1h30m, 3 days (s, m, h, d, w); `now`, `today` and
    /// `yesterday` (midnight UTC). Absolute: ISO 8601 / RFC 3339 with
    /// or without an offset (2026-01-05T10:00:00Z, 2026-01-05 11:00:00+01:00, 2026-01-05T10:00
    /// is UTC), a date (2026-01-05), or epoch seconds or milliseconds (1767607200,
    /// 1767607200000).
    #[arg(
        long,
        value_name = "TIME",
        visible_alias = "since",
        value_parser = parse_time,
        allow_hyphen_values = true
    )]
    pub start: Option<TimeArg>,

    /// Newest event time, same forms as --start [default: now].
    #[arg(
        long,
        value_name = "TIME",
        visible_alias = "until",
        value_parser = parse_time,
        allow_hyphen_values = true
    )]
    pub end: Option<TimeArg>,

    /// message: each message as is; short: time and message; detailed: time, group, stream
    /// and message; json: one JSON object per line (group, stream, timestamp, time, message,
    /// eventId, ingestionTime).
    #[arg(
        long,
        short = 'o',
        visible_alias = "output",
        value_enum,
        value_name = "FORMAT",
        env = "WATCHTOWER_OUTPUT",
        default_value_t = ReadFormat::Message
    )]
    pub format: ReadFormat,
}

/// `watchtower tail`.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// What to read.
    #[command(flatten)]
    pub read: ReadArgs,

    /// Keep printing new events until interrupted: with a Live Tail session where the
    /// endpoint offers one, else by polling (one line on stderr says which).
    #[arg(short, long)]
    pub follow: bool,

    /// With --follow: poll with FilterLogEvents instead of a Live Tail session (Live Tail
    /// samples above 500 events a second; polling reads them all).
    #[arg(long)]
    pub no_live_tail: bool,

    /// Oldest event time, as for `get --start` [default: 10m].
    #[arg(
        long,
        value_name = "TIME",
        visible_alias = "start",
        value_parser = parse_time,
        allow_hyphen_values = true,
        default_value = "10m"
    )]
    pub since: TimeArg,

    /// Newest event time; with --follow, stop following once it has passed [default: now].
    #[arg(
        long,
        value_name = "TIME",
        visible_alias = "end",
        value_parser = parse_time,
        allow_hyphen_values = true
    )]
    pub until: Option<TimeArg>,

    /// short: time and message; detailed: time, group, stream and message; json: one
    /// object per line; message: the message only.
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        env = "WATCHTOWER_TAIL_FORMAT",
        default_value_t = ReadFormat::Detailed
    )]
    pub format: ReadFormat,

    /// With --follow, when polling: time between polls (doubled, up to 1 minute, while
    /// throttled).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "2s")]
    pub poll_interval: Duration,

    /// With --follow: also re-read this far back on each poll, for events shipped late
    /// [default: 0, only events from the newest one seen on].
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_duration,
        hide_short_help = true
    )]
    pub lookback: Option<Duration>,
}

/// `watchtower groups`.
#[derive(Debug, Args)]
pub struct GroupsArgs {
    /// Only groups whose name starts with PREFIX.
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,

    /// text: one name per line; json: one JSON object per line.
    #[arg(long, short, value_enum, value_name = "FORMAT", env = "WATCHTOWER_OUTPUT", default_value_t = Output::Text)]
    pub output: Output,

    /// AWS settings.
    #[command(flatten)]
    pub aws: ReadAwsArgs,
}

/// `watchtower streams`.
#[derive(Debug, Args)]
pub struct StreamsArgs {
    /// Log group whose streams to list.
    #[arg(short, long, value_name = "GROUP", env = "WATCHTOWER_LOG_GROUP")]
    pub group: String,

    /// Only streams whose name starts with PREFIX.
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,

    /// text: one name per line; json: one JSON object per line.
    #[arg(long, short, value_enum, value_name = "FORMAT", env = "WATCHTOWER_OUTPUT", default_value_t = Output::Text)]
    pub output: Output,

    /// AWS settings.
    #[command(flatten)]
    pub aws: ReadAwsArgs,
}

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Plain text.
    Text,
    /// JSON Lines.
    Json,
}

/// `get` and `tail --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReadFormat {
    /// The message only.
    #[value(alias = "text")]
    Message,
    /// Time and message.
    Short,
    /// Time, group, stream and message.
    Detailed,
    /// One JSON object per line.
    Json,
}

/// A JMESPath expression, checked.
fn parse_jmespath(s: &str) -> Result<String, String> {
    jmespath::compile(s).map(|_| s.to_owned()).map_err(|e| {
        format!(
            "not a valid JMESPath expression: {}",
            e.to_string().replace('\n', " ")
        )
    })
}

/// A regular expression for --grep / --grepv.
fn parse_grep(s: &str) -> Result<Regex, String> {
    Regex::new(s).map_err(|e| {
        format!(
            "not a valid regular expression: {}",
            e.to_string().replace('\n', " ")
        )
    })
}
