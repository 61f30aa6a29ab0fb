//! The command line, as clap derive structs and nothing else: every flag, its help, its
//! environment variable and its value parser. [`crate::config`] turns these into the core's
//! [`Config`](watchtower_logs::Config); the commands themselves live in [`crate::ship`] and
//! [`crate::read`].
//!
//! Options the core has a default for are `Option`s here and left unset unless given, so the
//! core's defaults (watchtower 3.4's) apply; the help text states them.

use std::ffi::OsString;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use regex_lite::Regex;

use crate::parse::{
    parse_bytes, parse_duration, parse_endpoint_url, parse_regex, parse_tag, parse_time, TimeArg,
};

const EXAMPLES: &str = "\
Examples:
  Ship a command's output (it still shows on the terminal) and exit with its exit code:
    watchtower run --group my-app -- ./server --port 8080

  Ship stdin, joining stack traces into one event per log line that starts with a date:
    ./job 2>&1 | watchtower ship --group jobs --multiline-start '^\\d{4}-\\d{2}-\\d{2}'

  Read back the last two hours, and follow a group like `tail -f`:
    watchtower get --group my-app --start 2h --filter ERROR
    watchtower tail --group my-app --follow

  Against a local emulator:
    AWS_ENDPOINT_URL=http://127.0.0.1:5000 watchtower groups

Exit status: 0 success; 1 AWS refused a request; 2 bad flags or option values; 3 events were \
lost (the summary says why); 4 log group or stream not found; 5 endpoint unreachable or timed \
out; 6 AWS region, credentials or permissions; 126/127 the command cannot run / was not found. \
`run` exits with the command's own status (128+N if killed by signal N), and with 3 when the \
command succeeded but events were lost.";

const RUN_EXAMPLES: &str = "\
Examples:
  watchtower run --group my-app -- ./server --port 8080
  watchtower run -g my-app --stream 'web/{strftime:%Y-%m-%d}' --stderr-stream 'web/errors' -- ./server
  watchtower run -g ci --send-interval 5s --multiline-start '^\\S' -- python3 build.py";

const SHIP_EXAMPLES: &str = "\
Examples:
  ./job 2>&1 | watchtower ship --group jobs
  tail -F /var/log/app.log | watchtower ship -g app --stream '{machine_name}/app' --no-passthrough";

const GET_EXAMPLES: &str = "\
Examples:
  watchtower get --group my-app --start 2h
  watchtower get -g my-app --stream-prefix web/ --start 2026-01-05T10:00:00Z --end 2026-01-05T11:00:00Z
  watchtower get -g my-app --filter '\"connection reset\"' --output json | jq .message";

const TAIL_EXAMPLES: &str = "\
Examples:
  watchtower tail --group my-app --follow
  watchtower tail -g my-app --since 1h --filter ERROR --format short";

