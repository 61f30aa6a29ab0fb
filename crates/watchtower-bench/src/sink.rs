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

use std::convert::Infallible;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

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
                "\"first_put_ns\":{},\"last_put_ns\":{}}}"
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
}

impl Counters {
    fn all(&self) -> [&AtomicU64; 16] {
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

async fn accept_loop(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(req, shared.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn respond(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        "x-amzn-requestid",
        HeaderValue::from_static("00000000-0000-4000-8000-000000000000"),
    );
    resp
}

fn json_ok(body: &'static str) -> Response<Full<Bytes>> {
    respond(StatusCode::OK, JSON_11, Bytes::from_static(body.as_bytes()))
}

fn aws_error(code: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "__type": code, "message": message }).to_string();
    respond(StatusCode::BAD_REQUEST, JSON_11, Bytes::from(body))
}

const STS_IDENTITY: &str = concat!(
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">",
    "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/bench</Arn>",
    "<UserId>AIDABENCHBENCHBENCH</UserId><Account>123456789012</Account>",
    "</GetCallerIdentityResult><ResponseMetadata><RequestId>",
    "00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata>",
    "</GetCallerIdentityResponse>"
);

async fn handle(
    req: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_owned());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let c = &shared.counters;
    let resp = match target.as_deref() {
        Some("PutLogEvents") => put_log_events(&shared, &body),
        Some("CreateLogGroup") => {
            c.create_log_group.fetch_add(1, Relaxed);
            json_ok("{}")
        }
        Some("CreateLogStream") => {
            c.create_log_stream.fetch_add(1, Relaxed);
            json_ok("{}")
        }
        Some("PutRetentionPolicy") => {
            c.put_retention_policy.fetch_add(1, Relaxed);
            json_ok("{}")
        }
        Some("TagResource") | Some("TagLogGroup") => {
            c.tag_resource.fetch_add(1, Relaxed);
            json_ok("{}")
        }
        Some("DescribeLogGroups") => {
            c.describe.fetch_add(1, Relaxed);
            json_ok("{\"logGroups\":[]}")
        }
        Some("DescribeLogStreams") => {
            c.describe.fetch_add(1, Relaxed);
            json_ok("{\"logStreams\":[]}")
        }
        Some(other) => {
            c.unknown.fetch_add(1, Relaxed);
            aws_error(
                "UnknownOperationException",
                &format!("the bench sink does not implement {other}"),
            )
        }
        None => control(&shared, &method, &path, &query, &body).await,
    };
    Ok(resp)
}

/// Requests without `X-Amz-Target`: STS (query protocol) and the sink's own paths.
async fn control(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let c = &shared.counters;
    if method == Method::POST && memchr::memmem::find(body, b"Action=GetCallerIdentity").is_some() {
        c.sts.fetch_add(1, Relaxed);
        return respond(
            StatusCode::OK,
            "text/xml",
            Bytes::from_static(STS_IDENTITY.as_bytes()),
        );
    }
    let stats_json = |stats: SinkStats, extra: &str| {
        let mut json = stats.to_json();
        if !extra.is_empty() {
            json.pop();
            json.push(',');
            json.push_str(extra);
            json.push('}');
        }
        respond(StatusCode::OK, "application/json", Bytes::from(json))
    };
    match (method, path) {
        (&Method::GET, "/stats") => stats_json(c.snapshot(), ""),
        (&Method::POST, "/reset") => {
            shared.reset();
            stats_json(c.snapshot(), "")
        }
        (&Method::GET, "/wait") => {
            let mut events = 0u64;
            let mut timeout_ms = 60_000u64;
            for pair in query.split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                match k {
                    "events" => events = v.parse().unwrap_or(0),
                    "timeout_ms" => timeout_ms = v.parse().unwrap_or(timeout_ms),
                    _ => {}
                }
            }
            let deadline = tokio::time::Instant::now() + Duration::from_millis(timeout_ms);
            let reached = loop {
                let notified = shared.notify.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if c.events.load(Relaxed) >= events {
                    break true;
                }
                if tokio::time::timeout_at(deadline, notified).await.is_err() {
                    break c.events.load(Relaxed) >= events;
                }
            };
            stats_json(c.snapshot(), &format!("\"reached\":{reached}"))
        }
        _ => {
            c.unknown.fetch_add(1, Relaxed);
            aws_error("UnknownOperationException", "unknown request")
        }
    }
}

