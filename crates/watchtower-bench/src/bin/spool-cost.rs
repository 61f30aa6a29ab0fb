//! The durable spool's cost and its crash window, against the loopback bench sink:
//!
//! ```text
//! spool-cost                         # off vs on, one child process each, then the window
//! spool-cost --mode on --events 1000000
//! spool-cost --mode window --sync-ms 200
//! ```
//!
//! `off` / `on`: one thread logs N events of 100 bytes through `Handle::log`; prints the
//! calling thread's wall and CPU time per call, its voluntary context switches, and the whole
//! process's CPU per event until the sink has counted every event. `getppid()` is called just
//! before and after the logging loop, as markers for `strace -f` (syscalls of the calling
//! thread between them). `window`: logs one event at a time and polls the segment files until
//! it is written: the crash window actually achieved (p50 and max of 50).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use watchtower_bench::proc::{cpu_total, thread_cpu_time};
use watchtower_bench::sink::Sink;
use watchtower_logs::{AwsSettings, Config, ConfigBuilder, Record};

const MESSAGE: &str = "GET /api/v1/users/42 200 12ms user_agent=\"curl/8.5\" request_id=5f0c2a7e-3b1d-4c19-9e7a-8d2b61f0a9c3";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let events: usize = get("--events").map_or(1_000_000, |s| s.parse().unwrap());
    let sync_ms: u64 = get("--sync-ms").map_or(200, |s| s.parse().unwrap());
    match get("--mode").as_deref() {
        Some("off") => cost(false, events),
        Some("on") => cost(true, events),
        Some("window") => window(sync_ms),
        Some(other) => panic!("unknown mode {other}"),
        None => {
            println!(
                "| spool | events | calling thread wall ns/call | calling thread CPU ns/call \
                 | voluntary switches (calling thread) | process CPU ns/event | end to end s |"
            );
            println!("|---|---:|---:|---:|---:|---:|---:|");
            for mode in ["off", "on"] {
                child(&["--mode", mode, "--events", &events.to_string()]);
            }
            println!();
            println!("| sync interval | p50 ms | max ms | (log call → record written to the segment file) |");
            println!("|---:|---:|---:|---|");
            for ms in ["200", "50"] {
                child(&["--mode", "window", "--sync-ms", ms]);
            }
        }
    }
}

fn child(args: &[&str]) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(args)
        .output()
        .unwrap();
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spool-cost-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn builder(sink: &Sink) -> ConfigBuilder {
    Config::builder()
        .log_group_name("spool-bench")
        .log_stream_name("s")
        .max_queue_bytes(1 << 30)
        .send_interval(Duration::from_secs(1))
        .aws(
            AwsSettings::new()
                .endpoint_url(sink.endpoint())
                .region("us-east-1")
                .credentials("testing", "testing-secret", None),
        )
}

fn voluntary_switches() -> i64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    usage.ru_nvcsw
}

fn cost(spool: bool, n: usize) {
    let sink = Sink::start().unwrap();
    let dir = scratch("cost");
    let mut b = builder(&sink);
    if spool {
        b = b.spool_dir(&dir).spool_max_bytes(8 << 30);
    }
    let (logs, guard) = b.build().unwrap().start().unwrap();
    let cpu0 = cpu_total();
    let started = Instant::now();
    let thread0 = thread_cpu_time();
    let switches0 = voluntary_switches();
    // SAFETY: getppid has no preconditions (a marker for strace).
    unsafe { libc::getppid() };
    for _ in 0..n {
        logs.log(Record::new(MESSAGE.to_owned()));
    }
    unsafe { libc::getppid() };
    let wall = started.elapsed();
    let thread = thread_cpu_time() - thread0;
    let switches = voluntary_switches() - switches0;
    logs.flush(Duration::from_secs(600)).unwrap();
    sink.wait_for(n as u64, Duration::from_secs(600));
    drop(guard);
    let cpu = cpu_total() - cpu0;
    let e2e = started.elapsed();
    assert_eq!(logs.stats().delivered, n as u64, "{}", logs.stats());
    let _ = std::fs::remove_dir_all(&dir);
    let per = |d: Duration| d.as_nanos() as f64 / n as f64;
    println!(
        "| {} | {n} | {:.0} | {:.0} | {switches} | {:.0} | {:.2} |",
        if spool { "on" } else { "off" },
        per(wall),
        per(thread),
        per(cpu),
        e2e.as_secs_f64()
    );
}

fn spooled_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "wal"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn window(sync_ms: u64) {
    let sink = Sink::start().unwrap();
    let dir = scratch("window");
    let (logs, guard) = builder(&sink)
        .send_interval(Duration::from_secs(3600))
        .spool_dir(&dir)
        .spool_sync_interval(Duration::from_millis(sync_ms))
        .build()
        .unwrap()
        .start()
        .unwrap();
    let mut waits = Vec::new();
    for i in 0..50u64 {
        let before = spooled_bytes(&dir);
        let t = Instant::now();
        logs.log(Record::new(MESSAGE.to_owned()));
        while spooled_bytes(&dir) == before {
            if t.elapsed() > Duration::from_secs(30) {
                panic!("not written within 30 s");
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        waits.push(t.elapsed());
        // A pseudo-random gap, so that calls fall anywhere in the writer's cycle.
        std::thread::sleep(Duration::from_millis((i * 37) % 101));
    }
    drop(guard);
    let _ = std::fs::remove_dir_all(&dir);
    waits.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {sync_ms} ms | {:.1} | {:.1} | |",
        ms(waits[waits.len() / 2]),
        ms(waits[waits.len() - 1])
    );
}
