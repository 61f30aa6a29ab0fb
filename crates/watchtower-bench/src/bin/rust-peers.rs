//! `rust-peers`: our `tracing` layer and `log` front end against `tracing-cloudwatch`, in one
//! run, with the same message and the same sink.
//!
//! ```text
//! rust-peers [--events N] [--rounds R] [--json PATH] [--scenarios a,b,...] [--floor-iterations K]
//! ```
//!
//! With `--rounds R` every scenario runs R times, round after round (each round runs them all,
//! in order), so that a shared machine's drift falls on every shipper alike; each figure
//! reported is then the median of its R values (every round's values are kept in the JSON,
//! under `rounds`). The floor runs in the first round only.
//!
//! The parent starts the bench sink in-process and runs each scenario in its own child process
//! (`rust-peers child SCENARIO ENDPOINT N`), so that each peak-memory number (`VmHWM`) belongs
//! to one client alone. A child logs N events from its main thread, timing only the logging
//! calls (ns per event in the calling thread: wall time, and the thread's own CPU time, which
//! a busy machine does not inflate), then flushes (our `Handle::flush`,
//! tracing-cloudwatch's `guard.shutdown()`) and waits (bounded) until the sink has counted
//! all N events: end-to-end events/s run from the first log call to that moment. It prints
//! one `RESULT {json}` line.
//!
//! Scenarios:
//! - `tracing-baseline`: the `tracing` macro with a registry and an INFO filter, no shipping
//!   layer (what any layer costs on top of);
//! - `ours-tracing-json` / `ours-tracing-plain`: our layer, JSON (default) and plain text;
//! - `ours-tracing-json-nogzip`: the JSON layer with compression off (what gzip costs in CPU
//!   and saves in bytes on the wire: `wire bytes/event` against `bytes/event`);
//! - `ours-log-json`: our `log` front end;
//! - `ours-core-floor-shape`: the core's `Handle::log` with messages shaped like the floor
//!   batch (10,000 events of 1 MiB), to compare end to end with the floor;
//! - `tracing-cloudwatch`: tracing-cloudwatch 0.4 (its default text format, file and line;
//!   it has no flush, and its shutdown sends all that is queued as one request, refused when
//!   over 10,000 events or 1 MiB: the child waits until less than one batch is left, then
//!   calls `shutdown`),
//!   batch size 6,500 (it counts events, not bytes: 6,500 batches of this message stay under
//!   1 MiB; the default 5 would mean 200,000 requests), on a 2-worker
//!   tokio runtime;
//! - `floor`: the floor batch through the SDK in memory, phase by phase (no sink).
//!
//! Same configuration for all shippers: log group `bench`, send interval 5 s, INFO filter.
//! Ours: the default stream name template (rendered per event), and a queue bound of 1 GiB
//! so that nothing is dropped while N events are queued faster than they ship
//! (tracing-cloudwatch's queue is unbounded).

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::prelude::*;
use watchtower_bench::proc::{cpu_total, peak_rss_bytes, thread_cpu_time, thread_minor_faults};
use watchtower_bench::sink::{Sink, SinkClient};
use watchtower_bench::{floor, peers};
use watchtower_logs::{AwsSettings, Config, Format, Handle, Record};

const SCENARIOS: [&str; 8] = [
    "tracing-baseline",
    "ours-tracing-json",
    "ours-tracing-json-nogzip",
    "ours-tracing-plain",
    "ours-log-json",
    "ours-core-floor-shape",
    "tracing-cloudwatch",
    "floor",
];

/// tracing-cloudwatch's batch size: it counts events, not bytes, so a count whose batches stay
/// under 1,048,576 bytes with this benchmark's messages (up to 151 bytes each with the 26
/// counted per event: 6,500 make 981,500). With 10,000 (or 7,000) batches break the limit and
/// the service (like the sink) refuses them whole.
const TCW_BATCH_SIZE: usize = 6_500;

