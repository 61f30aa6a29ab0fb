//! From parsed flags to the core's [`Config`]: what `run` and `ship` hand to
//! `watchtower_logs`, plus the line-handling settings that stay in the CLI.
//!
//! Flags left unset do not call the builder, so the core's defaults apply. A [`ConfigError`]
//! from the core is reworded to name the flag (and environment variable) to fix.

use std::sync::Arc;
use std::time::Duration;

use regex_lite::Regex;
use watchtower_logs::{
    Config, ConfigBuilder, ConfigError, FnSink, LogGroupClass, OverflowPolicy, OversizePolicy,
    RetryPolicy, Warning, WarningSink,
};

use crate::cli::{AwsArgs, GroupClassArg, OverflowArg, OversizeArg, ShipArgs};
use crate::exit_codes::{CliError, ExitCode};
use crate::timestamp::TimestampFormat;

/// Default `--multiline-timeout`.
pub const DEFAULT_MULTILINE_TIMEOUT: Duration = Duration::from_secs(1);
/// `--overflow block` without `--block-timeout`: wait until there is room. Room always comes
/// back (events are delivered or given up after the retry bound), so this is only a bound
/// that `Instant` arithmetic can hold.
pub const UNTIL_ROOM: Duration = Duration::from_secs(365 * 24 * 3600);

/// Everything `run` and `ship` need, checked.
#[derive(Debug)]
pub struct ShipPlan {
    /// The log group, for the summary.
    pub group: String,
    /// The core configuration for stdout (or stdin) lines.
    pub main: Config,
    /// With `--stderr-stream`: the configuration for the command's stderr lines.
    pub stderr: Option<Config>,
    /// Value of `{logger_name}`.
    pub logger_name: String,
    /// `--multiline-start`.
    pub multiline_start: Option<Regex>,
    /// `--multiline-timeout`.
    pub multiline_timeout: Duration,
    /// Copy the input to stdout/stderr.
    pub passthrough: bool,
    /// Print the summary only when events were lost.
    pub quiet: bool,
    /// Say where events go at the start, and the calls, retries and bytes at the end.
    pub verbose: bool,
    /// What `--verbose` says at the start.
    pub description: String,
    /// `--timestamp-format`.
    pub timestamp_format: Option<TimestampFormat>,
    /// `--max-message-size`, as the core has it.
    pub max_message_size: usize,
    /// `--oversize`: applied by the CLI to whole lines, so a line is cut or split once.
    pub oversize: OversizePolicy,
}

/// Which command the plan is for: sets the defaults of `{program_name}` and `{logger_name}`.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// `watchtower run`, with the command's file name.
    Run {
        /// File name of the command (`python3` for `/usr/bin/python3`).
        program: &'a str,
    },
    /// `watchtower ship`.
    Ship,
}

/// Checks the flags and builds the core configuration(s).
pub fn ship_plan(
    args: &ShipArgs,
    stderr_stream: Option<&str>,
    source: Source<'_>,
) -> Result<ShipPlan, CliError> {
    let (program, logger) = match source {
        Source::Run { program } => (program, "run"),
        Source::Ship => ("watchtower", "ship"),
    };
    let warnings: Arc<dyn WarningSink> = Arc::new(FnSink(print_warning));
    let base = builder(args, program, source, warnings)?;
    let main = match &args.stream {
        Some(t) => base.clone().log_stream_name(t),
        None => base.clone(),
    }
    .build()
    .map_err(|e| config_error(e, "--stream", "WATCHTOWER_LOG_STREAM"))?;
    let stderr = stderr_stream
        .map(|t| {
            base.log_stream_name(t)
                .build()
                .map_err(|e| config_error(e, "--stderr-stream", "WATCHTOWER_STDERR_STREAM"))
        })
        .transpose()?;
    let description = describe(args, &main, source);
    let max_message_size = main.max_message_size();
    Ok(ShipPlan {
        group: main.log_group_name().to_owned(),
        main,
        stderr,
        logger_name: args
            .logger_name
            .clone()
            .unwrap_or_else(|| logger.to_owned()),
        multiline_start: args.multiline_start.clone(),
        multiline_timeout: args.multiline_timeout.unwrap_or(DEFAULT_MULTILINE_TIMEOUT),
        passthrough: !args.no_passthrough,
        quiet: args.quiet,
        verbose: args.verbose,
        description,
        timestamp_format: args.timestamp_format.clone(),
        max_message_size,
        oversize: match args.delivery.oversize {
            None | Some(OversizeArg::Truncate) => OversizePolicy::Truncate,
            Some(OversizeArg::Split) => OversizePolicy::Split,
            Some(OversizeArg::Drop) => OversizePolicy::Drop,
        },
    })
}

