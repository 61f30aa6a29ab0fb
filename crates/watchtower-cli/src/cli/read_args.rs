//! The flags of the read commands: `get`, `tail`, `groups` and `streams`.

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::ReadAwsArgs;
use crate::parse::{parse_duration, parse_time, TimeArg};

/// `watchtower get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// Log group to read.
    #[arg(short, long, value_name = "GROUP", env = "WATCHTOWER_LOG_GROUP")]
    pub group: String,

    /// Only this stream (repeatable).
    #[arg(short, long, value_name = "STREAM", conflicts_with = "stream_prefix")]
    pub stream: Vec<String>,

    /// Only streams whose name starts with PREFIX.
    #[arg(long, value_name = "PREFIX")]
    pub stream_prefix: Option<String>,

    /// Oldest event time: 10m, 2h, 3d ago, or RFC 3339 [default: the beginning].
    ///
    /// Relative times count back from now (s, m, h, d, w; combinable: 1h30m). Absolute times
    /// are RFC 3339 (2026-01-05T10:00:00Z, 2026-01-05T11:00:00+01:00) or a date (2026-01-05,
    /// midnight UTC); `now` is now.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub start: Option<TimeArg>,

    /// Newest event time, same forms as --start [default: now].
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub end: Option<TimeArg>,

    /// CloudWatch Logs filter pattern, e.g. ERROR or '"exact phrase"'.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,

    /// Stop after N events.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,

    /// text: each message as is; json: one JSON object per line.
    #[arg(
        long,
        short,
        value_enum,
        value_name = "FORMAT",
        env = "WATCHTOWER_OUTPUT",
        default_value_t = Output::Text
    )]
    pub output: Output,

    /// AWS settings.
    #[command(flatten)]
    pub aws: ReadAwsArgs,
}

/// `watchtower tail`.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// Log group to read.
    #[arg(short, long, value_name = "GROUP", env = "WATCHTOWER_LOG_GROUP")]
    pub group: String,

    /// Only this stream (repeatable).
    #[arg(short, long, value_name = "STREAM", conflicts_with = "stream_prefix")]
    pub stream: Vec<String>,

    /// Only streams whose name starts with PREFIX.
    #[arg(long, value_name = "PREFIX")]
    pub stream_prefix: Option<String>,

    /// Keep polling for new events until interrupted.
    #[arg(short, long)]
    pub follow: bool,

    /// Start this far back (10m, 2h, 3d) or at an RFC 3339 time.
    #[arg(long, value_name = "TIME", value_parser = parse_time, default_value = "10m")]
    pub since: TimeArg,

    /// CloudWatch Logs filter pattern, e.g. ERROR or '"exact phrase"'.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,

    /// short: time and message; detailed: time, stream and message; json: one object per line.
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        env = "WATCHTOWER_TAIL_FORMAT",
        default_value_t = TailFormat::Detailed
    )]
    pub format: TailFormat,

    /// With --follow: time between polls.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "2s")]
    pub poll_interval: Duration,

    /// With --follow: how far back each poll looks for events that arrived late.
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_duration,
        default_value = "2m",
        hide_short_help = true
    )]
    pub lookback: Duration,

    /// AWS settings.
    #[command(flatten)]
    pub aws: ReadAwsArgs,
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

/// `tail --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TailFormat {
    /// Time and message.
    Short,
    /// Time, stream and message.
    Detailed,
    /// One JSON object per line.
    Json,
}
