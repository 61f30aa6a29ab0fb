//! Criterion benches of the hot paths: the stream-name template, the batch builder (push, then
//! cut + sort + split), the request encoding, the floor (build, encode and sign one 1 MiB batch
//! of 10,000 events through the AWS SDK, in memory and over loopback to the bench sink), the
//! core's own encoding of that batch, the sink's own scan, and the gzip of a request body
//! (`encode.rs`, compiled from its source like the modules below). The calling thread's benches
//! are in `calling_thread.rs`.
//!
//! The batch builder and the queues are private to `watchtower-logs`; this file compiles the
//! core's own source files (`record.rs`, `batch.rs`, `stats.rs`, `queue.rs`) as modules of the
//! bench, unchanged, so that the code measured is the code shipped. If one of them starts to
//! use another core module, add a shim below.
//!
//! Short runs: `cargo bench -p watchtower-bench --bench hot_paths -- --warm-up-time 1
//! --measurement-time 2` (what `scripts/bench` does).

use std::hint::black_box;
use std::time::{Duration, Instant};

mod common;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use watchtower_bench::floor::{self, FloorEvent, FLOOR_EVENTS};
use watchtower_bench::sink::{scan_put_log_events, Sink};
use watchtower_logs::template::{RenderContext, StreamNameTemplate, TemplateValues};

// --- the core's private pipeline modules, compiled from its sources ---

/// Shim: the core's `crate::limits` (public).
mod limits {
    pub(crate) use watchtower_logs::limits::*;
}

/// Shim: the core's `crate::config` (only `OverflowPolicy` is used by the queues).
mod config {
    pub(crate) use watchtower_logs::OverflowPolicy;
}

#[allow(dead_code, unreachable_pub)]
#[path = "../../watchtower-logs/src/record.rs"]
mod record;

#[allow(dead_code, unreachable_pub)]
#[path = "../../watchtower-logs/src/batch.rs"]
mod batch;

#[allow(dead_code, unreachable_pub)]
#[path = "../../watchtower-logs/src/stats.rs"]
mod stats;

#[allow(dead_code, unreachable_pub)]
#[path = "../../watchtower-logs/src/queue.rs"]
mod queue;

#[allow(dead_code, unreachable_pub)]
#[path = "../../watchtower-logs/src/deadline.rs"]
mod deadline;

use batch::BatchLimits;
use queue::Queues;
use stats::Counters;

const LIMITS: BatchLimits = BatchLimits {
    max_bytes: 1_048_576,
    max_count: 10_000,
};

fn values() -> TemplateValues {
    TemplateValues {
        machine_name: "ip-10-0-12-34.eu-west-1.compute.internal".into(),
        program_name: "/srv/app/bin/api-server".into(),
        process_id: 424242,
    }
}

fn template(c: &mut Criterion) {
    let mut g = c.benchmark_group("template");
    g.throughput(Throughput::Elements(1));
    let ctx = RenderContext {
        logger_name: "my_app::handlers::users",
        thread_name: Some("tokio-runtime-worker"),
        timestamp_ms: 1_700_000_000_000,
    };
    let cases = [
        ("default", watchtower_logs::DEFAULT_LOG_STREAM_NAME),
        (
            "strftime_logger_thread",
            "{strftime:%Y-%m-%d}/{logger_name}/{thread_name}",
        ),
        ("sanitised_logger", "{machine_name}/{logger_name}"),
    ];
    for (name, source) in cases {
        let t = StreamNameTemplate::parse(source, values()).expect("valid template");
        let mut buf = String::new();
        let mut ts = ctx.timestamp_ms;
        g.bench_function(name, |b| {
            b.iter(|| {
                ts += 1;
                let ctx = RenderContext {
                    timestamp_ms: ts,
                    logger_name: if name == "sanitised_logger" {
                        "weird:logger*name"
                    } else {
                        ctx.logger_name
                    },
                    ..ctx
                };
                t.render_into(&mut buf, black_box(&ctx));
                black_box(buf.len())
            })
        });
    }
    g.finish();
}

/// Deterministic shuffle (xorshift), so runs are comparable.
fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        v.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

fn filled_queue(events: &[FloorEvent]) -> (Queues, Counters) {
    let q = Queues::new(LIMITS, 1 << 30);
    let c = Counters::default();
    for e in events {
        q.push(
            "app/stream",
            e.timestamp_ms,
            e.message.clone(),
            watchtower_logs::OverflowPolicy::DropNewest,
            &c,
            || {},
        );
    }
    (q, c)
}

fn batching(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch");
    let events = floor::floor_events();
    g.throughput(Throughput::Elements(FLOOR_EVENTS as u64));

    g.bench_function("push_10k", |b| {
        b.iter_batched(
            || {
                (
                    Queues::new(LIMITS, 1 << 30),
                    Counters::default(),
                    events.clone(),
                )
            },
            |(q, c, events)| {
                for e in events {
                    q.push(
                        "app/stream",
                        e.timestamp_ms,
                        e.message,
                        watchtower_logs::OverflowPolicy::DropNewest,
                        &c,
                        || {},
                    );
                }
                (q, c)
            },
            BatchSize::LargeInput,
        )
    });

    let cut = |name: &str, events: Vec<FloorEvent>, g: &mut criterion::BenchmarkGroup<_>| {
        g.throughput(Throughput::Elements(events.len() as u64));
        g.bench_function(name, |b| {
            b.iter_batched(
                || filled_queue(&events),
                |(q, c)| {
                    let (batches, _) = q.take_due(Instant::now(), Duration::from_secs(60), true);
                    (batches, q, c)
                },
                BatchSize::LargeInput,
            )
        });
    };
    cut("cut_sort_split_10k_in_order", events.clone(), &mut g);
    let mut shuffled = events.clone();
    shuffle(&mut shuffled, 0x9E37_79B9_7F4A_7C15);
    cut("cut_sort_split_10k_shuffled", shuffled, &mut g);
    // 20,000 events over 48 hours, shuffled: two batches by count, then 24-hour splits.
    let mut two_days = floor::events(20_000, 2 * floor::FLOOR_BYTES, 0);
    for (i, e) in two_days.iter_mut().enumerate() {
        e.timestamp_ms = 1_700_000_000_000 + (i as i64) * 8_640;
    }
    shuffle(&mut two_days, 7);
    cut("cut_sort_split_20k_48h_shuffled", two_days, &mut g);
    g.finish();
}

