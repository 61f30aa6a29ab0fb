//! A recording, rule-checking, fault-injecting HTTP/1.1 reverse proxy for CloudWatch Logs.
//!
//! One file a concern: what can be injected and what is recorded (`plan.rs`), the proxy and
//! its shared state (here), and serving and forwarding each request (`serve.rs`).

use std::fmt;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::rules::Violation;
use crate::runtime::rt;

mod plan;
mod serve;

pub use plan::{Fault, FaultCounts, FaultPlan, Outcome, Quota, RecordedRequest};
use serve::accept_loop;

struct State {
    plan: FaultPlan,
    /// Per quota of the plan: (tokens, when last refilled).
    buckets: Vec<(f64, Instant)>,
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

    /// Takes a token from every quota on `op`; false if one of them is empty.
    fn within_quotas(&self, op: &str) -> bool {
        let mut guard = self.state();
        let st = &mut *guard;
        let now = Instant::now();
        let mut ok = true;
        for (quota, (tokens, refilled)) in st.plan.quotas.iter().zip(st.buckets.iter_mut()) {
            if quota.op != op {
                continue;
            }
            let earned = now.duration_since(*refilled).as_secs_f64() * quota.per_second;
            *tokens = (*tokens + earned).min(quota.burst.max(1.0));
            *refilled = now;
            if *tokens >= 1.0 {
                *tokens -= 1.0;
            } else {
                ok = false;
            }
        }
        ok
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
                buckets: Vec::new(),
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
        let now = Instant::now();
        st.buckets = plan
            .quotas
            .iter()
            .map(|q| (q.burst.max(1.0), now))
            .collect();
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
