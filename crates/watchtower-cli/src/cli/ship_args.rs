//! The flags of `run` and `ship`: destination, line handling and log group creation; the
//! delivery options are in [`super::DeliveryArgs`].

use std::ffi::OsString;
use std::time::Duration;

use clap::{Args, ValueEnum};
use regex_lite::Regex;

use super::{AwsArgs, DeliveryArgs};
use crate::parse::{parse_duration, parse_regex, parse_tag};
use crate::timestamp::{parse_timestamp_format, TimestampFormat};

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

    /// Give the command a pseudo-terminal as stdout and stderr, so that it line-buffers its
    /// output as on a terminal (stderr lines then go with stdout's).
    #[arg(long, conflicts_with = "stderr_stream", help_heading = "Lines")]
    pub pty: bool,

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

    /// Take each event's time from its line instead of the time it was read.
    ///
    /// rfc3339 (ISO 8601 anywhere in the line, `T` or space, no offset = UTC), epoch (seconds
    /// or milliseconds at the start), clf (Apache/nginx `05/Jan/2026:10:00:00 +0000`), syslog
    /// (`Jan  5 10:00:00` at the start, UTC), auto (each of these), or a strftime pattern at
    /// the start of the line (`%Y-%m-%d %H:%M:%S`, UTC unless it has %z). A line without one
    /// keeps its read time; the summary counts them.
    #[arg(
        long,
        value_name = "FORMAT",
        env = "WATCHTOWER_TIMESTAMP_FORMAT",
        value_parser = parse_timestamp_format,
        help_heading = "Lines"
    )]
    pub timestamp_format: Option<TimestampFormat>,

    /// Do not copy the input to stdout/stderr.
    #[arg(
        long,
        env = "WATCHTOWER_NO_PASSTHROUGH",
        value_parser = clap::builder::FalseyValueParser::new(),
        help_heading = "Lines"
    )]
    pub no_passthrough: bool,

    /// Print the summary at exit only when events were lost; no progress bar.
    ///
    /// Warnings (a failed delivery and its cause, lost events) are still printed.
    #[arg(
        short,
        long,
        env = "WATCHTOWER_QUIET",
        value_parser = clap::builder::FalseyValueParser::new(),
        conflicts_with = "verbose",
        help_heading = "Output"
    )]
    pub quiet: bool,

    /// Say where events go at the start, and the calls, retries and bytes at the end.
    #[arg(
        short,
        long,
        env = "WATCHTOWER_VERBOSE",
        value_parser = clap::builder::FalseyValueParser::new(),
        help_heading = "Output"
    )]
    pub verbose: bool,

    /// Batching, limits, losses and retries.
    #[command(flatten)]
    pub delivery: DeliveryArgs,

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