/// Ship logs to AWS CloudWatch Logs from a command or stdin, and read them back.
#[derive(Debug, Parser)]
#[command(
    name = "watchtower",
    version,
    about = "Ship a command's output or stdin to AWS CloudWatch Logs, and read logs back",
    long_about = "Ship a command's output or stdin to AWS CloudWatch Logs, and read logs back.\n\n\
        `run` and `ship` batch lines into PutLogEvents calls in the background (see \
        --send-interval), flush everything before exiting and print a summary of what was \
        delivered and lost on stderr. AWS settings come from the standard chain (environment, \
        profiles, SSO, instance roles); --region, --profile and --endpoint-url override it.",
    after_help = EXAMPLES,
    arg_required_else_help = true,
    propagate_version = true
)]
pub struct Cli {
    /// When to colour output: auto (only on a terminal), always or never.
    ///
    /// NO_COLOR (set and not empty) turns colour off whatever this says.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        env = "WATCHTOWER_COLOR",
        default_value_t = ColorChoice::Auto
    )]
    pub color: ColorChoice,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a command, pass its output through and ship each line.
    #[command(
        long_about = "Run a command, pass its stdout and stderr through unchanged, and ship each \
            line as an event.\n\n\
            SIGINT, SIGTERM and SIGHUP sent to watchtower are forwarded to the command (a \
            Ctrl-C typed at the terminal reaches it directly). When the command's output ends, \
            watchtower flushes (up to --shutdown-timeout), prints a summary on stderr and exits \
            with the command's status: 128+N if it was killed by signal N, and 3 if it \
            succeeded but events were lost. A second signal while flushing exits at once.",
        after_help = RUN_EXAMPLES
    )]
    Run(RunArgs),

    /// Ship stdin, line by line, passing it through to stdout.
    #[command(
        long_about = "Ship stdin, line by line, passing it through to stdout unchanged (like \
            tee; see --no-passthrough).\n\n\
            At the end of the input watchtower flushes (up to --shutdown-timeout), prints a \
            summary on stderr and exits with 0, or 3 if events were lost. On SIGINT or \
            SIGTERM it reads what is left for up to a second, flushes, and exits with 128+N; \
            a second signal exits at once.",
        after_help = SHIP_EXAMPLES
    )]
    Ship(ShipCmdArgs),

    /// Print the events of a log group, paginated to the end.
    #[command(
        long_about = "Print the events of a log group (or some of its streams) between two \
            times, oldest first, paginated to the end.\n\n\
            With exactly one --stream and no --filter it reads the stream with GetLogEvents; \
            otherwise it uses FilterLogEvents.",
        after_help = GET_EXAMPLES
    )]
    Get(GetArgs),

    /// Print recent events of a log group in time order; --follow for new ones.
    #[command(
        long_about = "Print the recent events of a log group, all streams interleaved in time \
            order, like `aws logs tail`. With --follow, keep polling and print new events as \
            they arrive, each once, until interrupted.\n\n\
            Events are shipped in batches, so they may arrive later than newer events of \
            other streams: --follow re-reads the last --lookback of time on each poll and \
            prints late events when they appear.",
        after_help = TAIL_EXAMPLES
    )]
    Tail(TailArgs),

    /// List log groups.
    Groups(GroupsArgs),

    /// List the log streams of a group.
    Streams(StreamsArgs),

    /// Print a shell completion script.
    #[command(long_about = "Print a completion script for SHELL on stdout.\n\n\
            For example: `watchtower completions bash > ~/.local/share/bash-completion/completions/watchtower`, \
            or `watchtower completions zsh > \"${fpath[1]}/_watchtower\"`.")]
    Completions(CompletionsArgs),
}

/// `watchtower run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// What to ship and how.
    #[command(flatten)]
    pub ship: ShipArgs,

    /// Ship the command's stderr to streams named by this template instead.
    ///
    /// Same placeholders as --stream. By default stderr lines go to the same stream as
    /// stdout lines. Either way they are passed through to watchtower's own stderr.
    #[arg(
        long,
        value_name = "TEMPLATE",
        env = "WATCHTOWER_STDERR_STREAM",
        help_heading = "Destination"
    )]
    pub stderr_stream: Option<String>,

    /// The command to run and its arguments (after `--` if they start with a dash).
    #[arg(
        value_name = "COMMAND",
        required = true,
        num_args = 1..,
        trailing_var_arg = true
    )]
    pub command: Vec<OsString>,
}

/// `watchtower ship`.
#[derive(Debug, Args)]
pub struct ShipCmdArgs {
    /// What to ship and how.
    #[command(flatten)]
    pub ship: ShipArgs,
}