fn put_log_events(shared: &Shared, body: &[u8]) -> Response<Full<Bytes>> {
    let c = &shared.counters;
    let summary = match scan_put_log_events(body) {
        Ok(s) => s,
        Err(e) => {
            c.rejected_requests.fetch_add(1, Relaxed);
            return aws_error("SerializationException", &e.to_string());
        }
    };
    if shared.check_limits {
        if let Some(problem) = summary.violation() {
            c.rejected_requests.fetch_add(1, Relaxed);
            c.rejected_events.fetch_add(summary.events, Relaxed);
            return aws_error("InvalidParameterException", problem);
        }
    }
    shared.accepted(&summary);
    json_ok("{\"nextSequenceToken\":\"1\"}")
}

// === the PutLogEvents scanner ===

/// What one PutLogEvents body holds, as the service counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// Events in `logEvents`.
    pub events: u64,
    /// Sum over events of (message UTF-8 bytes + 26).
    pub bytes: u64,
    /// Events whose message is empty or missing.
    pub empty: u64,
    /// Whether the timestamps never decrease.
    pub in_order: bool,
    /// Smallest timestamp (ms), 0 without events.
    pub min_ts: i64,
    /// Largest timestamp (ms), 0 without events.
    pub max_ts: i64,
}

impl BatchSummary {
    /// The first PutLogEvents rule the batch breaks, in the service's words where it has them.
    pub fn violation(&self) -> Option<&'static str> {
        if self.events == 0 {
            Some("1 validation error detected: logEvents must have at least 1 element")
        } else if self.events > MAX_BATCH_EVENTS {
            Some("1 validation error detected: logEvents must have at most 10000 elements")
        } else if self.bytes > MAX_BATCH_BYTES {
            Some("Upload too large: the batch exceeds 1048576 bytes")
        } else if self.empty > 0 {
            Some("1 validation error detected: message must have length greater than or equal to 1")
        } else if !self.in_order {
            Some("Log events in a single PutLogEvents request must be in chronological order.")
        } else if self.max_ts - self.min_ts >= MAX_SPAN_MS {
            Some("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
        } else {
            None
        }
    }
}

/// Why a body could not be scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// Byte offset of the problem.
    pub at: usize,
    /// What was expected.
    pub what: &'static str,
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "malformed PutLogEvents body at byte {}: {}",
            self.at, self.what
        )
    }
}

impl std::error::Error for ScanError {}

const MAX_DEPTH: usize = 64;