/// `shipping to log group "g", streams "t", endpoint E; queue bound 64 MiB, when full: block`.
fn describe(args: &ShipArgs, main: &Config, source: Source<'_>) -> String {
    let endpoint = args
        .aws
        .endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .unwrap_or_else(|| "the region's CloudWatch Logs endpoint".to_owned());
    let when_full = match (args.delivery.overflow, source) {
        (Some(OverflowArg::DropNewest), _) | (None, Source::Run { .. }) => "drop the new line",
        (Some(OverflowArg::DropOldest), _) => "drop the oldest events",
        (Some(OverflowArg::Block), _) | (None, Source::Ship) => "stop reading until there is room",
    };
    format!(
        "watchtower: shipping to log group {:?}, streams {:?}, at {endpoint}; at {} queued \
         bytes: {when_full}",
        main.log_group_name(),
        main.log_stream_name(),
        main.max_queue_bytes()
    )
}

fn builder(
    args: &ShipArgs,
    program: &str,
    source: Source<'_>,
    warnings: Arc<dyn WarningSink>,
) -> Result<ConfigBuilder, CliError> {
    let mut b = Config::builder()
        .program_name(args.program_name.as_deref().unwrap_or(program))
        .queue_full_advice("--max-queue-bytes and --overflow")
        .warnings(warnings);
    if let Some(v) = &args.machine_name {
        b = b.machine_name(v);
    }
    if let Some(v) = &args.group {
        b = b.log_group_name(v);
    }
    if let Some(v) = args.delivery.send_interval {
        b = b.send_interval(v);
    }
    if let Some(v) = args.delivery.max_batch_size {
        b = b.max_batch_size(v);
    }
    if let Some(v) = args.delivery.max_batch_count {
        b = b.max_batch_count(v);
    }
    if let Some(v) = args.delivery.max_concurrent_requests {
        b = b.max_concurrent_requests(v);
    }
    if args.delivery.no_compress {
        b = b.compression(false);
    }
    if let Some(v) = args.delivery.max_message_size {
        b = b.max_message_size(v);
    }
    if let Some(v) = args.delivery.oversize {
        b = b.oversize(match v {
            OversizeArg::Truncate => OversizePolicy::Truncate,
            OversizeArg::Split => OversizePolicy::Split,
            OversizeArg::Drop => OversizePolicy::Drop,
        });
    }
    if let Some(v) = args.delivery.max_queue_bytes {
        b = b.max_queue_bytes(v);
    }
    let block = || OverflowPolicy::Block {
        timeout: args.delivery.block_timeout.unwrap_or(UNTIL_ROOM),
    };
    match (args.delivery.overflow, source) {
        (Some(OverflowArg::DropNewest), _) => b = b.overflow(OverflowPolicy::DropNewest),
        (Some(OverflowArg::DropOldest), _) => b = b.overflow(OverflowPolicy::DropOldest),
        // `ship` reads a file or a pipe, which can wait: back-pressure by default.
        (Some(OverflowArg::Block), _) | (None, Source::Ship) => b = b.overflow(block()),
        (None, Source::Run { .. }) if args.delivery.block_timeout.is_some() => {
            return Err(CliError::new(
                ExitCode::Usage,
                "--block-timeout only applies with --overflow block: add --overflow block \
                 or drop --block-timeout",
            ))
        }
        (None, Source::Run { .. }) => {}
    }
    if let Some(v) = args.delivery.shutdown_timeout {
        b = b.shutdown_timeout(v);
    }
    let mut retry = RetryPolicy::default();
    let mut retry_set = false;
    for (field, value) in [
        (&mut retry.max_elapsed, args.delivery.retry_max_elapsed),
        (
            &mut retry.initial_backoff,
            args.delivery.retry_initial_backoff,
        ),
        (&mut retry.max_backoff, args.delivery.retry_max_backoff),
        (&mut retry.attempt_timeout, args.delivery.attempt_timeout),
    ] {
        if let Some(v) = value {
            *field = v;
            retry_set = true;
        }
    }
    if let Some(v) = args.delivery.sdk_max_attempts {
        retry.sdk_max_attempts = v;
        retry_set = true;
    }
    if retry_set {
        b = b.retry(retry);
    }
    if let Some(dir) = &args.delivery.spool {
        b = b.spool_dir(dir);
    }
    if let Some(v) = args.delivery.spool_max_bytes {
        b = b.spool_max_bytes(v as u64);
    }
    if let Some(v) = args.delivery.spool_sync_interval {
        b = b.spool_sync_interval(v);
    }
    b = b
        .create_log_group(!args.no_create_group)
        .create_log_stream(!args.no_create_stream);
    if let Some(v) = args.retention_days {
        b = b.retention_days(v);
    }
    if !args.tags.is_empty() {
        b = b.log_group_tags(args.tags.iter().cloned());
    }
    if let Some(v) = args.group_class {
        b = b.log_group_class(match v {
            GroupClassArg::Standard => LogGroupClass::Standard,
            GroupClassArg::InfrequentAccess => LogGroupClass::InfrequentAccess,
        });
    }
    if let Some(v) = &args.kms_key_id {
        b = b.kms_key_id(v);
    }
    Ok(aws(b, &args.aws))
}

