//! Ship `tracing` events to CloudWatch Logs, next to the usual `fmt` output.
//!
//! Needs AWS credentials and a region from the environment (or a profile), or an emulator:
//!
//! ```sh
//! AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_REGION=us-east-1 \
//! AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
//! RUST_LOG=info cargo run -p watchtower-logs --features tracing --example tracing_layer
//! ```
//!
//! Events go to log group `watchtower-example`, one stream per target.

use std::time::Duration;

use tracing_subscriber::prelude::*;
use tracing_subscriber::EnvFilter;
use watchtower_logs::Config;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::builder()
        .log_group_name("watchtower-example")
        .log_stream_name("{machine_name}/{logger_name}")
        .send_interval(Duration::from_secs(5))
        .build()?;
    // Keep the guard until the end of `main`: dropping it delivers what is still queued.
    let (cloudwatch, _guard) = watchtower_logs::tracing::layer(config)?;
    tracing_subscriber::registry()
        .with(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with(tracing_subscriber::fmt::layer())
        .with(cloudwatch.with_file(true).with_line_number(true))
        .init();

    let span = tracing::info_span!("request", id = 42, path = "/users");
    let _entered = span.enter();
    tracing::info!(rows = 3, table = "users", "query done");
    tracing::warn!(elapsed_ms = 1250, "slow request");
    // The AWS SDK's own events are never shipped back, even at TRACE.
    Ok(())
}
