//! Benchmarks for watchtower-rs.
//!
//! - [`sink`]: a fast loopback CloudWatch Logs endpoint that counts events and bytes (also as
//!   the `bench-sink` binary, for other processes and the Python comparison).
//! - `benches/hot_paths.rs`: criterion benches of the stream-name template, the batch builder,
//!   the floor (build, encode and sign one 1 MiB batch of 10,000 events), the core's encoding
//!   and gzip; `benches/calling_thread.rs`: the calling thread's floor and steady state;
//!   `benches/hand_off.rs`: the front ends' hand-off against a channel.
//! - `src/bin/rust-peers.rs`: our `tracing` layer and `log` front end against
//!   `tracing-cloudwatch`, each scenario in its own process.
//! - [`proc`]: peak memory and CPU time of the current process.
//! - [`rounds`]: several rounds of a scenario folded into one result (their medians).
//!
//! `scripts/bench` at the repository root runs all of it and writes `docs/benchmarks.md`.

pub mod floor;
pub mod peers;
pub mod proc;
pub mod rounds;
pub mod sink;

pub use sink::{Sink, SinkClient, SinkOptions, SinkStats, Waited};
