//! Criterion benches of the calling thread: the front ends' timestamp formatting (with what a
//! cheaper one costs), the floor of any shipper's calling thread (dispatch, clock, message),
//! and ours against tracing-cloudwatch in a steady state (each run shipped before the next).
//!
//! Short runs: `cargo bench -p watchtower-bench --bench calling_thread -- --warm-up-time 1
//! --measurement-time 2` (`scripts/bench` runs it with `hot_paths`).

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use watchtower_bench::sink::Sink;

/// RFC 3339 UTC with milliseconds, from days since the epoch (Hinnant's civil-from-days), the
/// way the front ends' `write_timestamp` now does it instead of chrono's `strftime`.
fn rfc3339_millis(out: &mut String, ms: i64) {
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let secs = ms_of_day / 1000;
    let mut buf = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut v: i64| {
        for i in (at..at + width).rev() {
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, secs / 3600);
    put(14, 2, secs / 60 % 60);
    put(17, 2, secs % 60);
    put(20, 3, ms_of_day % 1000);
    out.push_str(std::str::from_utf8(&buf).expect("ASCII"));
}

/// Ways to write each event's RFC 3339 timestamp in the `tracing`/`log` front ends: chrono's
/// `strftime` (what they first used: ~40 % of the calling thread in the first profile), chrono's
/// `to_rfc3339_opts`, and a direct civil-from-days writer (what `front::write_timestamp` does
/// now).
fn front_end(c: &mut Criterion) {
    use std::fmt::Write as _;
    let mut g = c.benchmark_group("front");
    g.throughput(Throughput::Elements(1));
    let mut out = String::with_capacity(64);
    let mut ms = 1_700_000_000_123i64;
    g.bench_function("timestamp_chrono_strftime", |b| {
        b.iter(|| {
            out.clear();
            ms += 1;
            let t = chrono::DateTime::from_timestamp_millis(black_box(ms)).expect("in range");
            let _ = write!(out, "{}", t.format("%Y-%m-%dT%H:%M:%S%.3fZ"));
            black_box(out.len())
        })
    });
    g.bench_function("timestamp_chrono_to_rfc3339_opts", |b| {
        b.iter(|| {
            out.clear();
            ms += 1;
            let t = chrono::DateTime::from_timestamp_millis(black_box(ms)).expect("in range");
            out.push_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
            black_box(out.len())
        })
    });
    g.bench_function("timestamp_civil_from_days", |b| {
        b.iter(|| {
            out.clear();
            ms += 1;
            rfc3339_millis(&mut out, black_box(ms));
            black_box(out.len())
        })
    });
    let t = chrono::DateTime::from_timestamp_millis(ms).expect("in range");
    let mut mine = String::new();
    rfc3339_millis(&mut mine, ms);
    assert_eq!(mine, t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
    g.finish();
}

/// What any shipper's calling thread must do for one `tracing::info!` with a formatted
/// message, measured in steps: the dispatch to a layer that does nothing, plus reading the
/// clock for the event's time, plus formatting the message into a reused buffer (what our
/// layer does), plus owning it in a `String` of its own (allocated, then freed). The message
/// and the INFO filter are rust-peers'. No shipper can cost less than the last step; the
/// issue's target for the calling thread is a fifth of tracing-cloudwatch's cost there.
fn calling_thread_floor(c: &mut Criterion) {
    use std::cell::RefCell;
    use std::fmt::Write as _;
    use tracing::field::{Field, Visit};
    use tracing_subscriber::layer::{Context, Layer};
    use tracing_subscriber::prelude::*;

    #[derive(Clone, Copy)]
    enum Step {
        Dispatch,
        Clock,
        MessageIntoBuffer,
        MessageOwned,
    }
    struct FloorLayer(Step);
    thread_local! {
        static BUFFER: RefCell<String> = const { RefCell::new(String::new()) };
    }
    struct Message<'a>(&'a mut String);
    impl Visit for Message<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                let _ = write!(self.0, "{value:?}");
            }
        }
    }
    impl<S: tracing::Subscriber> Layer<S> for FloorLayer {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            if matches!(self.0, Step::Dispatch) {
                return;
            }
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            black_box(now);
            match self.0 {
                Step::Dispatch | Step::Clock => {}
                Step::MessageIntoBuffer => BUFFER.with(|b| {
                    let mut b = b.borrow_mut();
                    b.clear();
                    event.record(&mut Message(&mut b));
                    black_box(b.len());
                }),
                Step::MessageOwned => BUFFER.with(|b| {
                    // One exact allocation (freed at once), as cheap as owning gets.
                    let mut b = b.borrow_mut();
                    b.clear();
                    event.record(&mut Message(&mut b));
                    black_box(b.as_str().to_owned());
                }),
            }
        }
    }

    let mut g = c.benchmark_group("calling_thread_floor");
    g.throughput(Throughput::Elements(1));
    for (name, step) in [
        ("dispatch", Step::Dispatch),
        ("dispatch_clock", Step::Clock),
        (
            "dispatch_clock_message_into_buffer",
            Step::MessageIntoBuffer,
        ),
        ("dispatch_clock_message_owned", Step::MessageOwned),
    ] {
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::filter::LevelFilter::INFO)
            .with(FloorLayer(step));
        tracing::subscriber::with_default(subscriber, || {
            let mut i = 0u64;
            g.bench_function(name, |b| {
                b.iter(|| {
                    i += 1;
                    tracing::info!(
                        "request handled id={} user={} path={} status={}",
                        i,
                        "alice",
                        "/api/v1/items",
                        200
                    );
                })
            });
        });
    }
    g.finish();
}

