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
use crate::limits::EVENT_OVERHEAD_BYTES;
use crate::retry::RetryPolicy;
use crate::template::StreamNameTemplate;
use crate::warn::WarningSink;

mod builder;
mod spool;
#[cfg(test)]
mod tests;
mod validate;

pub use builder::ConfigBuilder;
pub use validate::validate_log_group_name;

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
/// Longest allowed [`ConfigBuilder::send_interval`]: a day. A batch may not span more than 24
/// hours anyway, and an event held longer is lost in all but name.
pub const MAX_SEND_INTERVAL: Duration = Duration::from_secs(86_400);
/// Default bound on the bytes of the durable spool's segment files: 256 MiB.
pub const DEFAULT_SPOOL_MAX_BYTES: u64 = 256 * 1024 * 1024;
/// Default longest time between a `log` call and its record being written to the durable
/// spool's segment file (the crash window): 200 ms.
pub const DEFAULT_SPOOL_SYNC_INTERVAL: Duration = Duration::from_millis(200);
/// Default number of PutLogEvents requests in flight at once, across all streams.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 8;

/// What [`Handle::log`](crate::Handle::log) does when queued events already hold
/// [`ConfigBuilder::max_queue_bytes`].
///
/// ```
/// use std::time::Duration;
/// use watchtower_logs::{Config, OverflowPolicy};
/// // A batch job that would rather wait than lose a line:
/// let config = Config::builder()
///     .overflow(OverflowPolicy::Block { timeout: Duration::from_secs(5) })
///     .build()?;
/// # Ok::<(), watchtower_logs::ConfigError>(())
/// ```
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
///
/// ```
/// use watchtower_logs::{Config, OversizePolicy};
/// let config = Config::builder()
///     .max_message_size(64 * 1024)
///     .oversize(OversizePolicy::Split)
///     .build()?;
/// assert_eq!(config.max_message_size(), 65_536);
/// # Ok::<(), watchtower_logs::ConfigError>(())
/// ```
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
///
/// ```
/// use watchtower_logs::LogGroupClass;
/// let class: LogGroupClass = "infrequent-access".parse()?;
/// assert_eq!(class.as_str(), "INFREQUENT_ACCESS");
/// # Ok::<(), watchtower_logs::ConfigError>(())
/// ```
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
///
/// ```
/// let config = watchtower_logs::Config::builder().log_group_name("api").build()?;
/// assert_eq!(config.log_group_name(), "api");
/// assert_eq!(config.send_interval(), std::time::Duration::from_secs(60));
/// # Ok::<(), watchtower_logs::ConfigError>(())
/// ```
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
    /// Named by the queue-full warning: the options that set the bound and the policy.
    pub(crate) queue_full_advice: String,
    pub(crate) max_queue_bytes: usize,
    pub(crate) overflow: OverflowPolicy,
    pub(crate) oversize: OversizePolicy,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_concurrent_requests: usize,
    pub(crate) compression: bool,
    pub(crate) aws: AwsSettings,
    pub(crate) warnings: Arc<dyn WarningSink>,
    pub(crate) spool: Option<SpoolConfig>,
}

/// The durable spool's settings ([`ConfigBuilder::spool_dir`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SpoolConfig {
    pub(crate) dir: std::path::PathBuf,
    pub(crate) max_bytes: u64,
    pub(crate) sync_interval: Duration,
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

    /// The durable spool's directory, when one is configured.
    pub fn spool_dir(&self) -> Option<&std::path::Path> {
        self.spool.as_ref().map(|s| s.dir.as_path())
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
            .field("compression", &self.compression)
            .field("aws", &self.aws)
            .field("spool", &self.spool)
            .finish_non_exhaustive()
    }
}
