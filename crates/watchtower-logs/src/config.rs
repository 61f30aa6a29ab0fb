//! Configuration: every option of watchtower 3.4's `CloudWatchLogHandler` that is not
//! Python-specific, with the same names and defaults, plus the bounds a production user needs.
//!
//! A [`Config`] is made with [`Config::builder`]; [`ConfigBuilder::build`] checks every value
//! and returns a [`ConfigError`] naming the option and the rule it breaks, so that a mistake
//! surfaces when the program starts, not as lost logs later.
//!
//! ```
//! use std::time::Duration;
//! use watchtower_logs::{Config, OverflowPolicy};
//!
//! let config = Config::builder()
//!     .log_group_name("my-service")
//!     .log_stream_name("{machine_name}/{logger_name}")
//!     .send_interval(Duration::from_secs(5))
//!     .retention_days(30)
//!     .overflow(OverflowPolicy::DropOldest)
//!     .build()
//!     .expect("valid configuration");
//! assert_eq!(config.log_group_name(), "my-service");
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::aws::AwsSettings;
use crate::error::ConfigError;
use crate::limits::{
    EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MAX_NAME_CHARS,
    MAX_TAGS, RETENTION_DAYS,
};
use crate::retry::RetryPolicy;
use crate::template::{StreamNameTemplate, TemplateValues};
use crate::warn::{StderrSink, WarningSink};

/// Default log group name, as in watchtower 3.4 (its module name).
pub const DEFAULT_LOG_GROUP_NAME: &str = "watchtower";
/// Default log stream name template, as in watchtower 3.4.
pub const DEFAULT_LOG_STREAM_NAME: &str =
    "{machine_name}/{program_name}/{logger_name}/{process_id}";
/// Default longest time an event waits in its queue before it is sent: 60 s, as in 3.4.
pub const DEFAULT_SEND_INTERVAL: Duration = Duration::from_secs(60);
/// Default largest message, in bytes including the 26-byte event overhead: 256 KiB, as in 3.4.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 256 * 1024;
/// Default bound on the memory held by queued and in-flight events: 64 MiB.
pub const DEFAULT_MAX_QUEUE_BYTES: usize = 64 * 1024 * 1024;
/// Default time [`Handle::shutdown`](crate::Handle::shutdown) and the guard wait: 30 s, as 3.4's
/// `FLUSH_TIMEOUT`.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of PutLogEvents requests in flight at once, across all streams.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 8;

/// What [`Handle::log`](crate::Handle::log) does when queued events already hold
/// [`ConfigBuilder::max_queue_bytes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverflowPolicy {
    /// Drop the event being logged and count it (the default): the caller never waits.
    DropNewest,
    /// Drop the oldest queued events (not yet handed to the network) to make room.
    DropOldest,
    /// Ask the worker to send now and wait for room up to the timeout, then drop the event.
    Block {
        /// Longest time one `log` call waits for room.
        timeout: Duration,
    },
}

/// What happens to a message longer than [`ConfigBuilder::max_message_size`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OversizePolicy {
    /// Cut it to the largest size that fits, at a UTF-8 character boundary, like watchtower 3.4
    /// (the default). No marker is added.
    Truncate,
    /// Send it as several consecutive events with the same timestamp, each cut at a character
    /// boundary.
    Split,
    /// Drop it and count it.
    Drop,
}

/// The class of a log group created by this library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogGroupClass {
    /// Full-featured class (the service's default).
    Standard,
    /// Lower ingestion price, fewer features.
    InfrequentAccess,
}

impl LogGroupClass {
    /// The API's name for the class.
    pub fn as_str(self) -> &'static str {
        match self {
            LogGroupClass::Standard => "STANDARD",
            LogGroupClass::InfrequentAccess => "INFREQUENT_ACCESS",
        }
    }
}

impl std::str::FromStr for LogGroupClass {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().replace('-', "_").as_str() {
            "STANDARD" => Ok(LogGroupClass::Standard),
            "INFREQUENT_ACCESS" => Ok(LogGroupClass::InfrequentAccess),
            _ => Err(ConfigError::InvalidOption {
                option: "log_group_class",
                reason: format!(
                    "{s:?} is not a log group class: use STANDARD or INFREQUENT_ACCESS \
                     (DELIVERY is only for vended logs)"
                ),
            }),
        }
    }
}

