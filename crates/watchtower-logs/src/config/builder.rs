//! [`ConfigBuilder`]: every option with its default, checked by [`ConfigBuilder::build`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::validate::{
    check_kms_key_id, check_retention_days, check_sizes, validate_log_group_name, validate_tags,
    Sizes,
};
use super::{
    Config, LogGroupClass, OverflowPolicy, OversizePolicy, DEFAULT_LOG_GROUP_NAME,
    DEFAULT_LOG_STREAM_NAME, DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_MESSAGE_SIZE,
    DEFAULT_MAX_QUEUE_BYTES, DEFAULT_SEND_INTERVAL, DEFAULT_SHUTDOWN_TIMEOUT,
    DEFAULT_SPOOL_MAX_BYTES, DEFAULT_SPOOL_SYNC_INTERVAL, MAX_SEND_INTERVAL,
};
use crate::aws::AwsSettings;
use crate::error::ConfigError;
use crate::limits::{MAX_BATCH_BYTES, MAX_BATCH_EVENTS};
use crate::retry::RetryPolicy;
use crate::template::{StreamNameTemplate, TemplateValues};
use crate::warn::{StderrSink, WarningSink};

/// What the queue-full warning names by default (the builder's own options).
const DEFAULT_QUEUE_FULL_ADVICE: &str = "max_queue_bytes and overflow";