/// Everything `run` and `ship` share: every option of the core, plus line handling.
#[derive(Debug, Args)]
pub struct ShipArgs {
    /// Log group to ship to [default: watchtower].
    ///
    /// 1 to 512 characters of letters, digits and . - _ / #, not starting with "aws/". Created
    /// on first use unless --no-create-group.
    #[arg(
        short,
        long,
        value_name = "GROUP",
        env = "WATCHTOWER_LOG_GROUP",
        help_heading = "Destination"
    )]
    pub group: Option<String>,

    /// Log stream name template [default: {machine_name}/{program_name}/{logger_name}/{process_id}].
    ///
    /// Placeholders: {machine_name} (host name), {program_name} (see --program-name),
    /// {logger_name} (see --logger-name), {process_id} (watchtower's), {thread_name} and
    /// {strftime:FORMAT} (the event's time in UTC, e.g. {strftime:%Y-%m-%d}); {{ and }} are
    /// literal braces. Substituted values have ':' and '*' replaced by '-'; names are cut to
    /// 512 characters.
    #[arg(
        short,
        long,
        value_name = "TEMPLATE",
        env = "WATCHTOWER_LOG_STREAM",
        help_heading = "Destination"
    )]
    pub stream: Option<String>,

    /// Value of {logger_name} [default: run or ship].
    #[arg(
        long,
        value_name = "NAME",
        env = "WATCHTOWER_LOGGER_NAME",
        help_heading = "Destination"
    )]
    pub logger_name: Option<String>,

    /// Value of {program_name} [default: the command's file name; "watchtower" for ship].
    #[arg(
        long,
        value_name = "NAME",
        env = "WATCHTOWER_PROGRAM_NAME",
        help_heading = "Destination"
    )]
    pub program_name: Option<String>,

    /// Value of {machine_name} [default: the host name].
    #[arg(
        long,
        value_name = "NAME",
        env = "WATCHTOWER_MACHINE_NAME",
        help_heading = "Destination",
        hide_short_help = true
    )]
    pub machine_name: Option<String>,

    /// Join lines not matching REGEX to the event before them.
    ///
    /// A line matching REGEX starts a new event; any other line (a stack trace's continuation)
    /// is appended to the current event after a newline. An event is finished by the next
    /// matching line, the end of input, or --multiline-timeout without new lines. The syntax
    /// is Rust's regex syntax with ASCII-only classes (\d, \s, \w).
    #[arg(
        long,
        value_name = "REGEX",
        env = "WATCHTOWER_MULTILINE_START",
        value_parser = parse_regex,
        help_heading = "Lines"
    )]
    pub multiline_start: Option<Regex>,

    /// Finish a joined event after this long without a new line [default: 1s].
    #[arg(
        long,
        value_name = "DURATION",
        env = "WATCHTOWER_MULTILINE_TIMEOUT",
        value_parser = parse_duration,
        help_heading = "Lines",
        hide_short_help = true
    )]
    pub multiline_timeout: Option<Duration>,

    /// Do not copy the input to stdout/stderr.
    #[arg(
        long,
        env = "WATCHTOWER_NO_PASSTHROUGH",
        value_parser = clap::builder::FalseyValueParser::new(),
        help_heading = "Lines"
    )]
    pub no_passthrough: bool,

    /// Print the summary at exit only when events were lost.
    #[arg(
        short,
        long,
        env = "WATCHTOWER_QUIET",
        value_parser = clap::builder::FalseyValueParser::new(),
        help_heading = "Lines"
    )]
    pub quiet: bool,

    /// Longest time an event waits before it is sent [default: 60s].
    ///
    /// A full batch is sent at once; everything is flushed at exit anyway. Durations are a
    /// number and a unit: 500ms, 5s, 2m, 1h (a bare number is seconds).
    #[arg(
        long,
        value_name = "DURATION",
        env = "WATCHTOWER_SEND_INTERVAL",
        value_parser = parse_duration,
        help_heading = "Batching"
    )]
    pub send_interval: Option<Duration>,

    /// Largest batch, counting message bytes + 26 per event [default and maximum: 1048576].
    ///
    /// Sizes are bytes, or a number with KiB/MiB (also K/M).
    #[arg(
        long,
        value_name = "BYTES",
        env = "WATCHTOWER_MAX_BATCH_SIZE",
        value_parser = parse_bytes,
        help_heading = "Batching",
        hide_short_help = true
    )]
    pub max_batch_size: Option<usize>,

    /// Most events in one batch [default and maximum: 10000].
    #[arg(
        long,
        value_name = "N",
        env = "WATCHTOWER_MAX_BATCH_COUNT",
        help_heading = "Batching",
        hide_short_help = true
    )]
    pub max_batch_count: Option<usize>,

    /// Most PutLogEvents requests in flight at once [default: 8].
    #[arg(
        long,
        value_name = "N",
        env = "WATCHTOWER_MAX_CONCURRENT_REQUESTS",
        help_heading = "Batching",
        hide_short_help = true
    )]
    pub max_concurrent_requests: Option<usize>,

    /// Largest event, counting message bytes + 26 [default: 262144; maximum: 1048576].
    #[arg(
        long,
        value_name = "BYTES",
        env = "WATCHTOWER_MAX_MESSAGE_SIZE",
        value_parser = parse_bytes,
        help_heading = "Limits and losses"
    )]
    pub max_message_size: Option<usize>,

    /// What to do with a line over --max-message-size [default: truncate].
    ///
    /// truncate: cut it at a character boundary (like watchtower 3.4); split: send it as
    /// several events; drop: drop it and count it as lost.
    #[arg(
        long,
        value_enum,
        value_name = "POLICY",
        env = "WATCHTOWER_OVERSIZE",
        help_heading = "Limits and losses"
    )]
    pub oversize: Option<OversizeArg>,

    /// Bound on the bytes of queued and in-flight events [default: 64MiB].
    #[arg(
        long,
        value_name = "BYTES",
        env = "WATCHTOWER_MAX_QUEUE_BYTES",
        value_parser = parse_bytes,
        help_heading = "Limits and losses",
        hide_short_help = true
    )]
    pub max_queue_bytes: Option<usize>,

    /// What to do when --max-queue-bytes is reached [default: drop-newest].
    ///
    /// drop-newest: drop the new line; drop-oldest: drop the oldest queued events; block:
    /// stop reading (holding up the command's output) for up to --block-timeout, then drop.
    #[arg(
        long,
        value_enum,
        value_name = "POLICY",
        env = "WATCHTOWER_OVERFLOW",
        help_heading = "Limits and losses",
        hide_short_help = true
    )]
    pub overflow: Option<OverflowArg>,

    /// With --overflow block: longest wait for room per line [default: 5s].
    #[arg(
        long,
        value_name = "DURATION",
        env = "WATCHTOWER_BLOCK_TIMEOUT",
        value_parser = parse_duration,
        help_heading = "Limits and losses",
        hide_short_help = true
    )]
    pub block_timeout: Option<Duration>,

    /// Longest wait at exit for everything to be delivered [default: 30s].
    ///
    /// Events still undelivered then are counted as lost (shutdown_timeout).
    #[arg(
        long,
        value_name = "DURATION",
        env = "WATCHTOWER_SHUTDOWN_TIMEOUT",
        value_parser = parse_duration,
        help_heading = "Limits and losses"
    )]
    pub shutdown_timeout: Option<Duration>,

    /// How long one batch is retried before it is given up and counted [default: 10m].
    #[arg(
        long,
        value_name = "DURATION",
        env = "WATCHTOWER_RETRY_MAX_ELAPSED",
        value_parser = parse_duration,
        help_heading = "Limits and losses",
        hide_short_help = true
    )]
    pub retry_max_elapsed: Option<Duration>,

    /// First wait after a failed PutLogEvents [default: 200ms].
    #[arg(
        long,
        value_name = "DURATION",
        env = "WATCHTOWER_RETRY_INITIAL_BACKOFF",
        value_parser = parse_duration,
        help_heading = "Limits and losses",
        hide_short_help = true
    )]
    pub retry_initial_backoff: Option<Duration>,

    /// Longest wait between retries [default: 20s].
    #[arg(
        long,
        value_name = "DURATION",
        env = "WATCHTOWER_RETRY_MAX_BACKOFF",
        value_parser = parse_duration,
        help_heading = "Limits and losses",
        hide_short_help = true
    )]
    pub retry_max_backoff: Option<Duration>,

    /// Attempts the AWS SDK makes inside each call [default: 3].
    #[arg(
        long,
        value_name = "N",
        env = "WATCHTOWER_SDK_MAX_ATTEMPTS",
        help_heading = "Limits and losses",
        hide_short_help = true
    )]
    pub sdk_max_attempts: Option<u32>,

    /// Timeout of one HTTP attempt [default: 30s].
    #[arg(
        long,
        value_name = "DURATION",
        env = "WATCHTOWER_ATTEMPT_TIMEOUT",
        value_parser = parse_duration,
        help_heading = "Limits and losses",
        hide_short_help = true
    )]
    pub attempt_timeout: Option<Duration>,

    /// Do not create the log group when it is missing (its events are then lost).
    #[arg(
        long,
        env = "WATCHTOWER_NO_CREATE_LOG_GROUP",
        value_parser = clap::builder::FalseyValueParser::new(),
        help_heading = "Log group creation"
    )]
    pub no_create_group: bool,

    /// Do not create log streams when they are missing (their events are then lost).
    #[arg(
        long,
        env = "WATCHTOWER_NO_CREATE_LOG_STREAM",
        value_parser = clap::builder::FalseyValueParser::new(),
        help_heading = "Log group creation"
    )]
    pub no_create_stream: bool,

    /// Retention of the log group, in days [default: never expire].
    ///
    /// One of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    /// 2557, 2922, 3288, 3653. Applied once, also to an existing group.
    #[arg(
        long,
        value_name = "DAYS",
        env = "WATCHTOWER_RETENTION_DAYS",
        help_heading = "Log group creation"
    )]
    pub retention_days: Option<u32>,

    /// Tag set on a log group watchtower creates (repeatable).
    ///
    /// In the environment variable, separate tags with commas: WATCHTOWER_LOG_GROUP_TAGS=team=core,env=prod.
    #[arg(
        long = "tag",
        value_name = "KEY=VALUE",
        env = "WATCHTOWER_LOG_GROUP_TAGS",
        value_delimiter = ',',
        value_parser = parse_tag,
        help_heading = "Log group creation"
    )]
    pub tags: Vec<(String, String)>,

    /// Class of a log group watchtower creates [default: standard].
    #[arg(
        long,
        value_enum,
        value_name = "CLASS",
        env = "WATCHTOWER_LOG_GROUP_CLASS",
        ignore_case = true,
        help_heading = "Log group creation",
        hide_short_help = true
    )]
    pub group_class: Option<GroupClassArg>,

    /// ARN of the KMS key encrypting a log group watchtower creates.
    #[arg(
        long,
        value_name = "ARN",
        env = "WATCHTOWER_KMS_KEY_ID",
        help_heading = "Log group creation",
        hide_short_help = true
    )]
    pub kms_key_id: Option<String>,

    /// AWS settings.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// AWS settings shared by every command that calls AWS.
