//! The hand-off from a logging thread to the shipper, re-measured (issue 10): our per-thread
//! buffers (`watchtower_logs::tracing`, the code shipped) against the simplest design there is,
//! tracing-appender's: each event captured into an owned value and sent through a bounded
//! crossbeam channel to a consumer thread (a prototype here, byte-bounded like ours, whose
//! consumer renders the event to JSON and drops it). tracing-cloudwatch is the reference.
//!
//! Calling-thread time per event, in timed runs of 5,000 events each followed (untimed) by
//! waiting until the consumer has everything, from 1 thread and from 4 threads at once.
//!
//! `cargo bench -p watchtower-bench --bench hand_off -- --warm-up-time 1 --measurement-time 3`

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tracing::field::{Field, Visit};
use tracing_subscriber::prelude::*;
use watchtower_bench::sink::Sink;

const RUN: u64 = 5_000;
const BOUND: usize = 64 << 20;

/// An event captured on the logging thread, owned.
struct Captured {
    time_ms: i64,
    level: &'static str,
    target: &'static str,
    text: String,
}

/// The prototype: capture into an owned value, reserve its bytes, send on a bounded channel.
struct ChannelLayer {
    tx: crossbeam_channel::Sender<Captured>,
    held: Arc<AtomicUsize>,
    dropped: Arc<AtomicU64>,
}

struct MessageVisitor<'a>(&'a mut String);

impl Visit for MessageVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for ChannelLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let time_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let mut text = String::new();
        event.record(&mut MessageVisitor(&mut text));
        let size = text.capacity() + 64;
        if self.held.fetch_add(size, Ordering::Relaxed) + size > BOUND {
            self.held.fetch_sub(size, Ordering::Relaxed);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let meta = event.metadata();
        let captured = Captured {
            time_ms,
            level: meta.level().as_str(),
            target: meta.target(),
            text,
        };
        if self.tx.try_send(captured).is_err() {
            self.held.fetch_sub(size, Ordering::Relaxed);
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The prototype's consumer: renders each event as JSON (as the worker would), counts it.
fn channel_layer() -> (ChannelLayer, Arc<AtomicU64>) {
    let (tx, rx) = crossbeam_channel::bounded::<Captured>(65_536);
    let held = Arc::new(AtomicUsize::new(0));
    let consumed = Arc::new(AtomicU64::new(0));
    let (held2, consumed2) = (held.clone(), consumed.clone());
    std::thread::spawn(move || {
        let mut out = String::new();
        for event in rx {
            out.clear();
            let _ = write!(
                out,
                "{{\"timestamp\":{},\"level\":\"{}\",\"target\":\"{}\",\"message\":{:?}}}",
                event.time_ms, event.level, event.target, event.text
            );
            std::hint::black_box(&out);
            held2.fetch_sub(event.text.capacity() + 64, Ordering::Relaxed);
            consumed2.fetch_add(1, Ordering::Relaxed);
        }
    });
    let layer = ChannelLayer {
        tx,
        held,
        dropped: Arc::new(AtomicU64::new(0)),
    };
    (layer, consumed)
}

fn log_events(from: u64, n: u64) {
    for k in from..from + n {
        tracing::info!(
            "request handled id={} user={} path={} status={}",
            k,
            "alice",
            "/api/v1/items",
            200
        );
    }
}

/// Times `iters` events from `threads` threads in runs of [`RUN`] each; `settle(total)` waits
/// (untimed) until the consumer has `total` events. Returns the calling threads' summed time,
/// so that criterion's time per iteration is the calling-thread time per event.
fn timed(iters: u64, threads: u64, dispatch: &tracing::Dispatch, settle: &dyn Fn(u64)) -> Duration {
    let mut timed = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let n = RUN.min(iters - done);
        let per_thread = n.div_ceil(threads);
        let elapsed: Duration = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    s.spawn(move || {
                        tracing::dispatcher::with_default(dispatch, || {
                            let start = Instant::now();
                            log_events(t * per_thread, per_thread);
                            start.elapsed()
                        })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        timed += elapsed;
        done += per_thread * threads;
        settle(per_thread * threads);
    }
    timed
}

fn hand_off(c: &mut Criterion) {
    let sink = Sink::start().expect("sink");
    let filter = tracing_subscriber::filter::LevelFilter::INFO;
    let mut g = c.benchmark_group("hand_off");
    g.throughput(Throughput::Elements(1));
    for threads in [1u64, 4] {
        let config = common::ours_config(&sink.endpoint());
        let (layer, guard) = watchtower_logs::tracing::layer(config).expect("start");
        let handle = layer.handle().clone();
        let ours = tracing::Dispatch::new(tracing_subscriber::registry().with(filter).with(layer));
        g.bench_function(format!("per_thread_buffers/{threads}_threads"), |b| {
            b.iter_custom(|iters| {
                timed(iters, threads, &ours, &|_| {
                    handle.flush(Duration::from_secs(30)).expect("flush")
                })
            })
        });
        assert_eq!(handle.stats().dropped.total(), 0, "nothing dropped");
        drop(guard);

        let (layer, consumed) = channel_layer();
        let dropped = layer.dropped.clone();
        let proto = tracing::Dispatch::new(tracing_subscriber::registry().with(filter).with(layer));
        let sent = AtomicU64::new(0);
        g.bench_function(format!("crossbeam_channel/{threads}_threads"), |b| {
            b.iter_custom(|iters| {
                timed(iters, threads, &proto, &|n| {
                    let target = sent.fetch_add(n, Ordering::Relaxed) + n;
                    while consumed.load(Ordering::Relaxed) + dropped.load(Ordering::Relaxed)
                        < target
                    {
                        std::thread::yield_now();
                    }
                })
            })
        });
        assert_eq!(dropped.load(Ordering::Relaxed), 0, "nothing dropped");

        let tcw = watchtower_bench::peers::tracing_cloudwatch(
            &sink.endpoint(),
            6_500,
            Duration::from_millis(10),
        );
        let (layer, _runtime, _tcw_guard) = (tcw.layer, tcw.runtime, tcw.guard);
        let peer = tracing::Dispatch::new(tracing_subscriber::registry().with(filter).with(layer));
        let logged = AtomicU64::new(sink.stats().events);
        g.bench_function(format!("tracing_cloudwatch/{threads}_threads"), |b| {
            b.iter_custom(|iters| {
                timed(iters, threads, &peer, &|n| {
                    let target = logged.fetch_add(n, Ordering::Relaxed) + n;
                    let waited = sink.wait_for(target, Duration::from_secs(60));
                    assert!(waited.reached, "tracing-cloudwatch delivered everything");
                })
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = hand_off
}
criterion_main!(benches);
