//! The flags of `query` (CloudWatch Logs Insights).

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::ReadAwsArgs;
use crate::parse::{parse_duration, parse_time, TimeArg};

/// `watchtower query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Log groups to query.
    #[arg(value_name = "GROUP")]
    pub groups: Vec<String>,

    /// Log group to query (repeatable; the same as a GROUP argument).
    #[arg(
        short,
        long = "group",
        value_name = "GROUP",
        visible_alias = "log-group-name",
        env = "WATCHTOWER_LOG_GROUP",
        value_delimiter = ','
    )]
    pub group_flags: Vec<String>,

    /// The Logs Insights query, e.g. 'fields @timestamp, @message | sort @timestamp desc'.
    #[arg(
        short = 'e',
        long = "query",
        visible_alias = "query-string",
        value_name = "QUERY"
    )]
    pub query: String,

    /// Oldest event time, as for `get --start` [default: 1h].
    #[arg(
        long,
        value_name = "TIME",
        visible_alias = "start",
        value_parser = parse_time,
        allow_hyphen_values = true,
        default_value = "1h"
    )]
    pub since: TimeArg,

    /// Newest event time [default: now].
    #[arg(
        long,
        value_name = "TIME",
        visible_alias = "end",
        value_parser = parse_time,
        allow_hyphen_values = true
    )]
    pub until: Option<TimeArg>,

    /// Most result rows (the service's own default applies without it).
    #[arg(long, value_name = "N")]
    pub limit: Option<i32>,

    /// table: aligned columns with a header; json: one object per row.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,

    /// Time between GetQueryResults calls while the query runs.
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_duration,
        default_value = "1s",
        hide_short_help = true
    )]
    pub poll_interval: Duration,

    /// Show times in the local time zone instead of UTC (only in table output).
    #[arg(long)]
    pub local: bool,

    /// Exit with 7 when the query returned no row.
    #[arg(long)]
    pub fail_if_empty: bool,

    /// AWS settings.
    #[command(flatten)]
    pub aws: ReadAwsArgs,
}

/// `query --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    /// Aligned columns with a header.
    Table,
    /// One JSON object per row.
    Json,
}