const SEND_INTERVAL: Duration = Duration::from_secs(5);
/// Longest wait for a flush.
const FLUSH_BOUND: Duration = Duration::from_secs(180);
/// Longest wait, after the flush returned, for the sink to count every event.
const DELIVERY_BOUND: Duration = Duration::from_secs(20);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child") {
        let [_, scenario, endpoint, n] = &args[..] else {
            eprintln!("usage: rust-peers child SCENARIO ENDPOINT N");
            std::process::exit(2);
        };
        let n: u64 = n.parse().expect("N is a number");
        let result = run_child(scenario, endpoint, n);
        println!("RESULT {result}");
        return;
    }
    let mut events = 1_000_000u64;
    let mut json_out: Option<String> = None;
    let mut scenarios: Vec<String> = SCENARIOS.iter().map(|s| s.to_string()).collect();
    let mut floor_iterations = 30usize;
    let mut rounds = 1usize;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--events" => events = it.next().and_then(|v| v.parse().ok()).expect("--events N"),
            "--json" => json_out = it.next(),
            "--rounds" => {
                rounds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&r| r > 0)
                    .expect("--rounds R (at least 1)")
            }
            "--scenarios" => {
                scenarios = it
                    .next()
                    .expect("--scenarios a,b")
                    .split(',')
                    .map(str::to_owned)
                    .collect()
            }
            "--floor-iterations" => {
                floor_iterations = it.next().and_then(|v| v.parse().ok()).expect("K")
            }
            other => {
                eprintln!("rust-peers: unknown argument {other:?}");
                eprintln!("usage: rust-peers [--events N] [--rounds R] [--json PATH] [--scenarios a,b] [--floor-iterations K]");
                std::process::exit(2);
            }
        }
    }
    std::env::set_var("RUST_PEERS_FLOOR_ITERATIONS", floor_iterations.to_string());

    let sink = Sink::start().expect("start the bench sink");
    let exe = std::env::current_exe().expect("own path");
    let mut runs: Vec<Vec<Value>> = vec![Vec::new(); scenarios.len()];
    for round in 1..=rounds {
        for (scenario, done) in scenarios.iter().zip(&mut runs) {
            if scenario == "floor" && round > 1 {
                continue;
            }
            eprintln!("rust-peers: {scenario} ({events} events, round {round} of {rounds})");
            done.push(run_scenario(&exe, &sink, scenario, events));
        }
    }
    let results: Vec<Value> = runs
        .into_iter()
        .map(watchtower_bench::rounds::median_of_rounds)
        .collect();
    let report = json!({
        "events": events,
        "rounds": rounds,
        "send_interval_secs": SEND_INTERVAL.as_secs_f64(),
        "results": results,
    });
    print_table(&report);
    if let Some(path) = json_out {
        std::fs::write(&path, serde_json::to_string_pretty(&report).expect("json"))
            .expect("write the JSON report");
    }
}

/// Runs `scenario` in a child process against `sink`: its result line, or an error.
fn run_scenario(exe: &std::path::Path, sink: &Sink, scenario: &str, events: u64) -> Value {
    sink.reset();
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args(["child", scenario, &sink.endpoint(), &events.to_string()])
        // anyhow (in tracing-cloudwatch) would capture a backtrace per error.
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn a scenario");
    let mut result: Option<Value> = None;
    let stdout = child.stdout.take().expect("piped stdout");
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(rest) = line.strip_prefix("RESULT ") {
            result = serde_json::from_str(rest).ok();
        }
    }
    let status = child.wait().expect("wait for a scenario");
    let mut value = result.unwrap_or_else(
        || json!({"scenario": scenario, "error": format!("no result (exit status {status})")}),
    );
    value["wall_secs"] = json!(started.elapsed().as_secs_f64());
    let stats = sink.stats();
    value["sink_rejected_requests"] = json!(stats.rejected_requests);
    eprintln!("rust-peers: {value}");
    value
}

fn print_table(report: &Value) {
    println!(
        "| scenario | ns/event (calling thread, wall) | its CPU ns/event | its page faults per 1k events | end-to-end events/s | delivered | bytes/event | wire bytes/event | peak RSS MiB | CPU s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in report["results"].as_array().into_iter().flatten() {
        let f = |k: &str| r.get(k).and_then(Value::as_f64);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r["scenario"].as_str().unwrap_or("?"),
            f("ns_per_event").map_or("-".into(), |v| format!("{v:.0}")),
            f("thread_cpu_ns_per_event").map_or("-".into(), |v| format!("{v:.0}")),
            f("thread_page_faults_per_1k_events").map_or("-".into(), |v| format!("{v:.1}")),
            f("e2e_events_per_sec").map_or("-".into(), |v| format!("{v:.0}")),
            f("delivered").map_or("-".into(), |v| format!("{v:.0}")),
            f("bytes_per_event").map_or("-".into(), |v| format!("{v:.1}")),
            f("wire_bytes_per_event").map_or("-".into(), |v| format!("{v:.1}")),
            f("peak_rss_bytes").map_or("-".into(), |v| format!("{:.1}", v / 1048576.0)),
            f("cpu_secs").map_or("-".into(), |v| format!("{v:.2}")),
        );
    }
}

