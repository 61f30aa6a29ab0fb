//! Running moto (the AWS emulator) for tests: starting the runner on a free port, resetting
//! it, and the process-wide shared instance. The sync read-back helpers on top of it are in
//! `moto/helpers.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::ops::Deref;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::Client;

use crate::python::{moto_runner_script, python};

/// Reading back and creating or deleting groups and streams.
mod helpers;

/// How long [`Moto::start`] waits for the runner's `PORT` line.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How much of moto's stderr is kept (the tail) for error messages.
const LOG_CAP: usize = 64 * 1024;

const HOW_TO_INSTALL: &str = "moto is needed for these tests: install it with \
`python3 -m pip install \"moto[server]\"` (or create the workspace's .venv as the README's \
test command does), or point WATCHTOWER_TEST_PYTHON at a python that has it";

/// A moto server (`moto_runner.py`) running in a child python process on 127.0.0.1.
///
/// The child's stdin is kept open: the runner exits when it reaches EOF, so the server also
/// dies when the test process is killed. Dropping a `Moto` kills the child.
pub struct Moto {
    port: u16,
    child: Child,
    stdin: Option<ChildStdin>,
    client: Client,
    log: Arc<Mutex<String>>,
}

impl std::fmt::Debug for Moto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Moto")
            .field("endpoint", &self.endpoint())
            .field("pid", &self.child.id())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn append_log(log: &Mutex<String>, text: &str) {
    let mut l = lock(log);
    l.push_str(text);
    if l.len() > LOG_CAP {
        let mut cut = l.len() - LOG_CAP;
        while !l.is_char_boundary(cut) {
            cut += 1;
        }
        l.drain(..cut);
    }
}

impl Moto {
    /// Starts moto on a free port of 127.0.0.1 and waits until it accepts connections.
    ///
    /// # Panics
    /// If python or moto is missing or the server does not start: the message says how to
    /// install moto and shows the runner's stderr.
    pub fn start() -> Moto {
        match Moto::try_start() {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`Moto::start`], but returns the error message instead of panicking (e.g. to skip
    /// a test when moto is not installed).
    pub fn try_start() -> Result<Moto, String> {
        let py = python();
        let script = moto_runner_script();
        let mut child = Command::new(&py)
            .arg("-u")
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!(
                    "watchtower-testkit: cannot run `{} {}`: {e}. {HOW_TO_INSTALL}",
                    py.display(),
                    script.display()
                )
            })?;
        let log = Arc::new(Mutex::new(String::new()));

        let stderr = child.stderr.take();
        let stderr_log = Arc::clone(&log);
        let stderr_thread = std::thread::Builder::new()
            .name("moto-stderr".into())
            .spawn(move || {
                let Some(mut err) = stderr else { return };
                let mut buf = [0u8; 8192];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    append_log(&stderr_log, &String::from_utf8_lossy(&buf[..n]));
                }
            })
            .ok();

        let stdout = child.stdout.take();
        let (tx, rx) = mpsc::channel::<u16>();
        let stdout_log = Arc::clone(&log);
        let _ = std::thread::Builder::new()
            .name("moto-stdout".into())
            .spawn(move || {
                let Some(out) = stdout else { return };
                let mut sent = false;
                for line in BufReader::new(out).lines() {
                    let Ok(line) = line else { break };
                    match line.trim().strip_prefix("PORT ") {
                        Some(p) if !sent => {
                            if let Ok(port) = p.trim().parse::<u16>() {
                                let _ = tx.send(port);
                                sent = true;
                            }
                        }
                        _ => append_log(&stdout_log, &format!("{line}\n")),
                    }
                }
            });

        match rx.recv_timeout(START_TIMEOUT) {
            Ok(port) => {
                let stdin = child.stdin.take();
                let client = crate::sdk::client(&format!("http://127.0.0.1:{port}"));
                Ok(Moto {
                    port,
                    child,
                    stdin,
                    client,
                    log,
                })
            }
            Err(e) => {
                let status = child.try_wait().ok().flatten();
                let _ = child.kill();
                let _ = child.wait();
                if let Some(t) = stderr_thread {
                    let _ = t.join();
                }
                let why = match (e, status) {
                    (_, Some(s)) => format!("it exited with {s}"),
                    (mpsc::RecvTimeoutError::Timeout, None) => {
                        format!("no PORT line within {START_TIMEOUT:?}")
                    }
                    (_, None) => "it closed its stdout without a PORT line".to_string(),
                };
                Err(format!(
                    "watchtower-testkit: moto did not start (`{} {}`: {why}). {HOW_TO_INSTALL}.\n\
                     --- runner output ---\n{}",
                    py.display(),
                    script.display(),
                    lock(&log)
                ))
            }
        }
    }

    /// The port moto listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The endpoint URL, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What the runner wrote on stderr so far (its last 64 KiB), for debugging.
    pub fn log(&self) -> String {
        lock(&self.log).clone()
    }

    /// Resets all of moto's state (`POST /moto-api/reset`).
    ///
    /// # Panics
    /// If moto does not answer 200.
    pub fn reset(&self) {
        if let Err(e) = self.try_reset() {
            panic!(
                "watchtower-testkit: resetting moto at {} failed: {e}\n--- runner output ---\n{}",
                self.endpoint(),
                self.log()
            );
        }
    }

    fn try_reset(&self) -> std::io::Result<()> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        s.set_write_timeout(Some(Duration::from_secs(30)))?;
        write!(
            s,
            "POST /moto-api/reset HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n",
            self.port
        )?;
        let mut resp = Vec::new();
        s.read_to_end(&mut resp)?;
        let head = String::from_utf8_lossy(&resp[..resp.len().min(64)]).to_string();
        if head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200") {
            Ok(())
        } else {
            Err(std::io::Error::other(format!("unexpected answer {head:?}")))
        }
    }

    /// A CloudWatch Logs client talking to this moto directly (standard retries).
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// Polls `cond` every 25 ms until it returns true (→ `true`) or `timeout` passes
    /// (→ `false`). Same as the free function [`crate::wait_until`].
    pub fn wait_until(&self, timeout: Duration, cond: impl FnMut() -> bool) -> bool {
        wait_until(timeout, cond)
    }
}

/// Polls `cond` every 25 ms until it returns true (→ `true`) or `timeout` passes (→ `false`).
/// `cond` is always called at least once, and once more at the deadline.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(25)));
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Exclusive use of the process-wide shared [`Moto`] (see [`shared_moto`]); derefs to it.
/// Other tests calling [`shared_moto`] wait until this lease is dropped.
pub struct MotoLease {
    moto: &'static Moto,
    _guard: MutexGuard<'static, ()>,
}

impl Deref for MotoLease {
    type Target = Moto;
    fn deref(&self) -> &Moto {
        self.moto
    }
}

impl std::fmt::Debug for MotoLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("MotoLease").field(self.moto).finish()
    }
}

/// The one [`Moto`] of this test process (started on first use), leased exclusively: tests
/// of one binary that use it run one at a time (a panicking test does not poison it), and it is
/// reset on every acquisition, so each lease starts from an empty moto.
///
/// The server lives until the test process exits (its stdin then reaches EOF).
pub fn shared_moto() -> MotoLease {
    static LOCK: Mutex<()> = Mutex::new(());
    static MOTO: OnceLock<Moto> = OnceLock::new();
    let guard = lock(&LOCK);
    let moto = MOTO.get_or_init(Moto::start);
    moto.reset();
    MotoLease {
        moto,
        _guard: guard,
    }
}