fn encoding(c: &mut Criterion) {
    let events = floor::floor_events();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let mut g = c.benchmark_group("floor");
    g.throughput(Throughput::Elements(FLOOR_EVENTS as u64));
    g.bench_function("input_log_events_10k", |b| {
        b.iter(|| floor::to_input_events(black_box(&events)))
    });

    let connector = floor::InMemoryConnector::keeping_bodies();
    let client = floor::in_memory_client(connector.clone());
    g.bench_function("sdk_in_memory_1mib_10k", |b| {
        b.iter(|| {
            rt.block_on(floor::put_batch(&client, &events))
                .expect("put")
        })
    });

    let sink = Sink::start().expect("sink");
    let sink_client = watchtower_testkit::client(&sink.endpoint());
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    g.bench_function("sdk_loopback_sink_1mib_10k", |b| {
        b.iter(|| {
            multi
                .block_on(floor::put_batch(&sink_client, &events))
                .expect("put")
        })
    });
    // The core's own encoding of the same batch (`encode.rs`), without signing, plain and
    // gzipped: what replaced the SDK's serialization of the events.
    let queued: Vec<record::QueuedEvent> = events
        .iter()
        .map(|e| record::QueuedEvent::text(e.timestamp_ms, e.message.clone(), u64::MAX))
        .collect();
    g.bench_function("core_encode_1mib_10k", |b| {
        b.iter(|| encode::PutBody::encode("bench", "s", black_box(&queued), false))
    });
    g.bench_function("core_encode_gzip_1mib_10k", |b| {
        b.iter(|| encode::PutBody::encode("bench", "s", black_box(&queued), true))
    });
    let stats = sink.stats();
    assert_eq!(stats.rejected_requests, 0, "the sink refused a floor batch");
    assert_eq!(stats.bytes, stats.put_requests * floor::FLOOR_BYTES as u64);
    g.finish();

    // The sink's own cost per batch: it must stay well below the client's.
    rt.block_on(floor::put_batch(&client, &events))
        .expect("put");
    let body = connector.last_body();
    let mut g = c.benchmark_group("sink");
    g.throughput(Throughput::Elements(FLOOR_EVENTS as u64));
    g.bench_function("scan_1mib_10k", |b| {
        b.iter(|| scan_put_log_events(black_box(&body)).expect("scan"))
    });
    g.finish();
}

// Its unit tests do not run here (harness = false), hence `unused_imports`.
#[allow(dead_code, unreachable_pub, unused_imports)]
#[path = "../../watchtower-logs/src/encode.rs"]
mod encode;

#[allow(dead_code, unreachable_pub)]
#[path = "../../watchtower-logs/src/escape.rs"]
mod escape;

/// A PutLogEvents body of `n` JSON log lines shaped like our `tracing` layer's output (time,
/// level, target, the formatted message, fields), the JSON the SDK serializes.
fn json_logs_body(n: usize) -> String {
    let events: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let message = serde_json::json!({
                "timestamp": format!("2026-12-01T10:{:02}:{:02}.{:06}Z", i / 60_000 % 60, i / 1000 % 60, i * 37 % 1_000_000),
                "level": "INFO",
                "target": "shop::http",
                "fields": {
                    "message": format!(
                        "request handled id={i} user={} path=/api/v1/items/{} status={}",
                        ["alice", "bob", "carol"][i % 3],
                        i * 7919 % 10_000,
                        [200, 200, 404][i % 3]
                    ),
                    "latency_ms": i * 13 % 400,
                },
            })
            .to_string();
            serde_json::json!({ "timestamp": 1_700_000_000_000u64 + i as u64, "message": message })
        })
        .collect();
    serde_json::json!({ "logGroupName": "bench", "logStreamName": "s", "logEvents": events })
        .to_string()
}

/// gzip of a PutLogEvents body as the core sends it (`encode.rs`: zlib-rs, level 1), per
/// event, next to the default level; the sizes are printed once.
fn gzip(c: &mut Criterion) {
    use std::io::Write as _;
    let n = 5000;
    let body = json_logs_body(n);
    let level6 = |data: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    };
    let l1 = encode::gzip(body.as_bytes()).expect("compressible").len();
    let l6 = level6(body.as_bytes()).len();
    eprintln!(
        "gzip: {n} JSON events, body {} bytes ({:.1}/event): level 1 {l1} bytes ({:.3}, \
         {:.1}/event), level 6 {l6} bytes ({:.3})",
        body.len(),
        body.len() as f64 / n as f64,
        l1 as f64 / body.len() as f64,
        l1 as f64 / n as f64,
        l6 as f64 / body.len() as f64
    );
    let mut g = c.benchmark_group("gzip");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("put_log_events_body_level1", |b| {
        b.iter(|| encode::gzip(black_box(body.as_bytes())))
    });
    g.bench_function("put_log_events_body_level6", |b| {
        b.iter(|| level6(black_box(body.as_bytes())))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = template, batching, encoding, gzip
}
criterion_main!(benches);
