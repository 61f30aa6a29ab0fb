//! A service stopped by a real SIGTERM or SIGINT, having called `deliver_on_signals()`,
//! delivers every event it logged (send interval 60 s: only the signal path can have sent
//! them), then ends killed by that same signal, as it would have without us. This test binary
//! runs itself as the service in a child process (a plain `main` with `log`, and a tokio
//! multi-thread service with `tracing`) and signals it.
//!
//! `harness = false` (see Cargo.toml): `main` is ours, the child mode is an environment
//! variable.
#![cfg(unix)]

mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tracing_subscriber::prelude::*;

const CHILD_MODE: &str = "WATCHTOWER_TEST_CHILD_MODE";
const CHILD_ENDPOINT: &str = "WATCHTOWER_TEST_CHILD_ENDPOINT";
const CHILD_GROUP: &str = "WATCHTOWER_TEST_CHILD_GROUP";
/// Events each service logs before it is signalled.
const N: usize = 300;

fn main() {
    match std::env::var(CHILD_MODE) {
        Ok(mode) if mode == "log-plain-main" => log_plain_main(),
        Ok(mode) if mode == "tracing-tokio-service" => tracing_tokio_service(),
        Ok(other) => panic!("unknown child mode {other:?}"),
        Err(_) => parent(),
    }
}

// === the services ===

fn child_config() -> watchtower_logs::Config {
    let endpoint = std::env::var(CHILD_ENDPOINT).unwrap();
    let group = std::env::var(CHILD_GROUP).unwrap();
    support::config_for(&endpoint, &group).build().unwrap()
}

fn ready() {
    println!("READY");
}

fn log_plain_main() {
    let _guard = watchtower_logs::log::init(child_config()).unwrap();
    watchtower_logs::deliver_on_signals().unwrap();
    for n in 0..N {
        log::info!(target: "service", n; "event");
    }
    ready();
    loop {
        std::thread::park();
    }
}

fn tracing_tokio_service() {
    let (layer, _guard) = watchtower_logs::tracing::layer(child_config()).unwrap();
    tracing_subscriber::registry().with(layer).init();
    watchtower_logs::deliver_on_signals().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..3)
            .map(|t| {
                tokio::spawn(async move {
                    for n in (t..N).step_by(3) {
                        tracing::info!(target: "service", n, "event");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        ready();
        std::future::pending::<()>().await;
    });
}

// === the test ===

fn parent() {
    let moto = watchtower_testkit::shared_moto();
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let cases = [
        ("log-plain-main", libc::SIGTERM),
        ("log-plain-main", libc::SIGINT),
        ("tracing-tokio-service", libc::SIGTERM),
    ];
    let mut results = Vec::new();
    println!("\nrunning {} tests", cases.len());
    for (mode, signal) in cases {
        let name = format!("{mode}-signal-{signal}");
        let group = format!("signals-{name}");
        let result = run_child(&exe, mode, &moto.endpoint(), &group, signal).and_then(|()| {
            let mut got: Vec<u64> = moto
                .all_events(&group)
                .iter()
                .map(|(_, e)| {
                    let v: serde_json::Value = serde_json::from_str(&e.message).unwrap();
                    v["fields"]["n"].as_u64().unwrap()
                })
                .collect();
            got.sort_unstable();
            let want: Vec<u64> = (0..N as u64).collect();
            if got == want {
                Ok(())
            } else {
                Err(format!("moto holds {} events, expected 0..{N}", got.len()))
            }
        });
        results.push((name, result));
    }
    support::report(results, started);
}

fn run_child(
    exe: &std::path::Path,
    mode: &str,
    endpoint: &str,
    group: &str,
    signal: i32,
) -> Result<(), String> {
    let mut child = Command::new(exe)
        .env(CHILD_MODE, mode)
        .env(CHILD_ENDPOINT, endpoint)
        .env(CHILD_GROUP, group)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    if line.trim() != "READY" {
        let _ = child.kill();
        return Err(format!("the service did not start: {line:?}"));
    }
    // SAFETY: kill(2) on our own child's pid.
    if unsafe { libc::kill(child.id() as i32, signal) } != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return if status.signal() == Some(signal) {
                Ok(())
            } else {
                Err(format!(
                    "the service ended with {status}, not signal {signal}"
                ))
            };
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("the service did not end within 60 s of the signal".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
