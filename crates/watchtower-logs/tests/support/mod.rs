//! Helpers shared by the integration tests: configurations aimed at moto (or the recording
//! proxy in front of it), captured warnings, fast retries, and JSON read-back.
#![allow(dead_code)] // each test binary uses its own subset

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::sync::{Arc, Mutex};

use serde_json::Value;
use watchtower_logs::{AwsSettings, Config, ConfigBuilder, FnSink, RetryPolicy, Warning};
use watchtower_testkit::{Event, MotoLease};

/// How long a test waits for a flush.
pub const FLUSH: Duration = Duration::from_secs(30);

/// A config for `group` on moto: one stream per target (`{logger_name}`), a send interval
/// long enough that only flush, shutdown or the guard can deliver within a test.
pub fn config(moto: &MotoLease, group: &str) -> ConfigBuilder {
    config_for(&moto.endpoint(), group)
}

/// [`config`] from an endpoint URL.
pub fn config_for(endpoint: &str, group: &str) -> ConfigBuilder {
    Config::builder()
        .log_group_name(group)
        .log_stream_name("{logger_name}")
        .send_interval(Duration::from_secs(60))
        .shutdown_timeout(FLUSH)
        .aws(AwsSettings::new().sdk_config(watchtower_testkit::sdk_config(endpoint)))
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Parses a message as JSON, with the message in the panic if it is not.
pub fn json(event: &Event) -> Value {
    serde_json::from_str(&event.message)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", event.message))
}

/// Parses an RFC 3339 timestamp into milliseconds since the epoch.
pub fn rfc3339_ms(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("not RFC 3339 ({e}): {s:?}"))
        .timestamp_millis()
}

/// Every event of `group`, all streams, as (stream, event).
pub fn all(moto: &MotoLease, group: &str) -> Vec<(String, Event)> {
    moto.all_events(group)
}

/// The one event of `group` whose message contains `needle`.
pub fn find(moto: &MotoLease, group: &str, needle: &str) -> (String, Event) {
    let mut hits: Vec<_> = moto
        .all_events(group)
        .into_iter()
        .filter(|(_, e)| e.message.contains(needle))
        .collect();
    assert_eq!(hits.len(), 1, "events containing {needle:?}: {hits:?}");
    hits.pop().unwrap()
}

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

/// A core configuration sending to `endpoint` (moto or a proxy) with dummy static
/// credentials and fast retries, and the warnings it will produce.
pub fn core_config(endpoint: &str, group: &str) -> (ConfigBuilder, Warnings) {
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

/// `builder.build().unwrap().start().unwrap()`, for tests whose configuration is valid.
pub trait Started {
    /// Builds the configuration and starts the shipper, panicking on either error.
    fn started(self) -> (watchtower_logs::Handle, watchtower_logs::WorkerGuard);
}

impl Started for ConfigBuilder {
    fn started(self) -> (watchtower_logs::Handle, watchtower_logs::WorkerGuard) {
        self.build()
            .expect("valid configuration")
            .start()
            .expect("the shipper starts")
    }
}

/// Whether `target` belongs to the crates that run while events are shipped (the AWS SDK,
/// the HTTP and TLS stack, the runtime): what a global subscriber sees from the shipper's own
/// work. Only the tests use this list; the library suppresses by thread, never by target.
pub fn shipper_crate(target: &str) -> bool {
    [
        "aws_",
        "aws-",
        "hyper::",
        "hyper_util",
        "h2::",
        "rustls",
        "tower::",
        "tokio",
        "mio",
    ]
    .iter()
    .any(|p| target.starts_with(p))
        || ["hyper", "h2", "tower"].contains(&target)
}

/// Waits (up to 20 s) for a warning of `kind`, and returns the first one.
pub fn wait_for_warning(warnings: &Warnings, kind: watchtower_logs::WarningKind) -> Warning {
    let found = || warnings.all().into_iter().find(|w| w.kind == kind);
    assert!(
        watchtower_testkit::wait_until(Duration::from_secs(20), || found().is_some()),
        "no {kind:?} warning: {:?}",
        warnings.messages()
    );
    found().unwrap()
}

/// For `harness = false` test binaries: prints each case's line and the summary line libtest
/// prints (so that test runners read these binaries like the others), and exits 1 if any case
/// failed.
pub fn report(results: Vec<(String, Result<(), String>)>, started: std::time::Instant) {
    let failed = results.iter().filter(|(_, r)| r.is_err()).count();
    for (name, result) in &results {
        match result {
            Ok(()) => println!("test {name} ... ok"),
            Err(e) => println!("test {name} ... FAILED: {e}"),
        }
    }
    println!();
    println!(
        "test result: {}. {} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out; \
         finished in {:.2}s",
        if failed == 0 { "ok" } else { "FAILED" },
        results.len() - failed,
        started.elapsed().as_secs_f64()
    );
    if failed > 0 {
        std::process::exit(1);
    }
}
