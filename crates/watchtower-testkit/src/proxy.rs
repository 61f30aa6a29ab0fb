//! A recording, rule-checking, fault-injecting HTTP/1.1 reverse proxy for CloudWatch Logs.

use std::convert::Infallible;
use std::fmt;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};

use crate::rules::{check_request, parse_put_log_events, Rule, Violation};
use crate::runtime::rt;
use crate::Event;

/// One fault the proxy can apply to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// No fault: forward the request and return moto's answer.
    Pass,
    /// Answer HTTP 400 `ThrottlingException` (awsJson 1.1) without forwarding.
    Throttle,
    /// Answer HTTP 503 `ServiceUnavailableException` without forwarding.
    Unavailable,
    /// Close the connection without forwarding and without any response.
    DropBefore,
    /// Forward (moto applies the request), then close the connection without answering.
    DropAfter,
    /// Answer with this HTTP status and awsJson error code without forwarding (for example
    /// `(400, "AccessDeniedException")`).
    Error(u16, &'static str),
}

/// Which faults the proxy injects. Set it with [`Proxy::set_faults`]; the default injects
/// nothing.
///
/// Only AWS API calls (requests with an `X-Amz-Target` header) whose operation is selected by
/// `ops` are affected. For each affected request, in order: the `latency` is drawn and slept;
/// then, while `sequence` is not used up, its next entry is the fault; after that one uniform
/// draw `r` in [0, 1) picks throttle if `r < throttle`, else unavailable if
/// `r < throttle + unavailable`, else drop_before, else drop_after (cumulatively), else no fault.
/// So each probability is exact as long as they add up to at most 1.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultPlan {
    /// Probability of [`Fault::Throttle`].
    pub throttle: f64,
    /// Probability of [`Fault::Unavailable`].
    pub unavailable: f64,
    /// Probability of [`Fault::DropBefore`].
    pub drop_before: f64,
    /// Probability of [`Fault::DropAfter`].
    pub drop_after: f64,
    /// A delay drawn uniformly from `min..=max`, slept before forwarding (or faulting).
    pub latency: Option<(Duration, Duration)>,
    /// Seed of the RNG (re-seeded by every [`Proxy::set_faults`]).
    pub seed: u64,
    /// Affected operations, e.g. `Some(vec!["PutLogEvents".into()])`; `None` = all operations.
    pub ops: Option<Vec<String>>,
    /// Faults applied, in order, to the first affected requests (before the probabilities).
    pub sequence: Vec<Fault>,
}

impl Default for FaultPlan {
    fn default() -> Self {
        FaultPlan {
            throttle: 0.0,
            unavailable: 0.0,
            drop_before: 0.0,
            drop_after: 0.0,
            latency: None,
            seed: 1,
            ops: None,
            sequence: Vec::new(),
        }
    }
}

impl FaultPlan {
    /// No faults at all (same as `FaultPlan::default()`).
    pub fn none() -> Self {
        FaultPlan::default()
    }

    /// A plan whose first affected requests get `faults`, in order, and the rest pass.
    pub fn sequence(faults: impl IntoIterator<Item = Fault>) -> Self {
        FaultPlan {
            sequence: faults.into_iter().collect(),
            ..FaultPlan::default()
        }
    }

    /// Restricts the plan to these operations (e.g. `&["PutLogEvents"]`).
    pub fn only_ops(mut self, ops: &[&str]) -> Self {
        self.ops = Some(ops.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// What the proxy did with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Arrived, not finished yet (latency, forwarding in progress).
    Pending,
    /// Waiting because the proxy is held ([`Proxy::hold`]).
    Held,
    /// Forwarded; moto answered with this HTTP status, which was passed on.
    Forwarded {
        /// moto's HTTP status.
        status: u16,
    },
    /// Answered 400 ThrottlingException, not forwarded.
    Throttled,
    /// Answered 503 ServiceUnavailableException, not forwarded.
    Unavailable,
    /// Connection closed without forwarding and without a response.
    DroppedBeforeForward,
    /// Forwarded (moto applied it and answered `status`), then the connection was closed
    /// without a response: the client cannot know the request succeeded.
    DroppedAfterForward {
        /// moto's HTTP status (200: the events were stored).
        status: u16,
    },
    /// Answered with an injected error code ([`Fault::Error`]), not forwarded.
    Errored(String),
    /// moto could not be reached; answered 502.
    UpstreamError(String),
}

impl Outcome {
    /// True for the injected faults (throttled, unavailable, dropped before or after).
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            Outcome::Throttled
                | Outcome::Unavailable
                | Outcome::DroppedBeforeForward
                | Outcome::DroppedAfterForward { .. }
                | Outcome::Errored(_)
        )
    }

