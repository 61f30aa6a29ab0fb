//! Shared set-up for the integration tests: a core configuration aimed at a local endpoint
//! (moto, or the recording proxy in front of it), with fast retries and captured warnings.
#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use watchtower_logs::{AwsSettings, Config, ConfigBuilder, FnSink, RetryPolicy, Warning};

/// Warnings captured from the core.
#[derive(Clone, Default)]
pub struct Warnings(Arc<Mutex<Vec<Warning>>>);

impl Warnings {
    pub fn all(&self) -> Vec<Warning> {
        self.0.lock().unwrap().clone()
    }

    pub fn messages(&self) -> Vec<String> {
        self.all().into_iter().map(|w| w.message).collect()
    }
}

/// Retries quick enough for tests, bounded well below the test timeouts.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(200),
        max_elapsed: Duration::from_secs(60),
        sdk_max_attempts: 2,
        attempt_timeout: Duration::from_secs(10),
    }
}

/// A configuration sending to `endpoint` with dummy credentials, and its captured warnings.
pub fn config(endpoint: &str, group: &str) -> (ConfigBuilder, Warnings) {
    let warnings = Warnings::default();
    let sink = warnings.0.clone();
    let builder = Config::builder()
        .log_group_name(group)
        .aws(
            AwsSettings::new()
                .endpoint_url(endpoint)
                .region("us-east-1")
                .credentials("testing", "testing-secret-key", None),
        )
        .retry(fast_retry())
        .warnings(Arc::new(FnSink(move |w: &Warning| {
            sink.lock().unwrap().push(w.clone())
        })));
    (builder, warnings)
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub const FLUSH: Duration = Duration::from_secs(60);
