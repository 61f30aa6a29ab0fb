//! The small error enums at each boundary; each variant's doc says what to do about it.

use std::fmt;
use std::time::Duration;

/// A configuration mistake found by [`ConfigBuilder::build`](crate::ConfigBuilder::build).
///
/// ```
/// let err = watchtower_logs::Config::builder().log_group_name("aws/mine").build().unwrap_err();
/// assert!(err.to_string().starts_with("invalid log group name"));
/// ```
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
///
/// ```
/// use watchtower_logs::StartError;
/// let err = StartError::NoRegion;
/// assert!(err.to_string().contains("AWS_REGION"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// No AWS region was found: set `AWS_REGION`, a profile's `region`, or
    /// [`ConfigBuilder::region`](crate::ConfigBuilder::region).
    NoRegion,
    /// The worker thread or its runtime could not be created (out of threads or memory).
    Worker(String),
    /// A setting taken from the environment (or an override that can only be checked when
    /// the client is built) is unusable: fix the variable named.
    InvalidEnvironment {
        /// The environment variable (`AWS_ENDPOINT_URL`, `AWS_CA_BUNDLE`, ...) or option.
        variable: &'static str,
        /// What is wrong with it (never its secrets).
        reason: String,
    },
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::NoRegion => f.write_str(
                "no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION), a region in \
                 the AWS profile, or pass a region explicitly",
            ),
            StartError::Worker(e) => write!(f, "could not start the watchtower worker: {e}"),
            StartError::InvalidEnvironment { variable, reason } => {
                write!(f, "invalid {variable}: {reason}")
            }
        }
    }
}

impl std::error::Error for StartError {}

/// Why [`Handle::flush`](crate::Handle::flush) or [`Handle::shutdown`](crate::Handle::shutdown)
/// returned before everything was delivered.
///
/// ```
/// # fn offline() -> watchtower_logs::ConfigBuilder {
/// #     watchtower_logs::Config::builder().aws(watchtower_logs::AwsSettings::new()
/// #         .endpoint_url("http://127.0.0.1:1").region("us-east-1")
/// #         .credentials("AKIDEXAMPLE", "secret", None))
/// # }
/// use std::time::Duration;
/// use watchtower_logs::{FlushError, Record};
/// let (logs, _guard) = offline().build()?.start()?;
/// logs.log(Record::new("nobody listens"));
/// match logs.flush(Duration::from_millis(10)) {
///     Err(FlushError::Timeout { pending, .. }) => assert_eq!(pending, 1),
///     other => panic!("{other:?}"),
/// }
/// # logs.shutdown(Duration::ZERO).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    /// The worker failed (a panic in the worker, in this library or in code it called, such as
    /// a credentials provider). Everything it held was counted as
    /// [`DropReason::WorkerFailed`](crate::DropReason::WorkerFailed); later records are
    /// counted as dropped. Read the warning printed when it failed, and report the bug.
    WorkerFailed {
        /// Events counted as lost because the worker failed.
        lost: u64,
    },
}

impl fmt::Display for FlushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlushError::Timeout { timeout, pending } => write!(
                f,
                "timed out after {timeout:?} while delivering logs ({pending} events pending)"
            ),
            FlushError::AlreadyShutdown => f.write_str("the log shipper was already shut down"),
            FlushError::WorkerFailed { lost } => write!(
                f,
                "the log shipper's worker failed; {lost} events were lost (see the warning \
                 printed when it failed)"
            ),
        }
    }
}

impl std::error::Error for FlushError {}

/// Why [`Handle::setup_log_group`](crate::Handle::setup_log_group) failed.
///
/// ```
/// let err = watchtower_logs::SetupError::Timeout(std::time::Duration::from_secs(5));
/// assert_eq!(err.to_string(), "log group setup timed out after 5s");
/// ```
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