    /// moto's HTTP status, if the request reached moto and was answered.
    pub fn upstream_status(&self) -> Option<u16> {
        match self {
            Outcome::Forwarded { status } | Outcome::DroppedAfterForward { status } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// True if moto applied the request with success (HTTP 200), whether or not the client got
    /// the answer.
    pub fn applied_upstream(&self) -> bool {
        self.upstream_status() == Some(200)
    }
}

/// One request seen by the proxy.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Sequence number, starting at 0 (after [`Proxy::clear`], numbering goes on).
    pub seq: usize,
    /// The operation from `X-Amz-Target` (e.g. `PutLogEvents`, `CreateLogStream`); for other
    /// requests, `"METHOD /path"`.
    pub op: String,
    /// `logGroupName` of the body, if any.
    pub group: Option<String>,
    /// `logStreamName` of the body, if any.
    pub stream: Option<String>,
    /// For PutLogEvents, the events as sent (empty for other operations).
    pub events: Vec<Event>,
    /// The raw request body.
    pub body: Bytes,
    /// What the proxy did (updated while the request is in flight).
    pub outcome: Outcome,
    /// True if the request had to wait for [`Proxy::release`].
    pub held: bool,
    /// The injected latency, if any.
    pub latency: Option<Duration>,
    /// The rules this request broke.
    pub violations: Vec<Rule>,
}

impl RecordedRequest {
    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// How many requests got each fault (see [`Proxy::fault_counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Answered ThrottlingException.
    pub throttled: usize,
    /// Answered ServiceUnavailableException.
    pub unavailable: usize,
    /// Dropped before forwarding.
    pub dropped_before: usize,
    /// Dropped after forwarding.
    pub dropped_after: usize,
    /// Had to wait for a release.
    pub held: usize,
    /// Got an injected latency.
    pub delayed: usize,
}

impl FaultCounts {
    /// Throttled + unavailable + dropped before + dropped after.
    pub fn total(&self) -> usize {
        self.throttled + self.unavailable + self.dropped_before + self.dropped_after
    }
}

struct State {
    plan: FaultPlan,
    rng: fastrand::Rng,
    script_pos: usize,
    next_seq: usize,
    first_seq: usize,
    requests: Vec<RecordedRequest>,
    violations: Vec<Violation>,
}

struct Shared {
    upstream: String,
    client: HttpClient<HttpConnector, Full<Bytes>>,
    state: Mutex<State>,
    hold: watch::Sender<bool>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, seq: usize, f: impl FnOnce(&mut RecordedRequest)) {
        let mut st = self.state();
        if seq >= st.first_seq {
            let i = seq - st.first_seq;
            if let Some(r) = st.requests.get_mut(i) {
                f(r);
            }
        }
    }

    fn set_outcome(&self, seq: usize, outcome: Outcome) {
        self.update(seq, |r| r.outcome = outcome);
    }

    fn decide(&self, op: Option<&str>) -> (Fault, Option<Duration>) {
        let mut st = self.state();
        let Some(op) = op else {
            return (Fault::Pass, None);
        };
        if let Some(ops) = &st.plan.ops {
            if !ops.iter().any(|o| o == op) {
                return (Fault::Pass, None);
            }
        }
        let latency = st.plan.latency.map(|(min, max)| {
            if max > min {
                let f = st.rng.f64();
                min + (max - min).mul_f64(f)
            } else {
                min
            }
        });
        if st.script_pos < st.plan.sequence.len() {
            let f = st.plan.sequence[st.script_pos];
            st.script_pos += 1;
            return (f, latency);
        }
        let r = st.rng.f64();
        let p = &st.plan;
        let mut acc = 0.0;
        for (prob, fault) in [
            (p.throttle, Fault::Throttle),
            (p.unavailable, Fault::Unavailable),
            (p.drop_before, Fault::DropBefore),
            (p.drop_after, Fault::DropAfter),
        ] {
            if prob.is_finite() && prob > 0.0 {
                acc += prob;
                if r < acc {
                    return (fault, latency);
                }
            }
        }
        (Fault::Pass, latency)
    }
}

