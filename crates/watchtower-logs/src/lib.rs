//! Ship logs from a process straight to AWS CloudWatch Logs: batched, off the calling thread,
//! with a delivery deadline, and with every event that could not be delivered counted.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//!  log / tracing event ──► ingest (per-thread buffers) ──► drainer (the worker renders) ──► Record
//!
//!  Record ──► template ──► queue ──────► batch ──► deliver ──► send ──► PutLogEvents
//!  (record)   (stream     (per stream,   (limits,   (retry,     (AWS SDK)
//!              name)       bounded)       sort, 24h) create)
//!                            ▲                │
//!                  worker: deadline, flush,   └──► stats (delivered / dropped by reason)
//!                  shutdown (worker, guard)
//!
//!  with `spool_dir`: admit ──► spool (segment files, a writer thread) ◄── settle (acks)
//!                    start ──► restore (replays what dead processes left) ──► queue
//! ```
//!
//! Front ends (the Python package, the CLI) format a record and call [`Handle::log`]; a worker
//! thread with its own async runtime does the rest. The `log` and `tracing` front ends live in
//! this crate behind the cargo features of the same names (`watchtower_logs::log` and
//! `watchtower_logs::tracing`) and do even less on the logging thread: they capture the event
//! (time, level, target, the formatted message, fields) into a buffer of the thread's own, and
//! the worker renders it and queues it (`ingest`, `drainer`).
//!
//! ```no_run
//! use std::time::Duration;
//! use watchtower_logs::{Config, Record};
//!
//! let (logs, guard) = Config::builder()
//!     .log_group_name("my-service")
//!     .log_stream_name("{machine_name}/{logger_name}")
//!     .send_interval(Duration::from_secs(10))
//!     .build()?
//!     .start()?;
//! logs.log(Record::new("service started").logger_name("main"));
//! println!("{:?}", logs.stats());
//! drop(guard); // flushes (up to 30 s) and stops the worker
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

mod admit;
mod aws;
mod batch;
mod call_error;
#[cfg(any(feature = "log", feature = "tracing"))]
mod captured;
mod concurrency;
pub mod config;
mod deadline;
mod deliver;
#[cfg(test)]
mod deliver_tests;
#[cfg_attr(
    not(any(feature = "log", feature = "tracing")),
    path = "drainer_none.rs"
)]
mod drainer;
mod encode;
mod error;
mod escape;
#[cfg(any(feature = "log", feature = "tracing"))]
mod front;
mod guard;
mod handle;
mod hub;
mod inflight;
#[cfg(any(feature = "log", feature = "tracing"))]
mod ingest;
#[cfg(all(test, feature = "tracing"))]
mod ingest_tests;
pub mod limits;
mod queue;
mod record;
mod restore;
mod retry;
mod sealed;
mod send;
#[cfg(unix)]
pub mod signals;
mod spool;
mod stats;
pub mod template;
pub mod thread;
mod warn;
mod worker;

pub use aws::AwsSettings;
pub use config::{
    Config, ConfigBuilder, LogGroupClass, OverflowPolicy, OversizePolicy, DEFAULT_LOG_GROUP_NAME,
    DEFAULT_LOG_STREAM_NAME, MAX_SEND_INTERVAL,
};
pub use error::{ConfigError, FlushError, SetupError, StartError};
pub use guard::WorkerGuard;
pub use handle::{shutdown_all, Handle, LogOutcome};
pub use record::Record;
pub use retry::RetryPolicy;
#[cfg(unix)]
pub use signals::deliver_on_signals;
pub use stats::{DropReason, Dropped, Stats};
pub use warn::{FnSink, StderrSink, Warning, WarningKind, WarningSink, WARNING_INTERVAL};
pub use worker::is_worker_thread;

#[cfg(feature = "log")]
pub use front::log;
#[cfg(feature = "tracing")]
pub use front::tracing;
#[cfg(any(feature = "log", feature = "tracing"))]
pub use front::Format;

/// Re-exports of the AWS SDK types this crate's API takes, so users need not depend on the
/// exact SDK versions.
pub mod sdk {
    pub use aws_config::SdkConfig;
    pub use aws_credential_types::provider::SharedCredentialsProvider;
    pub use aws_credential_types::Credentials;
    pub use aws_sdk_cloudwatchlogs::Client;

    pub use crate::aws::https_client;
}
