//! Running the real `watchtower` binary in tests: a clean environment (AWS settings on the child
//! only), bounded waits, line-by-line reading of a running process, and a pseudo-terminal.
#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// Longest a test waits for one watchtower process or one expected line.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The binary with an empty environment but PATH: no AWS or WATCHTOWER_ settings of the
/// machine leak in, and no AWS config files or instance metadata are read.
pub fn bare() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_watchtower"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LANG", "C.UTF-8")
        .env("AWS_CONFIG_FILE", "/nonexistent/watchtower-tests/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/watchtower-tests/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

/// The binary pointed at `endpoint` (moto) with test credentials and region.
pub fn watchtower(endpoint: &str) -> Command {
    let mut c = bare();
    c.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1");
    c
}

/// A finished process.
#[derive(Debug)]
pub struct Done {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Raw stdout.
    pub stdout_bytes: Vec<u8>,
    /// Stdout, lossily decoded.
    pub stdout: String,
    /// Stderr, lossily decoded.
    pub stderr: String,
}

impl Done {
    /// Stderr's lines.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

fn drain(mut r: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Runs `cmd` with `input` on stdin to completion; kills it and panics after [`TIMEOUT`].
pub fn run(cmd: &mut Command, input: &[u8]) -> Done {
    run_within(cmd, input, TIMEOUT)
}

/// [`run`] with another bound, for the large inputs.
pub fn run_within(cmd: &mut Command, input: &[u8], timeout: Duration) -> Done {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn watchtower");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = drain(child.stdout.take().unwrap());
    let err = drain(child.stderr.take().unwrap());
    let status = wait_bounded(&mut child, timeout);
    let _ = writer.join();
    let stdout_bytes = out.join().unwrap();
    let stderr = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
    let Some(status) = status else {
        panic!("watchtower did not finish within {timeout:?}; stderr:\n{stderr}");
    };
    Done {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout_bytes).into_owned(),
        stdout_bytes,
        stderr,
    }
}

/// Waits for `child` up to `timeout`, polling; kills it if it is still running then.
pub fn wait_bounded(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let mut status = None;
    watchtower_testkit::wait_until(timeout, || {
        status = child.try_wait().expect("try_wait");
        status.is_some()
    });
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    status
}

/// The lines a running process writes, as they come.
pub struct Lines {
    rx: Receiver<String>,
    /// Every line received so far.
    pub seen: Vec<String>,
}

impl Lines {
    /// Reads `r` line by line on a thread.
    pub fn new(r: impl Read + Send + 'static) -> Lines {
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(r).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            rx,
            seen: Vec::new(),
        }
    }

    /// Waits up to [`TIMEOUT`] for a line matching `pred`; panics with what was seen if none.
    pub fn expect(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(e) => panic!(
                    "no line {what} within {TIMEOUT:?} ({e}); lines so far: {:#?}",
                    self.seen
                ),
            }
        }
    }
}

/// Asserts that the process failed with `code` and said so in exactly one stderr line, in the
/// `watchtower: error: ` form, containing every one of `needles`.
pub fn assert_one_error_line(done: &Done, code: i32, needles: &[&str]) {
    let lines = done.stderr_lines();
    assert_eq!(
        done.code,
        Some(code),
        "exit code; stderr: {:?}",
        done.stderr
    );
    assert_eq!(
        lines.len(),
        1,
        "one stderr line expected: {:?}",
        done.stderr
    );
    let line = lines[0];
    assert!(line.starts_with("watchtower: error: "), "{line}");
    assert!(
        !line.contains('\x1b'),
        "no colour when stderr is not a terminal: {line:?}"
    );
    assert!(
        !line.contains("panicked") && !line.contains("backtrace"),
        "{line}"
    );
    for n in needles {
        assert!(line.contains(n), "{n:?} missing from {line:?}");
    }
}

/// A pseudo-terminal: (controller, device).
pub fn pty() -> (File, OwnedFd) {
    let (mut controller, mut device) = (0, 0);
    // SAFETY: openpty writes two new descriptors into the ints we own; null name, termios and
    // window size are allowed (default termios: ISIG on, ^C is VINTR).
    let r = unsafe {
        libc::openpty(
            &mut controller,
            &mut device,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are new and owned by nothing else.
    unsafe { (File::from_raw_fd(controller), OwnedFd::from_raw_fd(device)) }
}
