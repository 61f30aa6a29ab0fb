//! Warnings never hold up delivery: a process whose stderr is a pipe nobody reads (full: any
//! write to it blocks) still delivers, although the worker has a warning to print on the way
//! (the first failure, a retried 503). This test binary runs itself as that process; the
//! child fills its own stderr pipe before logging, with the default `StderrSink`.
//!
//! `harness = false` (see Cargo.toml): `main` is ours.
#![cfg(unix)]

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use watchtower_logs::{AwsSettings, Config, Record};
use watchtower_testkit::{shared_moto, Fault, FaultPlan, Proxy};

const CHILD: &str = "WATCHTOWER_TEST_FULL_STDERR_ENDPOINT";
const N: usize = 50;

fn main() {
    match std::env::var(CHILD) {
        Ok(endpoint) => child(&endpoint),
        Err(_) => parent(),
    }
}

/// Writes to stderr until the pipe is full, then makes it blocking again.
fn fill_stderr() {
    // SAFETY: fcntl and write on fd 2, which this process owns.
    unsafe {
        let flags = libc::fcntl(2, libc::F_GETFL);
        libc::fcntl(2, libc::F_SETFL, flags | libc::O_NONBLOCK);
        let chunk = [b'x'; 4096];
        while libc::write(2, chunk.as_ptr().cast(), chunk.len()) > 0 {}
        libc::fcntl(2, libc::F_SETFL, flags);
    }
}

fn child(endpoint: &str) {
    let config = Config::builder()
        .log_group_name("full-stderr")
        .log_stream_name("s")
        .retry(support::fast_retry())
        .aws(
            AwsSettings::new()
                .endpoint_url(endpoint)
                .region("us-east-1")
                .credentials("testing", "testing-secret-key", None),
        )
        .build()
        .unwrap();
    let (logs, _guard) = config.start().unwrap();
    fill_stderr();
    for i in 0..N {
        logs.log(Record::new(format!("event {i}")));
    }
    let ok = logs.flush(Duration::from_secs(30)).is_ok() && logs.stats().delivered == N as u64;
    // Exit at once: the guard's drop would be fine, but nothing more needs doing.
    std::process::exit(if ok { 0 } else { 1 });
}

fn parent() {
    let started = Instant::now();
    println!("\nrunning 1 test");
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    // Enough 503s that the SDK's own attempts give up once and the worker warns.
    proxy.set_faults(FaultPlan::sequence([Fault::Unavailable; 4]).only_ops(&["PutLogEvents"]));
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD, proxy.endpoint())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped()) // never read
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let delivered = moto.events("full-stderr", "s").len();
    let result = if status.is_some_and(|s| s.success()) && delivered == N {
        Ok(())
    } else {
        Err(format!("child {status:?}, {delivered} of {N} delivered"))
    };
    support::report(
        vec![("a_full_stderr_never_stalls_delivery".into(), result)],
        started,
    );
}
