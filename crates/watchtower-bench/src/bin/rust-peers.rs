//! `rust-peers`: our `tracing` layer and `log` front end against `tracing-cloudwatch`, in one
//! run, with the same message and the same sink.
//!
//! ```text
//! rust-peers [--events N] [--rounds R] [--json PATH] [--scenarios a,b,...] [--floor-iterations K]
//! ```
//!
//! With `--rounds R` every scenario runs R times, round after round (each round runs them all,
//! in order), so that a shared machine's drift falls on every shipper alike; each figure
//! reported is then the median of its R values (every round's values are kept in the JSON,
//! under `rounds`). The floor runs in the first round only.
//!
//! The parent starts the bench sink in-process and runs each scenario in its own child process
//! (`rust-peers child SCENARIO ENDPOINT N`), so that each peak-memory number (`VmHWM`) belongs
//! to one client alone. A child logs N events from its main thread, timing only the logging
//! calls (ns per event in the calling thread: wall time, and the thread's own CPU time, which
//! a busy machine does not inflate), then flushes (our `Handle::flush`,
//! tracing-cloudwatch's `guard.shutdown()`) and waits (bounded) until the sink has counted
//! all N events: end-to-end events/s run from the first log call to that moment. It prints
//! one `RESULT {json}` line.
//!
//! Scenarios:
//! - `tracing-baseline`: the `tracing` macro with a registry and an INFO filter, no shipping
//!   layer (what any layer costs on top of);
//! - `ours-tracing-json` / `ours-tracing-plain`: our layer, JSON (default) and plain text;
//! - `ours-tracing-json-nogzip`: the JSON layer with compression off (what gzip costs in CPU
//!   and saves in bytes on the wire: `wire bytes/event` against `bytes/event`);
//! - `ours-log-json`: our `log` front end;
//! - `ours-core-floor-shape`: the core's `Handle::log` with messages shaped like the floor
//!   batch (10,000 events of 1 MiB), to compare end to end with the floor;
//! - `tracing-cloudwatch`: tracing-cloudwatch 0.4 (its default text format, file and line;
//!   it has no flush, and its shutdown sends all that is queued as one request, refused when
//!   over 10,000 events or 1 MiB: the child waits until less than one batch is left, then
//!   calls `shutdown`),
//!   batch size 6,500 (it counts events, not bytes: 6,500 batches of this message stay under
//!   1 MiB; the default 5 would mean 200,000 requests), on a 2-worker
//!   tokio runtime;
//! - `floor`: the floor batch through the SDK in memory, phase by phase (no sink).
//!
//! Same configuration for all shippers: log group `bench`, send interval 5 s, INFO filter.
//! Ours: the default stream name template (rendered per event), and a queue bound of 1 GiB
//! so that nothing is dropped while N events are queued faster than they ship
//! (tracing-cloudwatch's queue is unbounded).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use watchtower_bench::sink::Sink;

/// The children: one scenario each, in a process of its own.
#[path = "rust_peers/child.rs"]
mod child;
use child::run_child;

const SCENARIOS: [&str; 8] = [
    "tracing-baseline",
    "ours-tracing-json",
    "ours-tracing-json-nogzip",
    "ours-tracing-plain",
    "ours-log-json",
    "ours-core-floor-shape",
    "tracing-cloudwatch",
    "floor",
];

