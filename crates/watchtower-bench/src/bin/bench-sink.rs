//! `bench-sink`: the loopback CloudWatch Logs endpoint of `watchtower_bench::sink`, as a
//! process for other programs (the Python comparison, peers in other languages).
//!
//! ```text
//! bench-sink [--port N] [--threads N] [--no-limits]
//! ```
//!
//! Prints `PORT <n>` on stdout once it listens on 127.0.0.1, then serves until its stdin is
//! closed, and prints the final counters (JSON) on stderr. Read the counters meanwhile with
//! `GET /stats`, wait for N events with `GET /wait?events=N&timeout_ms=T`, zero them with
//! `POST /reset`.

use std::io::{Read, Write};

use watchtower_bench::sink::{Sink, SinkOptions};

fn main() {
    let mut options = SinkOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage(&format!("{name} needs a number")))
        };
        match arg.as_str() {
            "--port" => options.port = value("--port") as u16,
            "--threads" => options.threads = value("--threads"),
            "--no-limits" => options.check_limits = false,
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let sink = match Sink::start_with(options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench-sink: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "PORT {}", sink.port());
    let _ = out.flush();
    // Serve until stdin reaches EOF (the parent closed it or died).
    let mut buf = [0u8; 256];
    let mut stdin = std::io::stdin();
    while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
    eprintln!("{}", sink.stats().to_json());
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("bench-sink: {problem}");
    }
    eprintln!("usage: bench-sink [--port N] [--threads N] [--no-limits]");
    std::process::exit(2);
}
