//! The Rust peer, set up one way for every bench: tracing-cloudwatch with the AWS SDK client
//! aimed at the bench sink, on its own 2-worker tokio runtime (its exporter needs one).

use std::time::Duration;

use tracing::Subscriber;
use tracing_cloudwatch::{CloudWatchDispatcher, CloudWatchLayer, CloudWatchWorkerGuard};
use tracing_subscriber::registry::LookupSpan;

/// A running tracing-cloudwatch: keep the runtime and the guard alive while logging.
pub struct TracingCloudWatch<S> {
    /// The layer to add to a subscriber.
    pub layer: CloudWatchLayer<S, CloudWatchDispatcher>,
    /// The runtime its exporter runs on.
    pub runtime: tokio::runtime::Runtime,
    /// Its guard: `shutdown()` sends what is still queued.
    pub guard: CloudWatchWorkerGuard,
}

/// tracing-cloudwatch shipping to `endpoint` (log group `bench`, stream `bench-stream`) in
/// batches of `batch_size` events, every `interval`.
pub fn tracing_cloudwatch<S>(
    endpoint: &str,
    batch_size: usize,
    interval: Duration,
) -> TracingCloudWatch<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let client = aws_sdk_cloudwatchlogs::Client::new(&watchtower_testkit::sdk_config(endpoint));
    let (layer, guard) = {
        let _enter = runtime.enter();
        tracing_cloudwatch::layer().with_client(
            client,
            tracing_cloudwatch::ExportConfig::default()
                .with_batch_size(batch_size)
                .with_interval(interval)
                .with_log_group_name("bench")
                .with_log_stream_name("bench-stream"),
        )
    };
    TracingCloudWatch {
        layer,
        runtime,
        guard,
    }
}