const SEND_INTERVAL: Duration = Duration::from_secs(5);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child") {
        let [_, scenario, endpoint, n] = &args[..] else {
            eprintln!("usage: rust-peers child SCENARIO ENDPOINT N");
            std::process::exit(2);
        };
        let n: u64 = n.parse().expect("N is a number");
        let result = run_child(scenario, endpoint, n);
        println!("RESULT {result}");
        return;
    }
    let mut events = 1_000_000u64;
    let mut json_out: Option<String> = None;
    let mut scenarios: Vec<String> = SCENARIOS.iter().map(|s| s.to_string()).collect();
    let mut floor_iterations = 30usize;
    let mut rounds = 1usize;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--events" => events = it.next().and_then(|v| v.parse().ok()).expect("--events N"),
            "--json" => json_out = it.next(),
            "--rounds" => {
                rounds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&r| r > 0)
                    .expect("--rounds R (at least 1)")
            }
            "--scenarios" => {
                scenarios = it
                    .next()
                    .expect("--scenarios a,b")
                    .split(',')
                    .map(str::to_owned)
                    .collect()
            }
            "--floor-iterations" => {
                floor_iterations = it.next().and_then(|v| v.parse().ok()).expect("K")
            }
            other => {
                eprintln!("rust-peers: unknown argument {other:?}");
                eprintln!("usage: rust-peers [--events N] [--rounds R] [--json PATH] [--scenarios a,b] [--floor-iterations K]");
                std::process::exit(2);
            }
        }
    }
    std::env::set_var("RUST_PEERS_FLOOR_ITERATIONS", floor_iterations.to_string());

    let sink = Sink::start().expect("start the bench sink");
    let exe = std::env::current_exe().expect("own path");
    let mut runs: Vec<Vec<Value>> = vec![Vec::new(); scenarios.len()];
    for round in 1..=rounds {
        for (scenario, done) in scenarios.iter().zip(&mut runs) {
            if scenario == "floor" && round > 1 {
                continue;
            }
            eprintln!("rust-peers: {scenario} ({events} events, round {round} of {rounds})");
            done.push(run_scenario(&exe, &sink, scenario, events));
        }
    }
    let results: Vec<Value> = runs
        .into_iter()
        .map(watchtower_bench::rounds::median_of_rounds)
        .collect();
    let report = json!({
        "events": events,
        "rounds": rounds,
        "send_interval_secs": SEND_INTERVAL.as_secs_f64(),
        "results": results,
    });
    print_table(&report);
    if let Some(path) = json_out {
        std::fs::write(&path, serde_json::to_string_pretty(&report).expect("json"))
            .expect("write the JSON report");
    }
}

/// Runs `scenario` in a child process against `sink`: its result line, or an error.
fn run_scenario(exe: &std::path::Path, sink: &Sink, scenario: &str, events: u64) -> Value {
    sink.reset();
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args(["child", scenario, &sink.endpoint(), &events.to_string()])
        // anyhow (in tracing-cloudwatch) would capture a backtrace per error.
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn a scenario");
    let mut result: Option<Value> = None;
    let stdout = child.stdout.take().expect("piped stdout");
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(rest) = line.strip_prefix("RESULT ") {
            result = serde_json::from_str(rest).ok();
        }
    }
    let status = child.wait().expect("wait for a scenario");
    let mut value = result.unwrap_or_else(
        || json!({"scenario": scenario, "error": format!("no result (exit status {status})")}),
    );
    value["wall_secs"] = json!(started.elapsed().as_secs_f64());
    let stats = sink.stats();
    value["sink_rejected_requests"] = json!(stats.rejected_requests);
    eprintln!("rust-peers: {value}");
    value
}

fn print_table(report: &Value) {
    println!(
        "| scenario | ns/event (calling thread, wall) | its CPU ns/event | its page faults per 1k events | end-to-end events/s | delivered | bytes/event | wire bytes/event | peak RSS MiB | CPU s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in report["results"].as_array().into_iter().flatten() {
        let f = |k: &str| r.get(k).and_then(Value::as_f64);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r["scenario"].as_str().unwrap_or("?"),
            f("ns_per_event").map_or("-".into(), |v| format!("{v:.0}")),
            f("thread_cpu_ns_per_event").map_or("-".into(), |v| format!("{v:.0}")),
            f("thread_page_faults_per_1k_events").map_or("-".into(), |v| format!("{v:.1}")),
            f("e2e_events_per_sec").map_or("-".into(), |v| format!("{v:.0}")),
            f("delivered").map_or("-".into(), |v| format!("{v:.0}")),
            f("bytes_per_event").map_or("-".into(), |v| format!("{v:.1}")),
            f("wire_bytes_per_event").map_or("-".into(), |v| format!("{v:.1}")),
            f("peak_rss_bytes").map_or("-".into(), |v| format!("{:.1}", v / 1048576.0)),
            f("cpu_secs").map_or("-".into(), |v| format!("{v:.2}")),
        );
    }
}
