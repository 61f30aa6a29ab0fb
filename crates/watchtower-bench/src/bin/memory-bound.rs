//! Peak memory against `max_queue_bytes`: bursts far larger than the bound, logged while the
//! endpoint answers nothing (every request is held), so that the queues fill to the bound and
//! stay there. Each scenario runs in its own process (peak RSS is per process):
//!
//! ```text
//! memory-bound                      # every scenario, one child process each, a table
//! memory-bound --scenario tracing-8-threads --bound-mib 64
//! ```
//!
//! Prints peak RSS, the base RSS before the shipper started, (peak - base) / bound, and whether
//! the peak is within the documented promise: 1.5 × the bound plus a fixed 12 MiB (the
//! runtime, the HTTP client and a few hundred KiB per logging thread).

use std::io::Write as _;
use std::process::Command;
use std::time::Duration;

use tracing_subscriber::prelude::*;
use watchtower_bench::proc::peak_rss_bytes;
use watchtower_logs::{AwsSettings, Config, Record};

/// The fixed part of the promise, in MiB.
const FIXED_MIB: usize = 12;

const SCENARIOS: [&str; 3] = ["handle-1-thread", "tracing-8-threads", "log-8-threads"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let bound_mib: usize = get("--bound-mib").map_or(64, |s| s.parse().unwrap());
    match get("--scenario") {
        Some(scenario) => run(&scenario, bound_mib),
        None => {
            println!(
                "| scenario | bound | base RSS | peak RSS | (peak - base) / bound | \
                 within 1.5 × bound + {FIXED_MIB} MiB |"
            );
            println!("|---|---:|---:|---:|---:|---|");
            for scenario in SCENARIOS {
                let out = Command::new(std::env::current_exe().unwrap())
                    .args([
                        "--scenario",
                        scenario,
                        "--bound-mib",
                        &bound_mib.to_string(),
                    ])
                    .output()
                    .unwrap();
                print!("{}", String::from_utf8_lossy(&out.stdout));
            }
        }
    }
}

/// An endpoint that accepts connections and never answers.
fn silent_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn run(scenario: &str, bound_mib: usize) {
    let bound = bound_mib << 20;
    let base = peak_rss_bytes();
    let config = Config::builder()
        .log_group_name("memory")
        .log_stream_name("{logger_name}")
        .max_queue_bytes(bound)
        .send_interval(Duration::from_millis(100))
        .shutdown_timeout(Duration::ZERO)
        .warnings(std::sync::Arc::new(watchtower_logs::FnSink(
            |_: &watchtower_logs::Warning| {},
        )))
        .aws(
            AwsSettings::new()
                .endpoint_url(silent_endpoint())
                .region("us-east-1")
                .credentials("testing", "testing-secret", None),
        )
        .build()
        .unwrap();
    // Four times the bound, in ~200-byte messages.
    let events = 4 * bound / 200;
    let payload = "x".repeat(150);
    match scenario {
        "handle-1-thread" => {
            let (logs, guard) = config.start().unwrap();
            for i in 0..events {
                logs.log(Record::new(format!("{payload} {i}")).logger_name("app"));
            }
            std::thread::sleep(Duration::from_secs(1));
            drop(guard);
        }
        "tracing-8-threads" => {
            let (layer, guard) = watchtower_logs::tracing::layer(config).unwrap();
            let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
            burst(events, |i| {
                tracing::dispatcher::with_default(
                    &dispatch,
                    || tracing::info!(target: "app", i, "{payload} {i}"),
                )
            });
            std::thread::sleep(Duration::from_secs(1));
            drop(guard);
        }
        "log-8-threads" => {
            let (logger, guard) = watchtower_logs::log::CloudWatchLogger::start(config).unwrap();
            let logger: &'static _ = Box::leak(Box::new(logger));
            log::set_max_level(log::LevelFilter::Trace);
            burst(
                events,
                |i| log::info!(logger: logger, target: "app", i; "{payload} {i}"),
            );
            std::thread::sleep(Duration::from_secs(1));
            drop(guard);
        }
        other => panic!("unknown scenario {other}"),
    }
    let peak = peak_rss_bytes();
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    let within = (peak - base) as f64 <= 1.5 * bound as f64 + (FIXED_MIB << 20) as f64;
    println!(
        "| {scenario} | {bound_mib} MiB | {:.0} MiB | {:.0} MiB | {:.2} | {} |",
        mib(base),
        mib(peak),
        (peak - base) as f64 / bound as f64,
        if within { "yes" } else { "**no**" }
    );
    let _ = std::io::stdout().flush();
}

fn burst(events: usize, log: impl Fn(usize) + Sync) {
    std::thread::scope(|s| {
        for t in 0..8 {
            let log = &log;
            s.spawn(move || {
                for i in (t..events).step_by(8) {
                    log(i);
                }
            });
        }
    });
}