/// A recording, rule-checking, fault-injecting HTTP/1.1 reverse proxy on 127.0.0.1 in front of
/// an upstream endpoint (moto).
///
/// It forwards every request verbatim (method, path, headers, body) and returns the upstream
/// response verbatim, except for the faults of its [`FaultPlan`]. It records every request
/// ([`Proxy::requests`]) and checks the CloudWatch Logs rules on PutLogEvents, CreateLogGroup
/// and CreateLogStream ([`Proxy::violations`]). Dropping it shuts it down (open connections
/// are closed, held requests are abandoned).
pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    done: mpsc::Receiver<()>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("endpoint", &self.endpoint())
            .field("upstream", &self.shared.upstream)
            .finish()
    }
}

impl Proxy {
    /// Starts a proxy on a free port of 127.0.0.1 forwarding to `upstream`
    /// (e.g. `http://127.0.0.1:PORT`, plain http).
    ///
    /// # Panics
    /// If `upstream` is not an `http://host:port` URL or no port can be bound.
    pub fn start(upstream: &str) -> Proxy {
        let upstream = upstream.trim_end_matches('/').to_string();
        match upstream.parse::<Uri>() {
            Ok(u) if u.scheme_str() == Some("http") && u.authority().is_some() => {}
            _ => panic!(
                "watchtower-testkit: Proxy upstream must be http://host:port, got {upstream:?}"
            ),
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.set_nonblocking(true).map(|_| l))
            .unwrap_or_else(|e| panic!("watchtower-testkit: cannot bind the proxy: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("watchtower-testkit: proxy address: {e}"))
            .port();

        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        // No pooling: every forwarded request opens a fresh connection to moto, so a request
        // can never be lost on a stale keep-alive connection (loopback connects are cheap).
        let client = HttpClient::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build(http);
        let plan = FaultPlan::default();
        let shared = Arc::new(Shared {
            upstream,
            client,
            state: Mutex::new(State {
                rng: fastrand::Rng::with_seed(plan.seed),
                plan,
                script_pos: 0,
                next_seq: 0,
                first_seq: 0,
                requests: Vec::new(),
                violations: Vec::new(),
            }),
            hold: watch::channel(false).0,
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (done_tx, done) = mpsc::channel::<()>();
        let accept_shared = Arc::clone(&shared);
        rt().spawn(async move {
            let _done = done_tx; // dropped when the accept loop ends
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            accept_loop(listener, accept_shared, shutdown_rx).await;
        });
        Proxy {
            port,
            shared,
            shutdown,
            done,
        }
    }

    /// The proxy's endpoint URL, `http://127.0.0.1:PORT`: point the client under test here.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The proxy's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The upstream endpoint requests are forwarded to.
    pub fn upstream(&self) -> String {
        self.shared.upstream.clone()
    }

    /// Replaces the fault plan (any time; applies to requests deciding after the call) and
    /// re-seeds the RNG with `plan.seed`.
    pub fn set_faults(&self, plan: FaultPlan) {
        let mut st = self.shared.state();
        st.rng = fastrand::Rng::with_seed(plan.seed);
        st.script_pos = 0;
        st.plan = plan;
    }

    /// Stops injecting faults (same as `set_faults(FaultPlan::none())`).
    pub fn clear_faults(&self) {
        self.set_faults(FaultPlan::none());
    }

    /// Holds every request arriving from now on: it is recorded (outcome [`Outcome::Held`])
    /// but waits, not forwarded, until [`Proxy::release`], like a stalled network.
    pub fn hold(&self) {
        self.shared.hold.send_replace(true);
    }

    /// Lets held requests (and later ones) go on.
    pub fn release(&self) {
        self.shared.hold.send_replace(false);
    }

    /// True between [`Proxy::hold`] and [`Proxy::release`].
    pub fn is_held(&self) -> bool {
        *self.shared.hold.borrow()
    }

    /// Every request recorded so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    /// The PutLogEvents requests recorded so far.
    pub fn put_requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .state()
            .requests
            .iter()
            .filter(|r| r.op == "PutLogEvents")
            .cloned()
            .collect()
    }

    /// How many requests of operation `op` (e.g. `"PutLogEvents"`) were recorded.
    pub fn count(&self, op: &str) -> usize {
        self.shared
            .state()
            .requests
            .iter()
            .filter(|r| r.op == op)
            .count()
    }

    /// How many requests are waiting on [`Proxy::hold`] right now.
    pub fn held_now(&self) -> usize {
        self.shared
            .state()
            .requests
            .iter()
            .filter(|r| r.outcome == Outcome::Held)
            .count()
    }

    /// How many requests got each fault so far.
    pub fn fault_counts(&self) -> FaultCounts {
        let st = self.shared.state();
        let mut c = FaultCounts::default();
        for r in &st.requests {
            match r.outcome {
                Outcome::Throttled => c.throttled += 1,
                Outcome::Unavailable => c.unavailable += 1,
                Outcome::DroppedBeforeForward => c.dropped_before += 1,
                Outcome::DroppedAfterForward { .. } => c.dropped_after += 1,
                _ => {}
            }
            if r.held {
                c.held += 1;
            }
            if r.latency.is_some() {
                c.delayed += 1;
            }
        }
        c
    }

    /// Every rule violation found so far, as human-readable strings
    /// (`"<rule tag>: request #<seq> <op>: <detail>"`).
    pub fn violations(&self) -> Vec<String> {
        self.shared
            .state()
            .violations
            .iter()
            .map(|v| v.to_string())
            .collect()
    }

    /// Every rule violation found so far, structured.
    pub fn violation_records(&self) -> Vec<Violation> {
        self.shared.state().violations.clone()
    }

    /// How many rule violations were found so far.
    pub fn rule_violation_count(&self) -> usize {
        self.shared.state().violations.len()
    }

    /// Panics, listing them, if any rule violation was found.
    #[track_caller]
    pub fn assert_no_violations(&self) {
        let v = self.violations();
        if !v.is_empty() {
            panic!(
                "{} CloudWatch Logs rule violation(s) seen by the proxy:\n  {}",
                v.len(),
                v.join("\n  ")
            );
        }
    }

    /// Forgets the recorded requests and violations (numbering goes on).
    pub fn clear(&self) {
        let mut st = self.shared.state();
        st.first_seq = st.next_seq;
        st.requests.clear();
        st.violations.clear();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
        // Wait (briefly) for the accept loop to close the listening socket.
        let _ = self.done.recv_timeout(Duration::from_secs(2));
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let conn_shutdown = shutdown.clone();
    loop {
        tokio::select! {
            _ = until(&mut shutdown, true) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve_connection(stream, Arc::clone(&shared), conn_shutdown.clone()));
                }
                // E.g. too many open files: back off a little, keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }
}

/// Serves one client connection. A "drop" fault notifies `kill`: the connection (and its
/// socket) is then dropped at once, so the client sees the connection closed with no response.
async fn serve_connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let kill = Arc::new(Notify::new());
    let svc_kill = Arc::clone(&kill);
    let svc = service_fn(move |req| handle(Arc::clone(&shared), req, Arc::clone(&svc_kill)));
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
        _ = until(&mut shutdown, true) => {}
    }
}

/// Waits until the watched flag equals `value` (or its sender is gone); holds no guard.
async fn until(rx: &mut watch::Receiver<bool>, value: bool) {
    let _ = rx.wait_for(|v| *v == value).await;
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

fn aws_error(
    status: StatusCode,
    code: &'static str,
    message: &str,
    seq: usize,
) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "__type": code, "message": message }).to_string();
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    h.insert("x-amzn-errortype", HeaderValue::from_static(code));
    if let Ok(v) = HeaderValue::from_str(&format!("watchtower-testkit-{seq}")) {
        h.insert("x-amzn-requestid", v);
    }
    resp
}