#[derive(Debug, Args, Clone, Default)]
pub struct AwsArgs {
    /// AWS region [default: AWS_REGION, then the profile's].
    #[arg(long, value_name = "REGION", help_heading = "AWS")]
    pub region: Option<String>,

    /// Named profile from ~/.aws/config [default: AWS_PROFILE, then "default"].
    #[arg(long, value_name = "PROFILE", help_heading = "AWS")]
    pub profile: Option<String>,

    /// CloudWatch Logs endpoint, e.g. an emulator or a VPC endpoint.
    ///
    /// Default: AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, then AWS_ENDPOINT_URL, then the region's
    /// public endpoint.
    #[arg(long, value_name = "URL", value_parser = parse_endpoint_url, help_heading = "AWS")]
    pub endpoint_url: Option<String>,
}

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
    pub aws: AwsArgs,
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
    pub aws: AwsArgs,
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
    pub aws: AwsArgs,
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
    pub aws: AwsArgs,
}

/// `watchtower completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal.
    Auto,
    /// Always colour (unless NO_COLOR is set).
    Always,
    /// Never colour.
    Never,
}

/// `--oversize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OversizeArg {
    /// Cut at a character boundary.
    Truncate,
    /// Send as several events.
    Split,
    /// Drop and count as lost.
    Drop,
}

