//! A fast loopback CloudWatch Logs endpoint for benchmarks.
//!
//! It answers the awsJson 1.1 calls that log shippers make like the service does, and counts
//! what it receives, so that a benchmark measures the client, not an emulator:
//!
//! | call (`X-Amz-Target: Logs_20140328.*`) | answer |
//! |---|---|
//! | PutLogEvents | `{"nextSequenceToken":"1"}`; counts events and bytes (message UTF-8 bytes + 26) |
//! | CreateLogGroup, CreateLogStream, PutRetentionPolicy, TagResource, TagLogGroup | `{}` |
//! | DescribeLogGroups, DescribeLogStreams | empty lists |
//! | STS GetCallerIdentity (query protocol, `Action=GetCallerIdentity`) | a fixed account |
//!
//! PutLogEvents bodies are scanned once, without building a JSON tree and without copying
//! messages ([`scan_put_log_events`]); escapes (`\n`, `\"`, `\uXXXX`, surrogate pairs) are
//! decoded only to count the bytes exactly. Like the service, a batch that breaks a limit
//! (more than 10,000 events or 1,048,576 bytes, an empty message, events out of chronological
//! order, a span of 24 hours or more) is refused whole with `InvalidParameterException` and
//! counted in [`SinkStats::rejected_requests`] (turn this off with
//! [`SinkOptions::check_limits`]).
//!
//! Besides the AWS calls, plain HTTP paths read the counters from another process:
//! `GET /stats` (JSON of [`SinkStats`]), `GET /wait?events=N&timeout_ms=T` (answers as soon as
//! N events have arrived, or at the timeout, with the stats and `"reached":true|false`) and
//! `POST /reset`. [`SinkClient`] calls them.
//!
//! Everything binds 127.0.0.1 only.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

mod client;
mod scan;
mod serve;
#[cfg(test)]
mod tests;

pub use client::SinkClient;
pub use scan::{scan_put_log_events, BatchSummary, ScanError};
use serve::accept_loop;

/// The per-event overhead the service adds to each message's UTF-8 length.
pub const EVENT_OVERHEAD: u64 = 26;
/// Most bytes (message + 26 per event) in one PutLogEvents call.
pub const MAX_BATCH_BYTES: u64 = 1_048_576;
/// Most events in one PutLogEvents call.
pub const MAX_BATCH_EVENTS: u64 = 10_000;
/// A batch must span less than this many milliseconds.
pub const MAX_SPAN_MS: i64 = 24 * 3600 * 1000;

const JSON_11: &str = "application/x-amz-json-1.1";

/// How to run a [`Sink`].
#[derive(Debug, Clone)]
pub struct SinkOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Worker threads of the sink's own tokio runtime.
    pub threads: usize,
    /// Refuse batches that break a PutLogEvents limit, like the service (default true).
    pub check_limits: bool,
}

impl Default for SinkOptions {
    fn default() -> Self {
        SinkOptions {
            port: 0,
            threads: 2,
            check_limits: true,
        }
    }
}

/// A snapshot of the sink's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SinkStats {
    /// Events accepted by PutLogEvents.
    pub events: u64,
    /// Bytes accepted: message UTF-8 bytes + 26 per event.
    pub bytes: u64,
    /// PutLogEvents calls accepted.
    pub put_requests: u64,
    /// PutLogEvents calls refused for breaking a limit (or unreadable).
    pub rejected_requests: u64,
    /// Events in the refused calls.
    pub rejected_events: u64,
    /// Largest accepted batch, in events.
    pub max_batch_events: u64,
    /// Largest accepted batch, in bytes.
    pub max_batch_bytes: u64,
    /// CreateLogGroup calls.
    pub create_log_group: u64,
    /// CreateLogStream calls.
    pub create_log_stream: u64,
    /// PutRetentionPolicy calls.
    pub put_retention_policy: u64,
    /// TagResource / TagLogGroup calls.
    pub tag_resource: u64,
    /// DescribeLogGroups / DescribeLogStreams calls.
    pub describe: u64,
    /// STS GetCallerIdentity calls.
    pub sts: u64,
    /// Requests for anything else.
    pub unknown: u64,
    /// Nanoseconds from the sink's start (or last reset) to the first accepted PutLogEvents.
    pub first_put_ns: u64,
    /// Nanoseconds from the sink's start (or last reset) to the last accepted PutLogEvents.
    pub last_put_ns: u64,
    /// Request body bytes of the accepted PutLogEvents calls as sent (gzipped, when they were).
    pub wire_bytes: u64,
    /// Request body bytes of the accepted PutLogEvents calls once decoded (the JSON).
    pub body_bytes: u64,
}