/// Closes the connection (via `kill`) and never answers.
async fn drop_connection(kill: &Notify) -> Result<Response<Full<Bytes>>, Infallible> {
    kill.notify_one();
    std::future::pending().await
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    kill: Arc<Notify>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return drop_connection(&kill).await,
    };
    let api_op = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_string());
    let op = api_op
        .clone()
        .unwrap_or_else(|| format!("{} {}", parts.method, parts.uri.path()));

    let json: Option<serde_json::Value> = if api_op.is_some() {
        serde_json::from_slice(&body).ok()
    } else {
        None
    };
    let field = |k: &str| {
        json.as_ref()
            .and_then(|j| j.get(k))
            .and_then(|v| v.as_str())
            .map(String::from)
    };
    let (group, stream) = (field("logGroupName"), field("logStreamName"));
    let events = if op == "PutLogEvents" {
        parse_put_log_events(&body)
            .map(|p| p.events)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let checks = api_op
        .as_deref()
        .map(|o| check_request(o, &body))
        .unwrap_or_default();

    let seq = {
        let mut st = shared.state();
        let seq = st.next_seq;
        st.next_seq += 1;
        for (rule, detail) in &checks {
            st.violations.push(Violation {
                request: seq,
                op: op.clone(),
                rule: *rule,
                detail: detail.clone(),
            });
        }
        st.requests.push(RecordedRequest {
            seq,
            op: op.clone(),
            group,
            stream,
            events,
            body: body.clone(),
            outcome: Outcome::Pending,
            held: false,
            latency: None,
            violations: checks.iter().map(|(r, _)| *r).collect(),
        });
        seq
    };

    let mut hold = shared.hold.subscribe();
    if *hold.borrow_and_update() {
        shared.update(seq, |r| {
            r.held = true;
            r.outcome = Outcome::Held;
        });
        until(&mut hold, false).await;
        shared.set_outcome(seq, Outcome::Pending);
    }

    let (fault, latency) = shared.decide(api_op.as_deref());
    if let Some(d) = latency {
        shared.update(seq, |r| r.latency = Some(d));
        tokio::time::sleep(d).await;
    }

    match fault {
        Fault::Throttle => {
            shared.set_outcome(seq, Outcome::Throttled);
            Ok(aws_error(
                StatusCode::BAD_REQUEST,
                "ThrottlingException",
                "Rate exceeded",
                seq,
            ))
        }
        Fault::Unavailable => {
            shared.set_outcome(seq, Outcome::Unavailable);
            Ok(aws_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailableException",
                "Service unavailable",
                seq,
            ))
        }
        Fault::Error(status, code) => {
            shared.set_outcome(seq, Outcome::Errored(code.to_string()));
            Ok(aws_error(
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                code,
                "injected by the watchtower-testkit proxy",
                seq,
            ))
        }
        Fault::DropBefore => {
            shared.set_outcome(seq, Outcome::DroppedBeforeForward);
            drop_connection(&kill).await
        }
        Fault::Pass | Fault::DropAfter => match forward(&shared, &parts, body).await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                if fault == Fault::DropAfter {
                    shared.set_outcome(seq, Outcome::DroppedAfterForward { status });
                    drop_connection(&kill).await
                } else {
                    shared.set_outcome(seq, Outcome::Forwarded { status });
                    Ok(resp)
                }
            }
            Err(e) => {
                let msg = format!("watchtower-testkit proxy: upstream error: {e}");
                shared.set_outcome(seq, Outcome::UpstreamError(e));
                Ok(aws_error(
                    StatusCode::BAD_GATEWAY,
                    "ServiceUnavailableException",
                    &msg,
                    seq,
                ))
            }
        },
    }
}

