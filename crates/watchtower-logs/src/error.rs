//! The small error enums at each boundary; each variant's doc says what to do about it.

use std::fmt;
use std::time::Duration;

/// A configuration mistake found by [`ConfigBuilder::build`](crate::ConfigBuilder::build).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The log group name breaks the service's naming rules: pick another name.
    InvalidLogGroupName {
        /// The name given.
        name: String,
        /// The rule it breaks.
        reason: String,
    },
    /// The stream name template cannot be parsed or would produce names the service rejects.
    InvalidStreamTemplate {
        /// The template given.
        template: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A tag breaks the service's rules.
    InvalidTag {
        /// The tag's key (empty when the problem is the number of tags).
        key: String,
        /// The rule it breaks.
        reason: String,
    },
    /// A numeric or enumerated option is out of its allowed range.
    InvalidOption {
        /// The option's name, as in the builder.
        option: &'static str,
        /// What is allowed.
        reason: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::InvalidLogGroupName { name, reason } => {
                write!(f, "invalid log group name {name:?}: {reason}")
            }
            ConfigError::InvalidStreamTemplate { template, reason } => {
                write!(f, "invalid log stream name template {template:?}: {reason}")
            }
            ConfigError::InvalidTag { key, reason } if key.is_empty() => {
                write!(f, "invalid log group tags: {reason}")
            }
            ConfigError::InvalidTag { key, reason } => {
                write!(f, "invalid log group tag {key:?}: {reason}")
            }
            ConfigError::InvalidOption { option, reason } => {
                write!(f, "invalid {option}: {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Why [`Config::start`](crate::Config::start) could not start the worker.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// No AWS region was found: set `AWS_REGION`, a profile's `region`, or
    /// [`ConfigBuilder::region`](crate::ConfigBuilder::region).
    NoRegion,
    /// The worker thread or its runtime could not be created (out of threads or memory).
    Worker(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::NoRegion => f.write_str(
                "no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION), a region in \
                 the AWS profile, or pass a region explicitly",
            ),
            StartError::Worker(e) => write!(f, "could not start the watchtower worker: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// Why [`Handle::flush`](crate::Handle::flush) or [`Handle::shutdown`](crate::Handle::shutdown)
/// returned before everything was delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlushError {
    /// The timeout passed first; `pending` events were still queued or in flight. They stay
    /// queued (flush) or are counted as dropped (shutdown). Wait longer, or check the network.
    Timeout {
        /// The timeout that passed.
        timeout: Duration,
        /// Events not yet delivered or counted as failed.
        pending: u64,
    },
    /// The handle was already shut down: nothing to flush.
    AlreadyShutdown,
}

impl fmt::Display for FlushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlushError::Timeout { timeout, pending } => write!(
                f,
                "timed out after {timeout:?} while delivering logs ({pending} events pending)"
            ),
            FlushError::AlreadyShutdown => f.write_str("the log shipper was already shut down"),
        }
    }
}

impl std::error::Error for FlushError {}

/// Why [`Handle::setup_log_group`](crate::Handle::setup_log_group) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SetupError {
    /// The service refused a call: check the code (AccessDeniedException: grant
    /// `logs:CreateLogGroup` / `logs:PutRetentionPolicy`; ...).
    Aws {
        /// The API operation.
        op: &'static str,
        /// The service's error code, if it answered.
        code: Option<String>,
        /// The service's message or the transport error.
        message: String,
    },
    /// No answer within the timeout.
    Timeout(Duration),
    /// The handle was already shut down.
    AlreadyShutdown,
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::Aws {
                op,
                code: Some(code),
                message,
            } => write!(f, "{op} failed: {code}: {message}"),
            SetupError::Aws { op, message, .. } => write!(f, "{op} failed: {message}"),
            SetupError::Timeout(t) => write!(f, "log group setup timed out after {t:?}"),
            SetupError::AlreadyShutdown => f.write_str("the log shipper was already shut down"),
        }
    }
}

impl std::error::Error for SetupError {}
