//! The demo behind `scripts/demo`: starts a local moto server (the CloudWatch Logs emulator),
//! ships a few events through the core, reads them back and prints them.
//!
//! Run it with `scripts/demo` (which prepares the Python venv with moto), or directly with
//! `cargo run -p watchtower-logs --example demo` when `moto[server]` is installed.

use std::time::Duration;

use watchtower_logs::{AwsSettings, Config, Record};
use watchtower_testkit::Moto;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let moto = Moto::start();
    println!(
        "moto (local CloudWatch Logs emulator) listening on {}",
        moto.endpoint()
    );

    let (logs, guard) = Config::builder()
        .log_group_name("watchtower-demo")
        .log_stream_name("{machine_name}/{logger_name}")
        .send_interval(Duration::from_secs(5))
        .retention_days(7)
        .aws(
            AwsSettings::new()
                .endpoint_url(moto.endpoint())
                .region("us-east-1")
                .credentials("demo", "demo", None),
        )
        .build()?
        .start()?;

    logs.log(Record::new("service started").logger_name("app"));
    logs.log(Record::new(r#"{"event": "login", "user": 42}"#).logger_name("app.auth"));
    logs.log(Record::new("héllo, wörld: unicode is fine ✓").logger_name("app"));
    for i in 1..=3 {
        logs.log(
            Record::new(format!("request {i} served in {} ms", 10 * i)).logger_name("app.http"),
        );
    }
    logs.flush(Duration::from_secs(30))?;
    let stats = logs.stats();
    drop(guard);

    println!(
        "\nshipped {} events in {} batches; read back from CloudWatch Logs:",
        stats.delivered, stats.batches
    );
    for stream in moto.streams("watchtower-demo") {
        println!("\n  stream {stream}");
        for event in moto.events("watchtower-demo", &stream) {
            let time = chrono::DateTime::from_timestamp_millis(event.timestamp).unwrap_or_default();
            println!(
                "    {}  {}",
                time.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                event.message
            );
        }
    }
    println!(
        "\nretention: {:?} days; dropped: {}",
        moto.retention_days("watchtower-demo"),
        stats.dropped.total()
    );
    Ok(())
}