/// A checked configuration, ready for [`Config::start`](crate::Config::start).
#[derive(Clone)]
pub struct Config {
    pub(crate) log_group_name: String,
    pub(crate) log_stream_name: StreamNameTemplate,
    pub(crate) send_interval: Duration,
    pub(crate) max_batch_size: usize,
    pub(crate) max_batch_count: usize,
    pub(crate) max_message_size: usize,
    pub(crate) create_log_group: bool,
    pub(crate) create_log_stream: bool,
    pub(crate) retention_days: Option<u32>,
    pub(crate) log_group_tags: BTreeMap<String, String>,
    pub(crate) log_group_class: Option<LogGroupClass>,
    pub(crate) kms_key_id: Option<String>,
    pub(crate) max_queue_bytes: usize,
    pub(crate) overflow: OverflowPolicy,
    pub(crate) oversize: OversizePolicy,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_concurrent_requests: usize,
    pub(crate) aws: AwsSettings,
    pub(crate) warnings: Arc<dyn WarningSink>,
}

impl Config {
    /// A builder with every option at its default.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The log group events are sent to.
    pub fn log_group_name(&self) -> &str {
        &self.log_group_name
    }

    /// The stream name template, as given.
    pub fn log_stream_name(&self) -> &str {
        self.log_stream_name.source()
    }

    /// Longest time an event waits in its queue.
    pub fn send_interval(&self) -> Duration {
        self.send_interval
    }

    /// Largest batch, in bytes counting 26 per event.
    pub fn max_batch_size(&self) -> usize {
        self.max_batch_size
    }

    /// Most events in one batch.
    pub fn max_batch_count(&self) -> usize {
        self.max_batch_count
    }