fn aws(mut b: ConfigBuilder, aws: &AwsArgs) -> ConfigBuilder {
    if let Some(v) = &aws.region {
        b = b.region(v);
    }
    if let Some(v) = &aws.profile {
        b = b.profile_name(v);
    }
    if let Some(v) = &aws.endpoint_url {
        b = b.endpoint_url(v);
    }
    b
}

/// Core warnings (rate-limited by the core) in the CLI's own style, above a progress bar. The
/// core's shutdown summary is left out: the CLI prints its own, with the exit code.
fn print_warning(w: &Warning) {
    if w.kind == watchtower_logs::WarningKind::Summary {
        return;
    }
    crate::ship::eprint_line(&if w.suppressed > 0 {
        format!(
            "watchtower: warning: {} ({} similar warnings suppressed)",
            w.message, w.suppressed
        )
    } else {
        format!("watchtower: warning: {}", w.message)
    });
}

/// The flag and environment variable behind a core option name.
fn flag_of(option: &str) -> Option<(&'static str, &'static str)> {
    Some(match option {
        "max_batch_size" => ("--max-batch-size", "WATCHTOWER_MAX_BATCH_SIZE"),
        "max_batch_count" => ("--max-batch-count", "WATCHTOWER_MAX_BATCH_COUNT"),
        "max_message_size" => ("--max-message-size", "WATCHTOWER_MAX_MESSAGE_SIZE"),
        "max_queue_bytes" => ("--max-queue-bytes", "WATCHTOWER_MAX_QUEUE_BYTES"),
        "max_concurrent_requests" => (
            "--max-concurrent-requests",
            "WATCHTOWER_MAX_CONCURRENT_REQUESTS",
        ),
        "retention_days" => ("--retention-days", "WATCHTOWER_RETENTION_DAYS"),
        "spool_dir" => ("--spool", "WATCHTOWER_SPOOL"),
        "spool_max_bytes" => ("--spool-max-bytes", "WATCHTOWER_SPOOL_MAX_BYTES"),
        "spool_sync_interval" => ("--spool-sync-interval", "WATCHTOWER_SPOOL_SYNC_INTERVAL"),
        "kms_key_id" => ("--kms-key-id", "WATCHTOWER_KMS_KEY_ID"),
        "log_group_class" => ("--group-class", "WATCHTOWER_LOG_GROUP_CLASS"),
        "retry" => (
            "--retry-initial-backoff, --retry-max-backoff, --sdk-max-attempts or --attempt-timeout",
            "WATCHTOWER_RETRY_*",
        ),
        _ => return None,
    })
}

/// Rewords a core configuration error to name the flag to fix; exit code [`ExitCode::Usage`].
fn config_error(e: ConfigError, stream_flag: &str, stream_env: &str) -> CliError {
    let message = match &e {
        ConfigError::InvalidLogGroupName { .. } => {
            format!("{e} (fix --group or WATCHTOWER_LOG_GROUP)")
        }
        ConfigError::InvalidStreamTemplate { .. } => {
            format!("{e} (fix {stream_flag} or {stream_env})")
        }
        ConfigError::InvalidTag { .. } => format!("{e} (fix --tag or WATCHTOWER_LOG_GROUP_TAGS)"),
        ConfigError::InvalidOption { option, reason } => match flag_of(option) {
            Some((flag, env)) => format!("invalid {flag}: {reason} (or fix {env})"),
            None => e.to_string(),
        },
        _ => e.to_string(),
    };
    CliError::new(ExitCode::Usage, message)
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