// === the children ===

fn our_config(endpoint: &str) -> Config {
    our_builder(endpoint).build().expect("valid bench config")
}

fn our_builder(endpoint: &str) -> watchtower_logs::ConfigBuilder {
    Config::builder()
        .log_group_name("bench")
        .send_interval(SEND_INTERVAL)
        .max_queue_bytes(1 << 30)
        .aws(AwsSettings::new().sdk_config(watchtower_testkit::sdk_config(endpoint)))
}

/// What a shipper under test gives back after the timed logging loop.
enum Shipper {
    None,
    Ours(Handle, watchtower_logs::WorkerGuard),
    TracingCloudWatch(
        tokio::runtime::Runtime,
        tracing_cloudwatch::CloudWatchWorkerGuard,
    ),
}

#[inline(never)]
fn log_tracing(n: u64) {
    for i in 0..n {
        tracing::info!(
            "request handled id={} user={} path={} status={}",
            i,
            "alice",
            "/api/v1/items",
            200
        );
    }
}

#[inline(never)]
fn log_log(n: u64) {
    for i in 0..n {
        log::info!(
            "request handled id={} user={} path={} status={}",
            i,
            "alice",
            "/api/v1/items",
            200
        );
    }
}

/// The core directly, with messages shaped like the floor batch's (78 or 79 bytes of JSON).
#[inline(never)]
fn log_core(handle: &Handle, n: u64) {
    for i in 0..n {
        let mut m = String::with_capacity(80);
        let _ = write!(
            m,
            "{{\"level\":\"INFO\",\"msg\":\"request handled\",\"id\":{i},\"pad\":\""
        );
        let len = if i % 10_000 < 8_576 { 79 } else { 78 };
        while m.len() < len - 2 {
            m.push('x');
        }
        m.push_str("\"}");
        handle.log(Record::new(m).logger_name("bench"));
    }
}

fn run_child(scenario: &str, endpoint: &str, n: u64) -> Value {
    if scenario == "floor" {
        return run_floor();
    }
    let sink = SinkClient::new(endpoint);
    let base = sink.stats().map(|s| s.events).unwrap_or(0);
    let filter = LevelFilter::INFO;
    let shipper = match scenario {
        "tracing-baseline" => {
            tracing_subscriber::registry().with(filter).init();
            Shipper::None
        }
        "ours-tracing-json" | "ours-tracing-plain" | "ours-tracing-json-nogzip" => {
            let config = our_builder(endpoint)
                .compression(!scenario.ends_with("nogzip"))
                .build()
                .expect("valid bench config");
            let (layer, guard) = watchtower_logs::tracing::layer(config).expect("start");
            let format = if scenario.ends_with("plain") {
                Format::Plain
            } else {
                Format::Json
            };
            let handle = layer.handle().clone();
            tracing_subscriber::registry()
                .with(filter)
                .with(layer.with_format(format))
                .init();
            Shipper::Ours(handle, guard)
        }
        "ours-log-json" => {
            let (logger, guard) =
                watchtower_logs::log::CloudWatchLogger::start(our_config(endpoint)).expect("start");
            let handle = logger.handle().clone();
            logger
                .with_max_level(log::LevelFilter::Info)
                .install()
                .expect("install the logger");
            Shipper::Ours(handle, guard)
        }
        "ours-core-floor-shape" => {
            let (handle, guard) = our_config(endpoint).start().expect("start");
            Shipper::Ours(handle, guard)
        }
        "tracing-cloudwatch" => {
            let tcw = peers::tracing_cloudwatch(endpoint, TCW_BATCH_SIZE, SEND_INTERVAL);
            tracing_subscriber::registry()
                .with(filter)
                .with(tcw.layer)
                .init();
            Shipper::TracingCloudWatch(tcw.runtime, tcw.guard)
        }
        other => {
            return json!({"scenario": other, "error": "unknown scenario"});
        }
    };

    let cpu0 = cpu_total();
    let thread0 = thread_cpu_time();
    let faults0 = thread_minor_faults();
    let t0 = Instant::now();
    match (scenario, &shipper) {
        ("ours-log-json", _) => log_log(n),
        ("ours-core-floor-shape", Shipper::Ours(handle, _)) => log_core(handle, n),
        _ => log_tracing(n),
    }
    let logged = t0.elapsed();
    let thread_cpu = thread_cpu_time().saturating_sub(thread0);
    let faults = thread_minor_faults().saturating_sub(faults0);

    let mut result = json!({
        "scenario": scenario,
        "events": n,
        "ns_per_event": logged.as_nanos() as f64 / n as f64,
        "thread_cpu_ns_per_event": thread_cpu.as_nanos() as f64 / n as f64,
        "thread_page_faults_per_1k_events": faults as f64 * 1000.0 / n as f64,
        "log_secs": logged.as_secs_f64(),
    });
    let flushed = match shipper {
        Shipper::None => {
            result["cpu_secs"] = json!((cpu_total() - cpu0).as_secs_f64());
            result["peak_rss_bytes"] = json!(peak_rss_bytes());
            return result;
        }
        Shipper::Ours(handle, guard) => {
            let flushed = handle.flush(FLUSH_BOUND);
            let stats = handle.stats();
            result["dropped"] = json!(stats.dropped.total());
            result["retries"] = json!(stats.retries);
            result["batches"] = json!(stats.batches);
            let waited = sink.wait_for(base + n, DELIVERY_BOUND);
            let e2e = t0.elapsed();
            result["flush"] = json!(format!("{flushed:?}"));
            record_delivery(&mut result, waited, base, n, e2e, cpu0);
            drop(guard);
            return result;
        }
        Shipper::TracingCloudWatch(rt, guard) => {
            // tracing-cloudwatch has no flush, and its shutdown sends everything still queued
            // as ONE request, which the service refuses when it holds more than 10,000 events
            // or 1 MiB (so a burst loses its tail). Let its exporter ship full batches first,
            // until fewer than one batch is left, then shut down to send the rest.
            let full_batches = (n + 1).saturating_sub(TCW_BATCH_SIZE as u64);
            let _ = sink.wait_for(base + full_batches, FLUSH_BOUND);
            rt.block_on(guard.shutdown());
            rt
        }
    };
    let waited = sink.wait_for(base + n, DELIVERY_BOUND);
    let e2e = t0.elapsed();
    record_delivery(&mut result, waited, base, n, e2e, cpu0);
    drop(flushed);
    result
}

