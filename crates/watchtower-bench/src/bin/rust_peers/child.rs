//! `rust-peers`' children: each runs one scenario in a process of its own (see the binary's
//! documentation), logging, flushing and waiting for the sink, and prints one `RESULT` line.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::prelude::*;
use watchtower_bench::proc::{cpu_total, peak_rss_bytes, thread_cpu_time, thread_minor_faults};
use watchtower_bench::sink::SinkClient;
use watchtower_bench::{floor, peers};
use watchtower_logs::{AwsSettings, Config, Format, Handle, Record};

use super::SEND_INTERVAL;

/// tracing-cloudwatch's batch size: it counts events, not bytes, so a count whose batches stay
/// under 1,048,576 bytes with this benchmark's messages (up to 151 bytes each with the 26
/// counted per event: 6,500 make 981,500). With 10,000 (or 7,000) batches break the limit and
/// the service (like the sink) refuses them whole.
const TCW_BATCH_SIZE: usize = 6_500;
/// Longest wait for a flush.
const FLUSH_BOUND: Duration = Duration::from_secs(180);
/// Longest wait, after the flush returned, for the sink to count every event.
const DELIVERY_BOUND: Duration = Duration::from_secs(20);

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

pub(super) fn run_child(scenario: &str, endpoint: &str, n: u64) -> Value {
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