/// Builds a [`Config`]; every setter documents its default.
///
/// ```
/// use watchtower_logs::{Config, ConfigError};
/// let err = Config::builder().retention_days(2).build().unwrap_err();
/// assert!(matches!(err, ConfigError::InvalidOption { option: "retention_days", .. }));
/// let ok = Config::builder().retention_days(14).region("eu-west-1").build()?;
/// # Ok::<(), ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ConfigBuilder {
    log_group_name: String,
    log_stream_name: String,
    send_interval: Duration,
    max_batch_size: usize,
    max_batch_count: usize,
    max_message_size: usize,
    large_events_alone: bool,
    create_log_group: bool,
    create_log_stream: bool,
    retention_days: Option<u32>,
    log_group_tags: BTreeMap<String, String>,
    log_group_class: Option<LogGroupClass>,
    kms_key_id: Option<String>,
    queue_full_advice: String,
    max_queue_bytes: usize,
    overflow: OverflowPolicy,
    oversize: OversizePolicy,
    shutdown_timeout: Duration,
    retry: RetryPolicy,
    max_concurrent_requests: usize,
    compression: bool,
    aws: AwsSettings,
    warnings: Arc<dyn WarningSink>,
    template_values: TemplateValues,
    pub(super) spool_dir: Option<std::path::PathBuf>,
    pub(super) spool_max_bytes: u64,
    pub(super) spool_sync_interval: Duration,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        ConfigBuilder {
            log_group_name: DEFAULT_LOG_GROUP_NAME.to_owned(),
            log_stream_name: DEFAULT_LOG_STREAM_NAME.to_owned(),
            send_interval: DEFAULT_SEND_INTERVAL,
            max_batch_size: MAX_BATCH_BYTES,
            max_batch_count: MAX_BATCH_EVENTS,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            large_events_alone: false,
            create_log_group: true,
            create_log_stream: true,
            retention_days: None,
            log_group_tags: BTreeMap::new(),
            log_group_class: None,
            kms_key_id: None,
            queue_full_advice: DEFAULT_QUEUE_FULL_ADVICE.to_owned(),
            max_queue_bytes: DEFAULT_MAX_QUEUE_BYTES,
            overflow: OverflowPolicy::DropNewest,
            oversize: OversizePolicy::Truncate,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            retry: RetryPolicy::default(),
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            compression: true,
            aws: AwsSettings::default(),
            warnings: Arc::new(StderrSink),
            template_values: TemplateValues::from_process(),
            spool_dir: None,
            spool_max_bytes: DEFAULT_SPOOL_MAX_BYTES,
            spool_sync_interval: DEFAULT_SPOOL_SYNC_INTERVAL,
        }
    }
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("log_group_name", &self.log_group_name)
            .field("log_stream_name", &self.log_stream_name)
            .field("aws", &self.aws)
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// Log group to send to. Default `"watchtower"`. 1–512 characters of `[.-_/#A-Za-z0-9]`,
    /// not starting with `aws/`.
    pub fn log_group_name(mut self, name: impl Into<String>) -> Self {
        self.log_group_name = name.into();
        self
    }

    /// Stream name template. Default
    /// `"{machine_name}/{program_name}/{logger_name}/{process_id}"`.
    ///
    /// Placeholders: `{machine_name}`, `{program_name}`, `{logger_name}`, `{process_id}`,
    /// `{thread_name}`, `{strftime:FORMAT}` (UTC, at the event's timestamp; a bare `{strftime}`
    /// is `%Y-%m-%d %H:%M:%S.%6f+00:00` like Python's `str(datetime)`); `{{` and `}}` are
    /// literal braces. See [`crate::template`] for how values are sanitised.
    pub fn log_stream_name(mut self, template: impl Into<String>) -> Self {
        self.log_stream_name = template.into();
        self
    }

    /// Longest time an event waits in its queue before it is handed to PutLogEvents. Default
    /// 60 s, at most [`MAX_SEND_INTERVAL`] (a day). Zero sends as soon as the worker wakes.
    pub fn send_interval(mut self, interval: Duration) -> Self {
        self.send_interval = interval;
        self
    }

    /// Largest batch in bytes, counting each event's UTF-8 message plus 26. Default and maximum
    /// 1,048,576.
    pub fn max_batch_size(mut self, bytes: usize) -> Self {
        self.max_batch_size = bytes;
        self
    }

    /// Most events in one batch. Default and maximum 10,000.
    pub fn max_batch_count(mut self, count: usize) -> Self {
        self.max_batch_count = count;
        self
    }

    /// Largest event in bytes, counting the message plus 26 (so the largest message body is 26
    /// bytes less). Default 262,144 (watchtower 3.4's), maximum 1,048,576; at most
    /// [`max_batch_size`](Self::max_batch_size).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Allow [`max_message_size`](Self::max_message_size) above
    /// [`max_batch_size`](Self::max_batch_size): an event larger than `max_batch_size` is then
    /// sent in a batch of its own (as watchtower 3.4 does) instead of the configuration being
    /// refused. Default `false`.
    pub fn large_events_alone(mut self, alone: bool) -> Self {
        self.large_events_alone = alone;
        self
    }

    /// Create the log group when PutLogEvents reports it missing. Default `true`.
    pub fn create_log_group(mut self, create: bool) -> Self {
        self.create_log_group = create;
        self
    }

    /// Create the log stream when PutLogEvents reports it missing. Default `true`.
    pub fn create_log_stream(mut self, create: bool) -> Self {
        self.create_log_stream = create;
        self
    }

    /// Retention policy applied to the log group once, before the first batch (also when the
    /// group exists already, as in 3.4). Default: none (never expire). Must be one of
    /// [`crate::limits::RETENTION_DAYS`].
    pub fn retention_days(mut self, days: u32) -> Self {
        self.retention_days = Some(days);
        self
    }

    /// Tags set when this library creates the log group. Default: none. 1–50 tags, keys of
    /// 1–128 and values of 0–256 letters, digits, spaces and `_.:/=+-@`.
    pub fn log_group_tags<K, V>(mut self, tags: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.log_group_tags = tags
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// Class of a log group this library creates. Default: the service's (STANDARD).
    pub fn log_group_class(mut self, class: LogGroupClass) -> Self {
        self.log_group_class = Some(class);
        self
    }

    /// ARN of the KMS key that encrypts a log group this library creates. Default: none.
    pub fn kms_key_id(mut self, arn: impl Into<String>) -> Self {
        self.kms_key_id = Some(arn.into());
        self
    }

    /// Bound on the memory held by events not delivered yet: queued, buffered by the `log` and
    /// `tracing` front ends, and in flight. Each event counts the allocation of its message
    /// plus 96 bytes of bookkeeping; a batch in flight also counts its request body. Default
    /// 64 MiB. The process's peak memory for them stays within 1.5 × this bound plus a fixed
    /// ~12 MiB (measured: `memory-bound` in `watchtower-bench`). Must hold at least one
    /// largest event ([`max_message_size`](Self::max_message_size)).
    pub fn max_queue_bytes(mut self, bytes: usize) -> Self {
        self.max_queue_bytes = bytes;
        self
    }

    /// What to do when the queue bound is reached. Default [`OverflowPolicy::DropNewest`].
    pub fn overflow(mut self, policy: OverflowPolicy) -> Self {
        self.overflow = policy;
        self
    }

    /// The options the queue-full warning tells the user to adjust. Default:
    /// `"max_queue_bytes and overflow"`; a front end that names them differently (a Python
    /// class attribute, a command-line flag) says so here.
    ///
    /// ```
    /// let config = watchtower_logs::Config::builder()
    ///     .queue_full_advice("--max-queue-bytes and --overflow")
    ///     .build()?;
    /// # Ok::<(), watchtower_logs::ConfigError>(())
    /// ```
    pub fn queue_full_advice(mut self, options: impl Into<String>) -> Self {
        self.queue_full_advice = options.into();
        self
    }

    /// What to do with a message over [`max_message_size`](Self::max_message_size). Default
    /// [`OversizePolicy::Truncate`], like 3.4.
    pub fn oversize(mut self, policy: OversizePolicy) -> Self {
        self.oversize = policy;
        self
    }

    /// How long the guard's drop (and 3.4-style `close`) waits for delivery, flush and stop
    /// together. Default 30 s. Any value is accepted; `Duration::MAX` waits for ever.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Backoff and the bound on how long one batch is retried before it is given up and
    /// counted. Default: see [`RetryPolicy::default`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Most PutLogEvents requests in flight at once, across all streams. Default 8.
    pub fn max_concurrent_requests(mut self, n: usize) -> Self {
        self.max_concurrent_requests = n;
        self
    }

    /// gzip PutLogEvents request bodies of 350 bytes or more (`Content-Encoding: gzip`), as
    /// the CloudWatch agent does. Default on: JSON logs then cost about a ninth of their bytes
    /// on the wire, for about 0.5 µs of CPU per 250-byte event. Limits still count
    /// uncompressed bytes.
    pub fn compression(mut self, on: bool) -> Self {
        self.compression = on;
        self
    }

    /// AWS settings (region, profile, endpoint, credentials, or a ready client). Default: the
    /// standard aws-config chain.
    pub fn aws(mut self, aws: AwsSettings) -> Self {
        self.aws = aws;
        self
    }

    /// Region override. Default: from the standard chain (`AWS_REGION`, profile, IMDS).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.aws.region = Some(region.into());
        self
    }

    /// Named profile from the shared AWS config files. Default: `AWS_PROFILE` or `default`.
    pub fn profile_name(mut self, profile: impl Into<String>) -> Self {
        self.aws.profile_name = Some(profile.into());
        self
    }

    /// Endpoint URL override. Default: `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`, `AWS_ENDPOINT_URL`,
    /// or the service's.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.aws.endpoint_url = Some(url.into());
        self
    }

    /// Where warnings go (rate-limited per kind). Default: stderr, prefixed `[watchtower]`.
    pub fn warnings(mut self, sink: Arc<dyn WarningSink>) -> Self {
        self.warnings = sink;
        self
    }

    /// Value of `{program_name}`. Default: the process's `argv[0]`.
    pub fn program_name(mut self, name: impl Into<String>) -> Self {
        self.template_values.program_name = name.into();
        self
    }

    /// Value of `{process_id}`. Default: this process's id (the CLI's `run` passes the child's).
    pub fn process_id(mut self, pid: u32) -> Self {
        self.template_values.process_id = pid;
        self
    }

    /// Value of `{machine_name}`. Default: the host name.
    pub fn machine_name(mut self, name: impl Into<String>) -> Self {
        self.template_values.machine_name = name.into();
        self
    }

    /// Checks every option and returns the configuration, or the first mistake found.
    pub fn build(self) -> Result<Config, ConfigError> {
        validate_log_group_name(&self.log_group_name)?;
        if self.send_interval > MAX_SEND_INTERVAL {
            return Err(ConfigError::InvalidOption {
                option: "send_interval",
                reason: format!(
                    "{:?} is longer than the maximum of {:?} (a day)",
                    self.send_interval, MAX_SEND_INTERVAL
                ),
            });
        }
        self.aws.validate()?;
        let template = StreamNameTemplate::parse(&self.log_stream_name, self.template_values)?;
        check_sizes(&Sizes {
            max_batch_size: self.max_batch_size,
            max_batch_count: self.max_batch_count,
            max_message_size: self.max_message_size,
            large_events_alone: self.large_events_alone,
            max_queue_bytes: self.max_queue_bytes,
            max_concurrent_requests: self.max_concurrent_requests,
        })?;
        check_retention_days(self.retention_days)?;
        validate_tags(&self.log_group_tags)?;
        check_kms_key_id(self.kms_key_id.as_deref())?;
        self.retry.validate()?;
        let spool = super::spool::check(
            self.spool_dir,
            self.spool_max_bytes,
            self.spool_sync_interval,
            self.max_message_size,
        )?;
        Ok(Config {
            spool,
            log_group_name: self.log_group_name,
            log_stream_name: template,
            send_interval: self.send_interval,
            max_batch_size: self.max_batch_size,
            max_batch_count: self.max_batch_count,
            max_message_size: self.max_message_size,
            create_log_group: self.create_log_group,
            create_log_stream: self.create_log_stream,
            retention_days: self.retention_days,
            log_group_tags: self.log_group_tags,
            log_group_class: self.log_group_class,
            kms_key_id: self.kms_key_id,
            queue_full_advice: self.queue_full_advice,
            max_queue_bytes: self.max_queue_bytes,
            overflow: self.overflow,
            oversize: self.oversize,
            shutdown_timeout: self.shutdown_timeout,
            retry: self.retry,
            max_concurrent_requests: self.max_concurrent_requests,
            compression: self.compression,
            aws: self.aws,
            warnings: self.warnings,
        })
    }
}
