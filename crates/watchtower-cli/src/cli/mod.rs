//! The command line, as clap derive structs and nothing else: every flag, its help, its
//! environment variable and its value parser. [`crate::config`] turns these into the core's
//! [`Config`](watchtower_logs::Config); the commands themselves live in [`crate::ship`] and
//! [`crate::read`].
//!
//! Options the core has a default for are `Option`s here and left unset unless given, so the
//! core's defaults (watchtower 3.4's) apply; the help text states them.

mod delivery_args;
mod query_args;
mod read_args;
mod ship_args;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

use std::time::Duration;

use crate::parse::{parse_duration, parse_endpoint_url};

pub use delivery_args::{DeliveryArgs, OverflowArg, OversizeArg};
pub use query_args::{QueryArgs, QueryFormat};
pub use read_args::{GetArgs, GroupsArgs, Output, ReadArgs, ReadFormat, StreamsArgs, TailArgs};
pub use ship_args::{GroupClassArg, RunArgs, ShipArgs, ShipCmdArgs};

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
out; 6 AWS region, credentials or permissions; 7 nothing printed (get and tail with \
--fail-if-empty); 126/127 the command cannot run / was not found. \
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
  watchtower get my-app --since 2h
  watchtower get my-app my-worker --since yesterday --until '2h ago' --format detailed
  watchtower get my-app --stream-prefix web/ --start 2026-01-05T10:00:00Z --end 2026-01-05T11:00:00Z
  watchtower get my-app --filter-pattern '\"connection reset\"' --format json | jq .message
  watchtower get my-app --since 1h --grep 'timeout|refused' --grepv healthcheck --fail-if-empty";

const TAIL_EXAMPLES: &str = "\
Examples:
  watchtower tail my-app --follow
  watchtower tail my-app my-worker --since 1h --filter-pattern ERROR --format short";

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
            SIGINT, SIGTERM and SIGHUP reach the command once. When stdin is not a terminal \
            (systemd, cron, CI, GNU timeout) the command runs in a process group of its own, \
            so a signal sent to watchtower's whole group reaches it only through watchtower; \
            on a terminal it shares watchtower's group, so that Ctrl-C reaches it directly. \
            (Under systemd prefer KillMode=mixed: control-group signals every process itself.) \
            When the command exits, watchtower reads what it left in the pipes (not waiting \
            for processes it left in the background), flushes (up to --shutdown-timeout), \
            prints a summary on stderr and exits with the command's status: 128+N if it was \
            killed by signal N, and 3 if it succeeded but events were lost. A second signal \
            while flushing exits at once.",
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

    /// Print the events of log groups, oldest first, paginated to the end.
    #[command(
        long_about = "Print the events of one or more log groups (or some of their streams) \
            between two times, oldest first, several groups interleaved by time, paginated to \
            the end and printed as each page arrives.\n\n\
            With exactly one group, one --stream and no --filter it reads the stream with \
            GetLogEvents; otherwise it uses FilterLogEvents.\n\n\
            Exit status: 0 success (7 with --fail-if-empty when nothing was printed); 1 AWS \
            refused a request; 2 bad flags; 4 group or stream not found; 5 endpoint \
            unreachable or no answer within --timeout; 6 region, credentials or permissions.",
        after_help = GET_EXAMPLES
    )]
    Get(GetArgs),

    /// Print recent events of log groups in time order; --follow for new ones.
    #[command(
        long_about = "Print the recent events of one or more log groups, all streams \
            interleaved in time order, like `aws logs tail`, printed as each page arrives. \
            With --follow, keep polling and print new events as they arrive, each once, until \
            interrupted (or --until has passed); each poll reads from the newest event seen \
            on, and polls slow down while the service throttles.\n\n\
            Events are shipped in batches, so one may arrive after newer events of other \
            streams were printed: --lookback re-reads that much more on each poll, to print \
            such late events too. Exit status as for `get`.",
        after_help = TAIL_EXAMPLES
    )]
    Tail(TailArgs),

    /// List log groups.
    Groups(GroupsArgs),

    /// List the log streams of a group.
    Streams(StreamsArgs),

    /// Run a CloudWatch Logs Insights query over log groups and print the rows.
    #[command(
        long_about = "Run a CloudWatch Logs Insights query (StartQuery, then GetQueryResults \
            until it completes) over one or more log groups between two times, and print the \
            rows as a table or as JSON lines. While it runs, progress (records matched and \
            scanned) shows on stderr when that is a terminal. Exit status as for `get`; a \
            failed, cancelled or timed-out query exits 1.",
        after_help = "Examples:\n  watchtower query my-app -e 'fields @timestamp, @message | \
            filter @message like /ERROR/ | sort @timestamp desc | limit 20' --since 1d\n  \
            watchtower query my-app my-worker -e 'stats count(*) by bin(1h)' --format json"
    )]
    Query(QueryArgs),

    /// Print a shell completion script.
    #[command(long_about = "Print a completion script for SHELL on stdout.\n\n\
            For example: `watchtower completions bash > ~/.local/share/bash-completion/completions/watchtower`, \
            or `watchtower completions zsh > \"${fpath[1]}/_watchtower\"`.")]
    Completions(CompletionsArgs),
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

/// AWS settings and the request time bound of the read commands.
#[derive(Debug, Args, Clone)]
pub struct ReadAwsArgs {
    /// AWS settings.
    #[command(flatten)]
    pub aws: AwsArgs,

    /// Longest wait for one AWS request, retries included, before failing with the cause.
    #[arg(
        long,
        value_name = "DURATION",
        env = "WATCHTOWER_TIMEOUT",
        value_parser = parse_duration,
        default_value = "30s",
        help_heading = "AWS"
    )]
    pub timeout: Duration,
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