/// Index of the first `"` or `\` in `s`. A plain loop: log messages are short runs between
/// escapes, where restarting `memchr2` (or an 8-byte SWAR scan) after every `\"` costs more
/// than it saves (measured with `sink/scan_1mib_10k`).
fn find_quote_or_backslash(s: &[u8]) -> Option<usize> {
    s.iter().position(|&c| c == b'"' || c == b'\\')
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn err<T>(&self, what: &'static str) -> Result<T, ScanError> {
        Err(ScanError { at: self.i, what })
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn expect(&mut self, c: u8, what: &'static str) -> Result<(), ScanError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            self.err(what)
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, ScanError> {
        let digits = self.b.get(at..at + 4).ok_or(ScanError {
            at,
            what: "four hex digits",
        })?;
        let mut v = 0u32;
        for &d in digits {
            let n = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => {
                    return Err(ScanError {
                        at,
                        what: "four hex digits",
                    })
                }
            };
            v = v * 16 + n as u32;
        }
        Ok(v)
    }

    /// A string at the cursor: returns its raw bytes (between the quotes) and the UTF-8
    /// length of its decoded value.
    fn string(&mut self) -> Result<(&'a [u8], u64), ScanError> {
        self.expect(b'"', "a string")?;
        let start = self.i;
        let mut len = 0u64;
        loop {
            let Some(k) = find_quote_or_backslash(&self.b[self.i..]) else {
                return self.err("the end of a string");
            };
            len += k as u64;
            self.i += k;
            if self.b[self.i] == b'"' {
                let raw = &self.b[start..self.i];
                self.i += 1;
                return Ok((raw, len));
            }
            // A backslash escape.
            match self.b.get(self.i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                    len += 1;
                    self.i += 2;
                }
                Some(b'u') => {
                    let cp = self.hex4(self.i + 2)?;
                    self.i += 6;
                    if (0xD800..0xDC00).contains(&cp) && self.b[self.i..].starts_with(b"\\u") {
                        let low = self.hex4(self.i + 2)?;
                        if (0xDC00..0xE000).contains(&low) {
                            // A surrogate pair: one code point above U+FFFF.
                            len += 4;
                            self.i += 6;
                            continue;
                        }
                    }
                    // Lone surrogates count as 3 bytes (WTF-8), like any other BMP code point
                    // from U+0800.
                    len += match cp {
                        0..=0x7F => 1,
                        0x80..=0x7FF => 2,
                        _ => 3,
                    };
                }
                _ => return self.err("a valid escape"),
            }
        }
    }

    /// A number or literal at the cursor, as its raw bytes.
    fn scalar(&mut self) -> Result<&'a [u8], ScanError> {
        self.ws();
        let start = self.i;
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.i += 1;
        }
        if self.i == start {
            return self.err("a value");
        }
        Ok(&self.b[start..self.i])
    }

    fn skip_value(&mut self, depth: usize) -> Result<(), ScanError> {
        if depth > MAX_DEPTH {
            return self.err("less nesting");
        }
        match self.peek() {
            Some(b'"') => self.string().map(|_| ()),
            Some(b'{') => {
                self.i += 1;
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.string()?;
                    self.expect(b':', "':'")?;
                    self.skip_value(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return self.err("',' or '}'"),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return self.err("',' or ']'"),
                    }
                }
            }
            Some(_) => self.scalar().map(|_| ()),
            None => self.err("a value"),
        }
    }

    fn timestamp(&mut self) -> Result<i64, ScanError> {
        let raw = self.scalar()?;
        let text = std::str::from_utf8(raw).map_err(|_| ScanError {
            at: self.i,
            what: "a number",
        })?;
        if let Ok(v) = text.parse::<i64>() {
            return Ok(v);
        }
        match text.parse::<f64>() {
            Ok(v) => Ok(v as i64),
            Err(_) => self.err("a number"),
        }
    }

    /// One element of `logEvents`: (message length if present, timestamp).
    fn event(&mut self) -> Result<(Option<u64>, i64), ScanError> {
        self.expect(b'{', "an event object")?;
        let mut message = None;
        let mut timestamp = 0;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok((None, 0));
        }
        loop {
            let (key, _) = self.string()?;
            self.expect(b':', "':'")?;
            match key {
                b"message" => message = Some(self.string()?.1),
                b"timestamp" => timestamp = self.timestamp()?,
                _ => self.skip_value(2)?,
            }
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok((message, timestamp));
                }
                _ => return self.err("',' or '}'"),
            }
        }
    }

    fn log_events(&mut self, out: &mut BatchSummary) -> Result<(), ScanError> {
        self.expect(b'[', "the logEvents array")?;
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        let mut last = i64::MIN;
        loop {
            let (message, ts) = self.event()?;
            let len = message.unwrap_or(0);
            if len == 0 {
                out.empty += 1;
            }
            if out.events == 0 {
                out.min_ts = ts;
                out.max_ts = ts;
            } else {
                out.min_ts = out.min_ts.min(ts);
                out.max_ts = out.max_ts.max(ts);
            }
            if ts < last {
                out.in_order = false;
            }
            last = ts;
            out.events += 1;
            out.bytes += len + EVENT_OVERHEAD;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return self.err("',' or ']'"),
            }
        }
    }
}

