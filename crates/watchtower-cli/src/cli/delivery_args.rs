//! The delivery flags of `run` and `ship`: batching, the memory bound and what happens at it,
//! oversize lines, retries, the shutdown deadline and the durable spool.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::parse::{parse_bytes, parse_duration};

/// Batching, limits, losses and retries.
#[derive(Debug, Args)]
pub struct DeliveryArgs {
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

    /// Send PutLogEvents bodies as they are, not gzipped (gzip is the default: text logs
    /// then cost about a ninth of their bytes on the wire).
    #[arg(
        long,
        env = "WATCHTOWER_NO_COMPRESS",
        help_heading = "Batching",
        hide_short_help = true
    )]
    pub no_compress: bool,

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

    /// What to do when --max-queue-bytes is reached [default: block for ship, drop-newest for run].
    ///
    /// block: stop reading until there is room (back-pressure: a file or pipe simply waits;
    /// for `run` it holds up the command's output), for up to --block-timeout, then drop;
    /// drop-newest: drop the new line; drop-oldest: drop the oldest queued events. `ship`
    /// blocks by default, so a whole file arrives with memory within --max-queue-bytes; `run`
    /// drops by default so that a service never stalls on its own logging.
    #[arg(
        long,
        value_enum,
        value_name = "POLICY",
        env = "WATCHTOWER_OVERFLOW",
        help_heading = "Limits and losses"
    )]
    pub overflow: Option<OverflowArg>,

    /// With block: longest wait for room per line, then the line is dropped [default: no limit].
    ///
    /// Room always comes back: events are delivered, or given up after --retry-max-elapsed.
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

    /// Keep every event in segment files under DIR until it is delivered [default: off].
    ///
    /// A watchtower killed (SIGKILL, OOM, a container stop) loses at most the last
    /// --spool-sync-interval of lines; the next `run` or `ship` with the same DIR delivers
    /// what it left, each event once. Several processes may share DIR. An unwritable DIR or a
    /// full disk falls back to memory with one warning.
    #[arg(
        long,
        value_name = "DIR",
        env = "WATCHTOWER_SPOOL",
        help_heading = "Durability"
    )]
    pub spool: Option<PathBuf>,

    /// Bound on the spool's files; at it, --overflow decides [default: 256MiB].
    #[arg(
        long,
        value_name = "BYTES",
        env = "WATCHTOWER_SPOOL_MAX_BYTES",
        value_parser = parse_bytes,
        help_heading = "Durability",
        hide_short_help = true
    )]
    pub spool_max_bytes: Option<usize>,

    /// Longest time between reading a line and writing it to the spool (what a crash can
    /// lose) [default: 200ms].
    #[arg(
        long,
        value_name = "DURATION",
        env = "WATCHTOWER_SPOOL_SYNC_INTERVAL",
        value_parser = parse_duration,
        help_heading = "Durability",
        hide_short_help = true
    )]
    pub spool_sync_interval: Option<Duration>,
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
    /// Stop reading until there is room (up to --block-timeout).
    Block,
}