async fn forward(
    shared: &Shared,
    parts: &Parts,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, String> {
    let pq = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let uri: Uri = format!("{}{}", shared.upstream, pq)
        .parse()
        .map_err(|e| format!("bad upstream URI: {e}"))?;
    let mut req = Request::new(Full::new(body));
    *req.method_mut() = parts.method.clone();
    *req.uri_mut() = uri;
    for (k, v) in parts.headers.iter() {
        if !is_hop_by_hop(k) {
            req.headers_mut().append(k.clone(), v.clone());
        }
    }
    let resp = shared
        .client
        .request(req)
        .await
        .map_err(|e| format!("{e} ({e:?})"))?;
    let (rparts, rbody) = resp.into_parts();
    let bytes = rbody
        .collect()
        .await
        .map_err(|e| format!("reading the upstream body: {e}"))?
        .to_bytes();
    let is_put = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.ends_with(".PutLogEvents"));
    let bytes = if is_put {
        aws_rejected_indices(bytes)
    } else {
        bytes
    };
    let mut out = Response::new(Full::new(bytes.clone()));
    *out.status_mut() = rparts.status;
    for (k, v) in rparts.headers.iter() {
        if !is_hop_by_hop(k) && k != hyper::header::CONTENT_LENGTH {
            out.headers_mut().append(k.clone(), v.clone());
        }
    }
    out.headers_mut()
        .insert(hyper::header::CONTENT_LENGTH, bytes.len().into());
    Ok(out)
}

/// moto reports `tooOldLogEventEndIndex` (and `expiredLogEventEndIndex`) as the index of the
/// last rejected event; the service documents both as exclusive end indices. Rewrite moto's
/// answer to the service's convention so the client is tested against the real semantics.
fn aws_rejected_indices(body: Bytes) -> Bytes {
    let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return body;
    };
    let Some(info) = json
        .get_mut("rejectedLogEventsInfo")
        .and_then(|v| v.as_object_mut())
    else {
        return body;
    };
    for key in ["tooOldLogEventEndIndex", "expiredLogEventEndIndex"] {
        if let Some(i) = info.get(key).and_then(|v| v.as_i64()) {
            info.insert(key.into(), (i + 1).into());
        }
    }
    Bytes::from(serde_json::to_vec(&json).unwrap_or_else(|_| body.to_vec()))
}
