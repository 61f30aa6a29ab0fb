//! Test support for watchtower-logs and its front ends.
//!
//! - [`Moto`] / [`shared_moto`]: the moto AWS emulator in a child python process on 127.0.0.1,
//!   with sync read-back helpers ([`Moto::events`], [`Moto::streams`], ...).
//! - [`Proxy`]: a recording, rule-checking, fault-injecting HTTP/1.1 proxy to put between the
//!   code under test and moto ([`FaultPlan`], [`Proxy::hold`], [`Proxy::violations`]).
//! - [`sdk_config`] / [`client`] / [`client_no_retries`]: SDK configs for a local endpoint.
//! - [`ForwardProxy`]: a forward (CONNECT and absolute-form) proxy resolving only its own host
//!   names; [`TlsFront`]: TLS with a private CA in front of a plain-HTTP server.
//! - [`LiveTailStub`]: serves StartLiveTail (which moto does not) as a scripted event stream,
//!   forwarding every other call to moto.
//! - [`limits`] and [`rules`]: the CloudWatch Logs limits and the checks the proxy applies.
//!
//! The API is synchronous, for plain `#[test]` functions: the servers and helper calls run on
//! the testkit's own tokio runtime (background threads), so callers need no runtime, and the
//! helpers also work from a thread inside another runtime. Everything binds 127.0.0.1 only.
//!
//! ```no_run
//! use watchtower_testkit::{shared_moto, FaultPlan, Proxy};
//!
//! let moto = shared_moto();
//! moto.create_group("app");
//! let proxy = Proxy::start(&moto.endpoint());
//! proxy.set_faults(FaultPlan { throttle: 0.2, seed: 7, ..FaultPlan::default() });
//! // ... run the code under test against proxy.endpoint() ...
//! proxy.assert_no_violations();
//! assert!(moto.all_events("app").len() > 0);
//! ```
#![warn(missing_docs)]

mod forward;
mod http_server;
mod live_tail;
mod moto;
mod proxy;
mod python;
pub mod rules;
mod runtime;
mod sdk;
mod tls_front;

pub use forward::{ForwardProxy, ProxyLog};
pub use live_tail::{LiveEvent, LiveSession, LiveStep, LiveTailStub};
pub use moto::{shared_moto, wait_until, Moto, MotoLease};
pub use proxy::{Fault, FaultCounts, FaultPlan, Outcome, Proxy, Quota, RecordedRequest};
pub use python::{moto_runner_script, python, workspace_root};
pub use rules::{Rule, Violation};
pub use sdk::{client, client_no_retries, sdk_config, TEST_REGION};
pub use tls_front::TlsFront;

/// CloudWatch Logs limits (see `shared/cloudwatch-facts.md`).
pub mod limits {
    /// Maximum PutLogEvents batch size: sum over events of (UTF-8 bytes of message + 26).
    pub const MAX_BATCH_BYTES: usize = 1_048_576;
    /// Maximum number of events in one PutLogEvents batch (the minimum is 1).
    pub const MAX_BATCH_EVENTS: usize = 10_000;
    /// Bytes counted per event on top of its message.
    pub const EVENT_OVERHEAD: usize = 26;
    /// Maximum size of one event (message bytes + 26); the largest message is 1,048,550 bytes.
    pub const MAX_EVENT_BYTES: usize = 1_048_576;
    /// 24 hours in milliseconds: a batch's newest - oldest timestamp must be less than this.
    pub const MAX_SPAN_MS: i64 = 24 * 3600 * 1000;
    /// Maximum length of a log group or log stream name, in characters.
    pub const MAX_NAME_CHARS: usize = 512;
}

/// One log event: milliseconds since the epoch and the message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Event {
    /// Milliseconds since the Unix epoch.
    pub timestamp: i64,
    /// The message.
    pub message: String,
}

impl Event {
    /// A new event.
    pub fn new(timestamp: i64, message: impl Into<String>) -> Event {
        Event {
            timestamp,
            message: message.into(),
        }
    }
}
