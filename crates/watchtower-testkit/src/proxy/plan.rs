//! What the proxy can inject ([`Fault`], [`FaultPlan`]) and what it records of each request
//! ([`Outcome`], [`RecordedRequest`], [`FaultCounts`]).

use std::time::Duration;

use bytes::Bytes;

use crate::rules::Rule;
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

/// Which faults the proxy injects. Set it with [`Proxy::set_faults`](super::Proxy::set_faults); the default injects
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
    /// Seed of the RNG (re-seeded by every [`Proxy::set_faults`](super::Proxy::set_faults)).
    pub seed: u64,
    /// Affected operations, e.g. `Some(vec!["PutLogEvents".into()])`; `None` = all operations.
    pub ops: Option<Vec<String>>,
    /// Faults applied, in order, to the first affected requests (before the probabilities).
    pub sequence: Vec<Fault>,
    /// Quotas shared by every client of the proxy, like the account's per-Region API quotas:
    /// a request of a quota's operation that finds its token bucket empty is answered
    /// ThrottlingException (HTTP 400, as the service does) without forwarding. Checked
    /// before everything else in the plan (after a hold).
    pub quotas: Vec<Quota>,
}

/// A token bucket on one operation: `per_second` tokens a second, at most `burst` saved up
/// (the bucket starts full); each request of the operation takes one.
#[derive(Debug, Clone, PartialEq)]
pub struct Quota {
    /// The operation, e.g. `PutLogEvents`.
    pub op: String,
    /// Requests allowed per second, sustained.
    pub per_second: f64,
    /// Requests allowed at once after a quiet period (at least 1).
    pub burst: f64,
}

impl Quota {
    /// `per_second` requests a second of `op`, with a burst of one second's worth.
    pub fn per_second(op: &str, per_second: f64) -> Quota {
        Quota {
            op: op.to_string(),
            per_second,
            burst: per_second.max(1.0),
        }
    }
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
            quotas: Vec::new(),
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

    /// Adds a shared quota (see [`FaultPlan::quotas`]).
    pub fn with_quota(mut self, quota: Quota) -> Self {
        self.quotas.push(quota);
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
    /// Waiting because the proxy is held ([`Proxy::hold`](super::Proxy::hold)).
    Held,
    /// Forwarded; moto answered with this HTTP status, which was passed on.
    Forwarded {
        /// moto's HTTP status.
        status: u16,
    },
    /// Answered 400 ThrottlingException, not forwarded (a fault of the plan, or a quota
    /// exceeded).
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
    /// Sequence number, starting at 0 (after [`Proxy::clear`](super::Proxy::clear), numbering goes on).
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
    /// The request body as the service reads it: decoded when it came gzipped.
    pub body: Bytes,
    /// Bytes of the body as sent on the wire (compressed, when it was).
    pub wire_bytes: usize,
    /// The request's `Content-Encoding` header, if any (`gzip`).
    pub content_encoding: Option<String>,
    /// When the request arrived at the proxy.
    pub arrived: std::time::Instant,
    /// What the proxy did (updated while the request is in flight).
    pub outcome: Outcome,
    /// True if the request had to wait for [`Proxy::release`](super::Proxy::release).
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

/// How many requests got each fault (see [`Proxy::fault_counts`](super::Proxy::fault_counts)).
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