impl SinkStats {
    /// The stats as one JSON object.
    pub fn to_json(&self) -> String {
        format!(
            concat!(
                "{{\"events\":{},\"bytes\":{},\"put_requests\":{},\"rejected_requests\":{},",
                "\"rejected_events\":{},\"max_batch_events\":{},\"max_batch_bytes\":{},",
                "\"create_log_group\":{},\"create_log_stream\":{},\"put_retention_policy\":{},",
                "\"tag_resource\":{},\"describe\":{},\"sts\":{},\"unknown\":{},",
                "\"first_put_ns\":{},\"last_put_ns\":{},\"wire_bytes\":{},\"body_bytes\":{}}}"
            ),
            self.events,
            self.bytes,
            self.put_requests,
            self.rejected_requests,
            self.rejected_events,
            self.max_batch_events,
            self.max_batch_bytes,
            self.create_log_group,
            self.create_log_stream,
            self.put_retention_policy,
            self.tag_resource,
            self.describe,
            self.sts,
            self.unknown,
            self.first_put_ns,
            self.last_put_ns,
            self.wire_bytes,
            self.body_bytes,
        )
    }

    /// Reads the stats from a JSON object made by [`SinkStats::to_json`] (missing fields are
    /// zero).
    pub fn from_json(value: &serde_json::Value) -> SinkStats {
        let g = |k: &str| value.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
        SinkStats {
            events: g("events"),
            bytes: g("bytes"),
            put_requests: g("put_requests"),
            rejected_requests: g("rejected_requests"),
            rejected_events: g("rejected_events"),
            max_batch_events: g("max_batch_events"),
            max_batch_bytes: g("max_batch_bytes"),
            create_log_group: g("create_log_group"),
            create_log_stream: g("create_log_stream"),
            put_retention_policy: g("put_retention_policy"),
            tag_resource: g("tag_resource"),
            describe: g("describe"),
            sts: g("sts"),
            unknown: g("unknown"),
            first_put_ns: g("first_put_ns"),
            last_put_ns: g("last_put_ns"),
            wire_bytes: g("wire_bytes"),
            body_bytes: g("body_bytes"),
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    events: AtomicU64,
    bytes: AtomicU64,
    put_requests: AtomicU64,
    rejected_requests: AtomicU64,
    rejected_events: AtomicU64,
    max_batch_events: AtomicU64,
    max_batch_bytes: AtomicU64,
    create_log_group: AtomicU64,
    create_log_stream: AtomicU64,
    put_retention_policy: AtomicU64,
    tag_resource: AtomicU64,
    describe: AtomicU64,
    sts: AtomicU64,
    unknown: AtomicU64,
    first_put_ns: AtomicU64,
    last_put_ns: AtomicU64,
    wire_bytes: AtomicU64,
    body_bytes: AtomicU64,
}

impl Counters {
    fn all(&self) -> [&AtomicU64; 18] {
        [
            &self.events,
            &self.bytes,
            &self.put_requests,
            &self.rejected_requests,
            &self.rejected_events,
            &self.max_batch_events,
            &self.max_batch_bytes,
            &self.create_log_group,
            &self.create_log_stream,
            &self.put_retention_policy,
            &self.tag_resource,
            &self.describe,
            &self.sts,
            &self.unknown,
            &self.first_put_ns,
            &self.last_put_ns,
            &self.wire_bytes,
            &self.body_bytes,
        ]
    }

    fn snapshot(&self) -> SinkStats {
        SinkStats {
            events: self.events.load(Relaxed),
            bytes: self.bytes.load(Relaxed),
            put_requests: self.put_requests.load(Relaxed),
            rejected_requests: self.rejected_requests.load(Relaxed),
            rejected_events: self.rejected_events.load(Relaxed),
            max_batch_events: self.max_batch_events.load(Relaxed),
            max_batch_bytes: self.max_batch_bytes.load(Relaxed),
            create_log_group: self.create_log_group.load(Relaxed),
            create_log_stream: self.create_log_stream.load(Relaxed),
            put_retention_policy: self.put_retention_policy.load(Relaxed),
            tag_resource: self.tag_resource.load(Relaxed),
            describe: self.describe.load(Relaxed),
            sts: self.sts.load(Relaxed),
            unknown: self.unknown.load(Relaxed),
            first_put_ns: self.first_put_ns.load(Relaxed),
            last_put_ns: self.last_put_ns.load(Relaxed),
            wire_bytes: self.wire_bytes.load(Relaxed),
            body_bytes: self.body_bytes.load(Relaxed),
        }
    }
}

#[derive(Debug)]
struct Shared {
    counters: Counters,
    check_limits: bool,
    /// Start of the clock for `first_put_ns` / `last_put_ns`; moved by `reset`.
    epoch: Mutex<Instant>,
    /// Wakes async `/wait` requests after each accepted batch.
    notify: tokio::sync::Notify,
    /// Wakes in-process [`Sink::wait_for`] callers after each accepted batch.
    arrivals: (Mutex<()>, Condvar),
}

impl Shared {
    fn elapsed_ns(&self) -> u64 {
        let epoch = *self.epoch.lock().unwrap_or_else(|e| e.into_inner());
        epoch.elapsed().as_nanos() as u64
    }

    fn reset(&self) {
        let mut epoch = self.epoch.lock().unwrap_or_else(|e| e.into_inner());
        for c in self.counters.all() {
            c.store(0, Relaxed);
        }
        *epoch = Instant::now();
    }

    fn accepted(&self, summary: &BatchSummary) {
        let c = &self.counters;
        let now = self.elapsed_ns();
        let _ = c
            .first_put_ns
            .compare_exchange(0, now.max(1), Relaxed, Relaxed);
        c.last_put_ns.fetch_max(now, Relaxed);
        c.max_batch_events.fetch_max(summary.events, Relaxed);
        c.max_batch_bytes.fetch_max(summary.bytes, Relaxed);
        c.bytes.fetch_add(summary.bytes, Relaxed);
        c.put_requests.fetch_add(1, Relaxed);
        // Events last: a waiter that sees the count sees the rest.
        c.events.fetch_add(summary.events, Relaxed);
        self.notify.notify_waiters();
        let _guard = self.arrivals.0.lock().unwrap_or_else(|e| e.into_inner());
        self.arrivals.1.notify_all();
    }
}

/// What [`Sink::wait_for`] and [`SinkClient::wait_for`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waited {
    /// Whether the awaited number of events arrived in time.
    pub reached: bool,
    /// The counters when the wait ended.
    pub stats: SinkStats,
}

/// A running sink. Stops when dropped.
#[derive(Debug)]
pub struct Sink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Sink {
    /// Starts a sink on a free port of 127.0.0.1 with the default options.
    pub fn start() -> io::Result<Sink> {
        Sink::start_with(SinkOptions::default())
    }

