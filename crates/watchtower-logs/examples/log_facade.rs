//! Ship `log` records (with key-values) to CloudWatch Logs.
//!
//! Needs AWS credentials and a region from the environment (or a profile), or an emulator:
//!
//! ```sh
//! AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_REGION=us-east-1 \
//! AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
//! cargo run -p watchtower-logs --features log --example log_facade
//! ```
//!
//! Records go to log group `watchtower-example`, one stream per target.

use log::LevelFilter;
use watchtower_logs::Config;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::builder()
        .log_group_name("watchtower-example")
        .log_stream_name("{machine_name}/{logger_name}")
        .build()?;
    // Keep the guard until the end of `main`: dropping it delivers what is still queued.
    let _guard = watchtower_logs::log::init_with_level(config, LevelFilter::Debug)?;

    log::info!(user = 42, plan = "pro"; "signed up");
    log::debug!(target: "billing", amount = 12.5, currency = "EUR"; "card charged");
    log::trace!("not shipped: above the Debug filter");
    Ok(())
}