/// Our `tracing` layer and tracing-cloudwatch on the calling thread in a steady state: the
/// same event as rust-peers, logged in timed runs of 5,000, each followed (untimed) by waiting
/// until the in-process sink has every event, so the shipper keeps up and reuses its memory.
/// rust-peers logs one burst of 1 M events instead, faster than they ship: there the calling
/// thread also pays for the backlog's fresh memory (page faults).
fn calling_thread_steady(c: &mut Criterion) {
    use tracing_subscriber::prelude::*;

    const RUN: u64 = 5_000;
    let sink = Sink::start().expect("sink");
    let mut g = c.benchmark_group("calling_thread_steady");
    g.throughput(Throughput::Elements(1));
    let filter = tracing_subscriber::filter::LevelFilter::INFO;

    // Times `iters` events in runs of RUN; `settle(n)` waits (untimed) after each run of n.
    let timed_runs = |b: &mut criterion::Bencher<'_>, settle: &dyn Fn(u64)| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            let mut i = 0;
            while i < iters {
                let n = RUN.min(iters - i);
                let start = Instant::now();
                for k in i..i + n {
                    tracing::info!(
                        "request handled id={} user={} path={} status={}",
                        k,
                        "alice",
                        "/api/v1/items",
                        200
                    );
                }
                timed += start.elapsed();
                i += n;
                settle(n);
            }
            timed
        })
    };

    let config = common::ours_config(&sink.endpoint());
    let (layer, guard) = watchtower_logs::tracing::layer(config).expect("start");
    let handle = layer.handle().clone();
    let subscriber = tracing_subscriber::registry().with(filter).with(layer);
    tracing::subscriber::with_default(subscriber, || {
        g.bench_function("ours_tracing_json", |b| {
            timed_runs(b, &|_| {
                handle.flush(Duration::from_secs(30)).expect("flush")
            })
        });
    });
    assert_eq!(handle.stats().dropped.total(), 0, "nothing dropped");
    drop(guard);

    // tracing-cloudwatch has no flush: it sends every 10 ms here, and the run waits until the
    // sink has counted everything logged so far.
    let tcw = watchtower_bench::peers::tracing_cloudwatch(
        &sink.endpoint(),
        6_500,
        Duration::from_millis(10),
    );
    let (layer, _runtime, _tcw_guard) = (tcw.layer, tcw.runtime, tcw.guard);
    let subscriber = tracing_subscriber::registry().with(filter).with(layer);
    let logged = std::cell::Cell::new(sink.stats().events);
    tracing::subscriber::with_default(subscriber, || {
        g.bench_function("tracing_cloudwatch", |b| {
            timed_runs(b, &|n| {
                // Only this bench logs now: every event it logged reaches the sink.
                let target = logged.get() + n;
                let waited = sink.wait_for(target, Duration::from_secs(30));
                assert!(waited.reached, "tracing-cloudwatch delivered everything");
                logged.set(waited.stats.events);
            })
        });
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = front_end, calling_thread_floor, calling_thread_steady
}
criterion_main!(benches);