/// `--overflow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OverflowArg {
    /// Drop the new line.
    DropNewest,
    /// Drop the oldest queued events.
    DropOldest,
    /// Wait for room up to --block-timeout.
    Block,
}

/// `--group-class`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupClassArg {
    /// STANDARD.
    #[value(alias = "STANDARD")]
    Standard,
    /// INFREQUENT_ACCESS.
    #[value(alias = "infrequent_access")]
    InfrequentAccess,
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_takes_the_command_after_its_flags() {
        let cli =
            Cli::try_parse_from(["watchtower", "run", "-g", "g", "ls", "-l", "--group"]).unwrap();
        let Command::Run(run) = cli.command else {
            panic!("not run")
        };
        assert_eq!(run.ship.group.as_deref(), Some("g"));
        assert_eq!(run.command, ["ls", "-l", "--group"]);
        let cli = Cli::try_parse_from(["watchtower", "run", "--", "-x"]).unwrap();
        let Command::Run(run) = cli.command else {
            panic!("not run")
        };
        assert_eq!(run.command, ["-x"]);
    }

    #[test]
    fn tags_repeat() {
        let cli =
            Cli::try_parse_from(["watchtower", "ship", "--tag", "a=1", "--tag", "b=x=y"]).unwrap();
        let Command::Ship(ship) = cli.command else {
            panic!("not ship")
        };
        assert_eq!(
            ship.ship.tags,
            [("a".into(), "1".into()), ("b".into(), "x=y".into())]
        );
    }
}