/// Scans a PutLogEvents request body (awsJson 1.1) and counts its events and bytes exactly:
/// each event's message is counted as the UTF-8 length of its decoded value, plus 26.
///
/// Messages are neither copied nor decoded (escapes are only measured); keys may come in any
/// order and unknown keys are skipped.
///
/// ```
/// use watchtower_bench::sink::scan_put_log_events;
/// let body = br#"{"logGroupName":"g","logStreamName":"s","logEvents":[
///     {"timestamp":1,"message":"h\u00e9llo"},{"message":"\ud83d\ude00","timestamp":2}]}"#;
/// let s = scan_put_log_events(body).unwrap();
/// assert_eq!((s.events, s.bytes), (2, 6 + 26 + 4 + 26));
/// assert!(s.in_order);
/// ```
pub fn scan_put_log_events(body: &[u8]) -> Result<BatchSummary, ScanError> {
    let mut s = Scanner { b: body, i: 0 };
    let mut out = BatchSummary {
        in_order: true,
        ..BatchSummary::default()
    };
    s.expect(b'{', "a JSON object")?;
    if s.peek() == Some(b'}') {
        return Ok(out);
    }
    loop {
        let (key, _) = s.string()?;
        s.expect(b':', "':'")?;
        if key == b"logEvents" {
            s.log_events(&mut out)?;
        } else {
            s.skip_value(1)?;
        }
        match s.peek() {
            Some(b',') => s.i += 1,
            Some(b'}') => return Ok(out),
            _ => return s.err("',' or '}'"),
        }
    }
}

// === a client for a sink in another process ===

/// Reads a sink's counters over HTTP (`/stats`, `/wait`, `/reset`), for a sink running in
/// another process (the `bench-sink` binary, or a parent's in-process [`Sink`]).
#[derive(Debug, Clone)]
pub struct SinkClient {
    addr: String,
}

impl SinkClient {
    /// A client for `endpoint` (`http://127.0.0.1:PORT` or `127.0.0.1:PORT`).
    pub fn new(endpoint: &str) -> SinkClient {
        let addr = endpoint
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        SinkClient { addr }
    }

