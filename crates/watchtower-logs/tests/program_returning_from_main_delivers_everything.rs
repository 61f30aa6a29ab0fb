//! A program that logs and returns from `main` delivers everything: this test binary runs
//! itself as the "program" in a child process (plain sync `main` with `log::init`, sync `main`
//! with a global tracing subscriber, `#[tokio::main]` multi-thread with tracing, and a
//! current-thread `#[tokio::main]` with `log::init`), each with a 60 s send interval so that
//! only the guard dropped at the end of `main` can deliver; once the child has exited, moto
//! must hold every event, read once, without waiting.
//!
//! `harness = false` (see Cargo.toml): `main` is ours, and the child mode is chosen by an
//! environment variable.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tracing_subscriber::prelude::*;

const CHILD_MODE: &str = "WATCHTOWER_TEST_CHILD_MODE";
const CHILD_ENDPOINT: &str = "WATCHTOWER_TEST_CHILD_ENDPOINT";
const CHILD_GROUP: &str = "WATCHTOWER_TEST_CHILD_GROUP";
/// Events each program logs.
const N: usize = 200;
const MODES: [&str; 4] = [
    "log-sync-main",
    "tracing-sync-main",
    "tracing-tokio-multi-thread-main",
    "log-tokio-current-thread-main",
];

fn main() {
    match std::env::var(CHILD_MODE) {
        Ok(mode) => match mode.as_str() {
            "log-sync-main" => log_sync_main(),
            "tracing-sync-main" => tracing_sync_main(),
            "tracing-tokio-multi-thread-main" => tracing_tokio_multi_thread_main(),
            "log-tokio-current-thread-main" => log_tokio_current_thread_main(),
            other => panic!("unknown child mode {other:?}"),
        },
        Err(_) => parent(),
    }
}

// === the programs ===

fn child_config() -> watchtower_logs::Config {
    let endpoint = std::env::var(CHILD_ENDPOINT).unwrap();
    let group = std::env::var(CHILD_GROUP).unwrap();
    support::config_for(&endpoint, &group).build().unwrap()
}

fn log_sync_main() {
    let _guard =
        watchtower_logs::log::init_with_level(child_config(), log::LevelFilter::Debug).unwrap();
    for n in 0..N {
        log::info!(target: "program", n; "event");
    }
    log::trace!(target: "program", n = N; "above the level filter: not shipped");
}

fn tracing_sync_main() {
    let (layer, _guard) = watchtower_logs::tracing::layer(child_config()).unwrap();
    tracing_subscriber::registry().with(layer).init();
    for n in 0..N {
        tracing::info!(target: "program", n, "event");
    }
}

#[tokio::main]
async fn tracing_tokio_multi_thread_main() {
    let (layer, _guard) = watchtower_logs::tracing::layer(child_config()).unwrap();
    tracing_subscriber::registry().with(layer).init();
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            tokio::spawn(async move {
                for i in 0..N / 4 {
                    tracing::info!(target: "program", n = t * (N / 4) + i, "event");
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn log_tokio_current_thread_main() {
    let _guard = watchtower_logs::log::init(child_config()).unwrap();
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            tokio::spawn(async move {
                for i in 0..N / 4 {
                    log::info!(target: "program", n = t * (N / 4) + i; "event");
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    log::debug!(target: "program", n = N; "below init's Info filter: not shipped");
}

// === the test ===

fn parent() {
    let moto = watchtower_testkit::shared_moto();
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut results = Vec::new();
    println!("\nrunning {} tests", MODES.len());
    for mode in MODES {
        let group = format!("program-{mode}");
        let result = run_child(&exe, mode, &moto.endpoint(), &group).and_then(|()| {
            // The child has exited: everything must be there already.
            let mut got: Vec<u64> = moto
                .all_events(&group)
                .iter()
                .map(|(stream, e)| {
                    let v: serde_json::Value = serde_json::from_str(&e.message).unwrap();
                    assert_eq!(stream, "program");
                    v["fields"]["n"].as_u64().unwrap()
                })
                .collect();
            got.sort_unstable();
            let want: Vec<u64> = (0..N as u64).collect();
            if got == want {
                Ok(())
            } else {
                Err(format!(
                    "moto holds {} events, expected 0..{N}: {got:?}",
                    got.len()
                ))
            }
        });
        results.push((mode.to_string(), result));
    }
    support::report(results, started);
}

fn run_child(exe: &std::path::Path, mode: &str, endpoint: &str, group: &str) -> Result<(), String> {
    let mut child = Command::new(exe)
        .env(CHILD_MODE, mode)
        .env(CHILD_ENDPOINT, endpoint)
        .env(CHILD_GROUP, group)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("the program failed: {status}")),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("the program did not exit within 120 s".into());
            }
            // Polling for the child's exit, not for delivery.
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for the program: {e}")),
        }
    }
}
