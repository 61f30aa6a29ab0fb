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

use std::fmt::Write as _;
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
        Some(scenario) if scenario.starts_with("backlog-") => backlog(&scenario),
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
            println!();
            println!(
                "| backlog of 1,000,000 events (nothing sent) | payload + 26 | bytes held per event (RSS) | ratio |"
            );
            println!("|---|---:|---:|---:|");
            for scenario in ["backlog-handle", "backlog-tracing"] {
                let out = Command::new(std::env::current_exe().unwrap())
                    .args(["--scenario", scenario])
                    .output()
                    .unwrap();
                print!("{}", String::from_utf8_lossy(&out.stdout));
            }
        }
    }
}

/// Memory per queued event with a backlog of a million ~200-byte JSON events not sent yet (send
/// interval 1 h, bound large enough for all): RSS growth per event against the event's
/// payload plus 26 (issue 12: ≤ 1.3×). Then a flush ships them to an in-process sink, whose
/// count of bytes gives the exact payload.
fn backlog(scenario: &str) {
    const EVENTS: usize = 1_000_000;
    let sink = watchtower_bench::sink::Sink::start().unwrap();
    // Requests are held (one in flight) until the memory is measured, then let through.
    let proxy = watchtower_testkit::Proxy::start(&sink.endpoint());
    proxy.hold();
    let config = Config::builder()
        .log_group_name("memory")
        .log_stream_name("backlog")
        .max_queue_bytes(4 << 30)
        .max_concurrent_requests(1)
        .send_interval(Duration::from_secs(3600))
        .shutdown_timeout(Duration::ZERO)
        .warnings(std::sync::Arc::new(watchtower_logs::FnSink(
            |_: &watchtower_logs::Warning| {},
        )))
        .aws(AwsSettings::new().sdk_config(watchtower_testkit::sdk_config(&proxy.endpoint())))
        .build()
        .unwrap();
    let path = "/api/v1/items";
    let base;
    let per_event;
    match scenario {
        "backlog-handle" => {
            let (logs, guard) = config.start().unwrap();
            base = watchtower_bench::proc::rss_bytes();
            // Messages allocated to their length, as the Python front end and the CLI make
            // them (`format!` allocates about twice the length: that slack would be the
            // program's, not the shipper's).
            let mut scratch = String::new();
            for i in 0..EVENTS {
                scratch.clear();
                write!(
                    scratch,
                    "{{\"timestamp\":\"2026-12-01T17:00:00.000Z\",\"level\":\"INFO\",\
                     \"message\":\"request handled id={i:07} user=alice path={path} status=200\",\
                     \"fields\":{{}}}}"
                )
                .unwrap();
                logs.log(Record::new(scratch.as_str().to_owned()).logger_name("app"));
            }
            assert_eq!(logs.stats().queued_events, EVENTS as u64, "all queued");
            per_event = (watchtower_bench::proc::rss_bytes() - base) as f64 / EVENTS as f64;
            proxy.release();
            logs.flush(Duration::from_secs(120)).unwrap();
            drop(guard);
        }
        "backlog-tracing" => {
            let (layer, guard) = watchtower_logs::tracing::layer(config).unwrap();
            let handle = layer.handle().clone();
            let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
            base = watchtower_bench::proc::rss_bytes();
            tracing::dispatcher::with_default(&dispatch, || {
                for i in 0..EVENTS {
                    tracing::info!(
                        target: "app",
                        "request handled id={:07} user={} path={} status={}",
                        i,
                        "alice",
                        path,
                        200
                    );
                }
            });
            // The buffers hold the events until the worker drains them: wait until all are
            // queued (a flush would also send them).
            while handle.stats().queued_events < EVENTS as u64 {
                std::thread::sleep(Duration::from_millis(10));
            }
            per_event = (watchtower_bench::proc::rss_bytes() - base) as f64 / EVENTS as f64;
            proxy.release();
            handle.flush(Duration::from_secs(120)).unwrap();
            drop(guard);
        }
        other => panic!("unknown scenario {other}"),
    }
    let stats = sink.stats();
    assert_eq!(stats.events, EVENTS as u64, "the sink got every event");
    let counted = (stats.bytes / stats.events) as usize;
    println!(
        "| {scenario} | {counted} | {per_event:.0} | {:.2} |",
        per_event / counted as f64
    );
    let _ = std::io::stdout().flush();
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