    fn request(&self, method: &str, path: &str, timeout: Duration) -> io::Result<Waited> {
        let mut stream = TcpStream::connect(&self.addr)?;
        stream.set_read_timeout(Some(timeout + Duration::from_secs(5)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.addr
        )?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        let start = memchr::memmem::find(&response, b"\r\n\r\n")
            .map(|i| i + 4)
            .ok_or_else(|| io::Error::other("no HTTP body from the sink"))?;
        let value: serde_json::Value = serde_json::from_slice(&response[start..])
            .map_err(|e| io::Error::other(format!("bad JSON from the sink: {e}")))?;
        Ok(Waited {
            reached: value
                .get("reached")
                .and_then(|v| v.as_bool())
                .unwrap_or(true),
            stats: SinkStats::from_json(&value),
        })
    }

    /// The counters.
    pub fn stats(&self) -> io::Result<SinkStats> {
        self.request("GET", "/stats", Duration::from_secs(5))
            .map(|w| w.stats)
    }

    /// Zeroes the counters.
    pub fn reset(&self) -> io::Result<SinkStats> {
        self.request("POST", "/reset", Duration::from_secs(5))
            .map(|w| w.stats)
    }

    /// Waits (in the sink) until `events` events have arrived, up to `timeout`.
    pub fn wait_for(&self, events: u64, timeout: Duration) -> io::Result<Waited> {
        let path = format!("/wait?events={events}&timeout_ms={}", timeout.as_millis());
        self.request("GET", &path, timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(body: &str) -> (u64, u64) {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        let events = v["logEvents"].as_array().unwrap();
        let bytes = events
            .iter()
            .map(|e| e["message"].as_str().unwrap().len() as u64 + 26)
            .sum();
        (events.len() as u64, bytes)
    }

    #[test]
    fn counts_like_a_json_parser() {
        let messages = [
            "plain",
            "quote \" backslash \\ slash / tab \t newline \n",
            "é€😀 multi-byte",
            "\u{1}\u{1f}\u{7f} control",
            "{\"nested\": [1, 2, {\"x\": \"y\"}]}",
            "x",
        ];
        let events: Vec<_> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| serde_json::json!({"timestamp": i, "message": m}))
            .collect();
        // serde_json writes non-ASCII as UTF-8; Python's json.dumps writes \uXXXX escapes.
        let utf8 = serde_json::json!({"logGroupName": "g", "logEvents": events, "x": {"a": [true, null, 1.5e3]}})
            .to_string();
        let ascii: String = utf8
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    c.to_string()
                } else {
                    let mut buf = [0u16; 2];
                    c.encode_utf16(&mut buf)
                        .iter()
                        .map(|u| format!("\\u{u:04x}"))
                        .collect()
                }
            })
            .collect();
        for body in [&utf8, &ascii] {
            let s = scan_put_log_events(body.as_bytes()).unwrap();
            assert_eq!((s.events, s.bytes), reference(body), "{body}");
            assert!(s.in_order);
            assert_eq!((s.min_ts, s.max_ts), (0, 5));
            assert_eq!(s.violation(), None);
        }
    }

    #[test]
    fn swar_search_matches_a_plain_search() {
        let mut seed = 12345u64;
        for len in 0..64 {
            for _ in 0..50 {
                let s: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                        [b'a', b'"', b'\\', 0x80, 0xff, 0x22 ^ 0x80, 0x5c ^ 1]
                            [(seed >> 33) as usize % 7]
                    })
                    .collect();
                let want = s.iter().position(|&c| c == b'"' || c == b'\\');
                assert_eq!(find_quote_or_backslash(&s), want, "{s:?}");
            }
        }
    }

    #[test]
    fn finds_what_the_service_refuses() {
        let scan = |b: &str| scan_put_log_events(b.as_bytes()).unwrap();
        let s =
            scan(r#"{"logEvents":[{"timestamp":2,"message":"a"},{"timestamp":1,"message":"b"}]}"#);
        assert!(!s.in_order);
        assert!(s.violation().unwrap().contains("chronological"));
        let s = scan(r#"{"logEvents":[{"timestamp":1,"message":""}]}"#);
        assert_eq!(s.empty, 1);
        let s = scan(r#"{ "logEvents" : [ ] , "logGroupName" : "g" }"#);
        assert_eq!(s.events, 0);
        assert!(s.violation().is_some());
        let s = scan(
            r#"{"logEvents":[{"timestamp":0,"message":"a"},{"timestamp":86400000,"message":"b"}]}"#,
        );
        assert!(s.violation().unwrap().contains("24 hours"));
        assert!(scan_put_log_events(br#"{"logEvents":[{"message":"unterminated}]}"#).is_err());
        assert!(scan_put_log_events(br#"{"logEvents":[{"message":"bad \q"}]}"#).is_err());
    }

    #[test]
    fn serves_the_calls_and_counts() {
        let sink = Sink::start().unwrap();
        let client = watchtower_testkit::client(&sink.endpoint());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            client
                .create_log_group()
                .log_group_name("g")
                .send()
                .await
                .unwrap();
            client
                .create_log_stream()
                .log_group_name("g")
                .log_stream_name("s")
                .send()
                .await
                .unwrap();
            let groups = client.describe_log_groups().send().await.unwrap();
            assert!(groups.log_groups().is_empty());
            let events = (0..3)
                .map(|i| {
                    aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                        .timestamp(i)
                        .message(format!("é{i}"))
                        .build()
                        .unwrap()
                })
                .collect();
            let out = client
                .put_log_events()
                .log_group_name("g")
                .log_stream_name("s")
                .set_log_events(Some(events))
                .send()
                .await
                .unwrap();
            assert_eq!(out.next_sequence_token(), Some("1"));
            let bad = client
                .put_log_events()
                .log_group_name("g")
                .log_stream_name("s")
                .log_events(
                    aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                        .timestamp(1)
                        .message("")
                        .build()
                        .unwrap(),
                )
                .send()
                .await;
            assert!(bad.is_err());
        });
        let waited = sink.wait_for(3, Duration::from_secs(5));
        assert!(waited.reached);
        let stats = waited.stats;
        assert_eq!((stats.events, stats.bytes), (3, 3 * (3 + 26)));
        assert_eq!(stats.put_requests, 1);
        assert_eq!(stats.rejected_requests, 1);
        assert_eq!((stats.create_log_group, stats.create_log_stream), (1, 1));
        assert_eq!(stats.describe, 1);
        let remote = SinkClient::new(&sink.endpoint());
        assert_eq!(remote.stats().unwrap(), sink.stats());
        let waited = remote.wait_for(4, Duration::from_millis(100)).unwrap();
        assert!(!waited.reached);
        assert_eq!(waited.stats.events, 3);
        remote.reset().unwrap();
        assert_eq!(sink.stats().events, 0);
    }
}