fn record_delivery(
    result: &mut Value,
    waited: std::io::Result<watchtower_bench::Waited>,
    base: u64,
    n: u64,
    e2e: Duration,
    cpu0: Duration,
) {
    result["cpu_secs"] = json!((cpu_total() - cpu0).as_secs_f64());
    result["peak_rss_bytes"] = json!(peak_rss_bytes());
    match waited {
        Ok(w) => {
            let delivered = w.stats.events.saturating_sub(base);
            result["delivered"] = json!(delivered);
            result["all_delivered"] = json!(w.reached && delivered == n);
            result["sink_bytes"] = json!(w.stats.bytes);
            result["put_requests"] = json!(w.stats.put_requests);
            result["bytes_per_event"] = json!(w.stats.bytes as f64 / w.stats.events.max(1) as f64);
            // Request bodies as sent (gzipped or not), per event: the bytes on the wire.
            result["wire_bytes"] = json!(w.stats.wire_bytes);
            result["wire_bytes_per_event"] =
                json!(w.stats.wire_bytes as f64 / w.stats.events.max(1) as f64);
            result["e2e_secs"] = json!(e2e.as_secs_f64());
            result["e2e_events_per_sec"] = json!(delivered as f64 / e2e.as_secs_f64());
            if !w.reached {
                result["error"] = json!(format!(
                    "only {delivered} of {n} events reached the sink in time"
                ));
            }
        }
        Err(e) => result["error"] = json!(format!("cannot read the sink: {e}")),
    }
}

fn run_floor() -> Value {
    let iterations = std::env::var("RUST_PEERS_FLOOR_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let r = floor::measure_floor(5, iterations);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    json!({
        "scenario": "floor",
        "iterations": r.iterations,
        "events": floor::FLOOR_EVENTS,
        "batch_bytes": floor::FLOOR_BYTES,
        "body_bytes": r.body_bytes,
        "build_ms": ms(r.build),
        "pre_serialize_ms": ms(r.pre_serialize),
        "serialize_ms": ms(r.serialize),
        "pre_sign_ms": ms(r.pre_sign),
        "sign_ms": ms(r.sign),
        "transmit_and_parse_ms": ms(r.transmit_and_parse),
        "finish_ms": ms(r.finish),
        "total_ms": ms(r.total),
        "cpu_ms": ms(r.cpu),
        "ns_per_event": r.total.as_nanos() as f64 / floor::FLOOR_EVENTS as f64,
        "ceiling_events_per_sec": r.ceiling_events_per_sec(),
        "peak_rss_bytes": peak_rss_bytes(),
    })
}