    /// Starts a sink with `options`.
    pub fn start_with(options: SinkOptions) -> io::Result<Sink> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.threads.max(1))
            .thread_name("bench-sink")
            .enable_all()
            .build()?;
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", options.port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let shared = Arc::new(Shared {
            counters: Counters::default(),
            check_limits: options.check_limits,
            epoch: Mutex::new(Instant::now()),
            notify: tokio::sync::Notify::new(),
            arrivals: (Mutex::new(()), Condvar::new()),
        });
        let listener = {
            let _enter = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        runtime.spawn(accept_loop(listener, shared.clone()));
        Ok(Sink {
            addr,
            shared,
            runtime: Some(runtime),
        })
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`, for an SDK's endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> SinkStats {
        self.shared.counters.snapshot()
    }

    /// Sets every counter to zero and restarts the clock of `first_put_ns` / `last_put_ns`.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Waits until at least `events` events have been accepted (since the last reset), up to
    /// `timeout`, and says whether they were.
    pub fn wait_for(&self, events: u64, timeout: Duration) -> Waited {
        let deadline = Instant::now() + timeout;
        let (lock, cvar) = &self.shared.arrivals;
        let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if self.shared.counters.events.load(Relaxed) >= events {
                return Waited {
                    reached: true,
                    stats: self.stats(),
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Waited {
                    reached: false,
                    stats: self.stats(),
                };
            }
            // Bounded waits: a notification between the check and the wait costs at most 50 ms.
            let wait = (deadline - now).min(Duration::from_millis(50));
            guard = cvar
                .wait_timeout(guard, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}