    /// Largest event, in message bytes plus 26.
    pub fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// Time [`Handle::shutdown`](crate::Handle::shutdown) waits when dropped through the guard.
    pub fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }

    /// Bound on bytes held by queued and in-flight events.
    pub fn max_queue_bytes(&self) -> usize {
        self.max_queue_bytes
    }

    /// The largest message body (UTF-8 bytes) one event can carry.
    pub(crate) fn max_message_bytes(&self) -> usize {
        self.max_message_size - EVENT_OVERHEAD_BYTES
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("log_group_name", &self.log_group_name)
            .field("log_stream_name", &self.log_stream_name.source())
            .field("send_interval", &self.send_interval)
            .field("max_batch_size", &self.max_batch_size)
            .field("max_batch_count", &self.max_batch_count)
            .field("max_message_size", &self.max_message_size)
            .field("create_log_group", &self.create_log_group)
            .field("create_log_stream", &self.create_log_stream)
            .field("retention_days", &self.retention_days)
            .field("log_group_tags", &self.log_group_tags)
            .field("log_group_class", &self.log_group_class)
            .field("kms_key_id", &self.kms_key_id)
            .field("max_queue_bytes", &self.max_queue_bytes)
            .field("overflow", &self.overflow)
            .field("oversize", &self.oversize)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("retry", &self.retry)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("aws", &self.aws)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Config`]; every setter documents its default.
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
    max_queue_bytes: usize,
    overflow: OverflowPolicy,
    oversize: OversizePolicy,
    shutdown_timeout: Duration,
    retry: RetryPolicy,
    max_concurrent_requests: usize,
    aws: AwsSettings,
    warnings: Arc<dyn WarningSink>,
    template_values: TemplateValues,
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
            max_queue_bytes: DEFAULT_MAX_QUEUE_BYTES,
            overflow: OverflowPolicy::DropNewest,
            oversize: OversizePolicy::Truncate,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            retry: RetryPolicy::default(),
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            aws: AwsSettings::default(),
            warnings: Arc::new(StderrSink),
            template_values: TemplateValues::from_process(),
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
    /// 60 s. Zero sends as soon as the worker wakes.
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

    /// Bound on the bytes (message + 26 per event) held by queued and in-flight events.
    /// Default 64 MiB. Must hold at least one largest event
    /// ([`max_message_size`](Self::max_message_size)).
    pub fn max_queue_bytes(mut self, bytes: usize) -> Self {
        self.max_queue_bytes = bytes;
        self
    }

    /// What to do when the queue bound is reached. Default [`OverflowPolicy::DropNewest`].
    pub fn overflow(mut self, policy: OverflowPolicy) -> Self {
        self.overflow = policy;
        self
    }

    /// What to do with a message over [`max_message_size`](Self::max_message_size). Default
    /// [`OversizePolicy::Truncate`], like 3.4.
    pub fn oversize(mut self, policy: OversizePolicy) -> Self {
        self.oversize = policy;
        self
    }

    /// How long the guard's drop (and 3.4-style `close`) waits for delivery. Default 30 s.
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
        let template = StreamNameTemplate::parse(&self.log_stream_name, self.template_values)?;
        check_range(
            "max_batch_size",
            self.max_batch_size,
            EVENT_OVERHEAD_BYTES + 1,
            MAX_BATCH_BYTES,
        )?;
        check_range("max_batch_count", self.max_batch_count, 1, MAX_BATCH_EVENTS)?;
        check_range(
            "max_message_size",
            self.max_message_size,
            EVENT_OVERHEAD_BYTES + 4,
            MAX_EVENT_BYTES,
        )?;
        if self.max_message_size > self.max_batch_size && !self.large_events_alone {
            return Err(ConfigError::InvalidOption {
                option: "max_message_size",
                reason: format!(
                    "{} is larger than max_batch_size ({}): such an event could never be sent",
                    self.max_message_size, self.max_batch_size
                ),
            });
        }
        if self.max_queue_bytes < self.max_message_size {
            return Err(ConfigError::InvalidOption {
                option: "max_queue_bytes",
                reason: format!(
                    "{} cannot hold one event of max_message_size ({})",
                    self.max_queue_bytes, self.max_message_size
                ),
            });
        }
        if self.max_concurrent_requests == 0 {
            return Err(ConfigError::InvalidOption {
                option: "max_concurrent_requests",
                reason: "must be at least 1".into(),
            });
        }
        if let Some(days) = self.retention_days {
            if !RETENTION_DAYS.contains(&days) {
                return Err(ConfigError::InvalidOption {
                    option: "retention_days",
                    reason: format!("{days} is not one of {RETENTION_DAYS:?}"),
                });
            }
        }
        validate_tags(&self.log_group_tags)?;
        if let Some(kms) = &self.kms_key_id {
            if kms.is_empty() || kms.chars().count() > 256 {
                return Err(ConfigError::InvalidOption {
                    option: "kms_key_id",
                    reason: "must be a KMS key ARN of 1 to 256 characters".into(),
                });
            }
        }
        self.retry.validate()?;
        Ok(Config {
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
            max_queue_bytes: self.max_queue_bytes,
            overflow: self.overflow,
            oversize: self.oversize,
            shutdown_timeout: self.shutdown_timeout,
            retry: self.retry,
            max_concurrent_requests: self.max_concurrent_requests,
            aws: self.aws,
            warnings: self.warnings,
        })
    }
}

fn check_range(
    option: &'static str,
    value: usize,
    min: usize,
    max: usize,
) -> Result<(), ConfigError> {
    if value < min || value > max {
        return Err(ConfigError::InvalidOption {
            option,
            reason: format!("{value} is outside the allowed range {min}..={max}"),
        });
    }
    Ok(())
}

/// Checks a log group name against the service's rules: 1–512 characters of
/// `[.-_/#A-Za-z0-9]`, not starting with `aws/`.
pub fn validate_log_group_name(name: &str) -> Result<(), ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidLogGroupName {
        name: name.to_owned(),
        reason,
    };
    if name.is_empty() {
        return Err(invalid("it is empty".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "it is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#')))
    {
        return Err(invalid(format!(
            "{bad:?} is not allowed (use letters, digits and . - _ / #)"
        )));
    }
    if name.starts_with("aws/") {
        return Err(invalid("names starting with \"aws/\" are reserved".into()));
    }
    Ok(())
}

fn validate_tags(tags: &BTreeMap<String, String>) -> Result<(), ConfigError> {
    if tags.len() > MAX_TAGS {
        return Err(ConfigError::InvalidTag {
            key: String::new(),
            reason: format!("{} tags given, at most {MAX_TAGS} allowed", tags.len()),
        });
    }
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
    for (key, value) in tags {
        let bad = |reason: String| ConfigError::InvalidTag {
            key: key.clone(),
            reason,
        };
        let key_len = key.chars().count();
        if key_len == 0 || key_len > 128 {
            return Err(bad("a tag key must have 1 to 128 characters".into()));
        }
        if value.chars().count() > 256 {
            return Err(bad("a tag value must have at most 256 characters".into()));
        }
        if key.starts_with("aws:") {
            return Err(bad("tag keys starting with \"aws:\" are reserved".into()));
        }
        if let Some(c) = key.chars().chain(value.chars()).find(|c| !allowed(*c)) {
            return Err(bad(format!(
                "{c:?} is not allowed (use letters, digits, spaces and _ . : / = + - @)"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_watchtower_3_4() {
        let c = Config::builder().build().unwrap();
        assert_eq!(c.log_group_name(), "watchtower");
        assert_eq!(
            c.log_stream_name(),
            "{machine_name}/{program_name}/{logger_name}/{process_id}"
        );
        assert_eq!(c.send_interval(), Duration::from_secs(60));
        assert_eq!(c.max_batch_size(), 1_048_576);
        assert_eq!(c.max_batch_count(), 10_000);
        assert_eq!(c.max_message_size(), 262_144);
        assert!(c.create_log_group && c.create_log_stream);
        assert_eq!(c.retention_days, None);
        assert_eq!(c.shutdown_timeout(), Duration::from_secs(30));
        assert_eq!(c.overflow, OverflowPolicy::DropNewest);
        assert_eq!(c.oversize, OversizePolicy::Truncate);
    }

    #[test]
    fn group_names_are_checked() {
        for bad in ["", "has space", "aws/reserved", "colon:", &"x".repeat(513)] {
            let err = Config::builder().log_group_name(bad).build().unwrap_err();
            assert!(
                matches!(err, ConfigError::InvalidLogGroupName { .. }),
                "{bad:?}: {err}"
            );
        }
        for good in ["a", "/aws-lambda/x", "My.Group_1#2-3", &"x".repeat(512)] {
            Config::builder().log_group_name(good).build().unwrap();
        }
    }

    #[test]
    fn limits_are_checked() {
        let e = |b: ConfigBuilder| b.build().unwrap_err().to_string();
        assert!(e(Config::builder().max_batch_size(1_048_577)).contains("max_batch_size"));
        assert!(e(Config::builder().max_batch_size(0)).contains("max_batch_size"));
        assert!(e(Config::builder().max_batch_count(10_001)).contains("max_batch_count"));
        assert!(e(Config::builder().max_batch_count(0)).contains("max_batch_count"));
        assert!(e(Config::builder().max_message_size(1_048_577)).contains("max_message_size"));
        assert!(e(Config::builder().max_message_size(29)).contains("max_message_size"));
        assert!(e(Config::builder()
            .max_batch_size(1000)
            .max_message_size(2000))
        .contains("larger than max_batch_size"));
        assert!(e(Config::builder().max_queue_bytes(1000)).contains("max_queue_bytes"));
        assert!(e(Config::builder().max_concurrent_requests(0)).contains("at least 1"));
        Config::builder()
            .max_batch_size(1_048_576)
            .max_message_size(1_048_576)
            .build()
            .unwrap();
        Config::builder()
            .max_batch_size(1000)
            .max_message_size(2000)
            .large_events_alone(true)
            .build()
            .unwrap();
    }

    #[test]
    fn retention_and_tags_are_checked() {
        assert!(Config::builder().retention_days(2).build().is_err());
        for d in RETENTION_DAYS {
            Config::builder().retention_days(d).build().unwrap();
        }
        let tags = |k: &str, v: &str| {
            Config::builder()
                .log_group_tags([(k.to_string(), v.to_string())])
                .build()
        };
        assert!(tags("team", "core platform/logs:1 +=@_.-").is_ok());
        assert!(tags("", "x").is_err());
        assert!(tags("k", "semi;colon").is_err());
        assert!(tags(&"k".repeat(129), "v").is_err());
        assert!(tags("k", &"v".repeat(257)).is_err());
        assert!(tags("aws:k", "v").is_err());
        let many: Vec<_> = (0..51)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        assert!(Config::builder().log_group_tags(many).build().is_err());
        assert!("delivery".parse::<LogGroupClass>().is_err());
        assert_eq!(
            "infrequent-access".parse::<LogGroupClass>().unwrap(),
            LogGroupClass::InfrequentAccess
        );
    }

    #[test]
    fn debug_output_hides_credentials() {
        let c = Config::builder()
            .aws(AwsSettings::default().credentials("AKIDEXAMPLE", "SECRETVALUE123", None))
            .build()
            .unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("SECRETVALUE123"), "{s}");
    }
}
