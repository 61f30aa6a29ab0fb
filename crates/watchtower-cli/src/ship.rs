//! `watchtower run` and `watchtower ship`: read lines from a command's stdout and stderr (or
//! from stdin), pass them through unchanged, and ship each line as an event.
//!
//! ```text
//!  child stdout ─► reader thread ─► our stdout (raw bytes, as they come)
//!                      │ lines
//!  child stderr ─► reader thread ─► our stderr
//!                      │ lines
//!                      ▼
//!             main loop: skip empty lines, join multiline events ─► Handle::log
//!                      ▲
//!  SIGINT/TERM/HUP ─► signal thread: forward to the child (run) or stop reading (ship)
//! ```
//!
//! At the end of the input the main loop finishes pending events, shuts the core down (which
//! flushes, up to `--shutdown-timeout`), prints the summary and picks the exit code.
//!
//! Lines are split at `\n` (a `\r` before it is removed too); invalid UTF-8 is replaced with
//! U+FFFD in the shipped event but passed through unchanged. A line longer than
//! [`MAX_LINE_BYTES`] without a newline is shipped in pieces of that size, so memory stays
//! bounded; the core's oversize policy then applies to each piece.

use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::SignalsInfo;
use signal_hook::low_level::siginfo::{Cause, Origin};
use watchtower_logs::{Config, DropReason, FlushError, Handle, Record, StartError, WorkerGuard};

use crate::cli::{RunArgs, ShipCmdArgs};
use crate::config::{ship_plan, ShipPlan, Source};
use crate::exit_codes::{CliError, ExitCode};
use crate::multiline::{Joined, Joiner};
use crate::parse::now_millis;

/// Longest line kept in memory; longer ones are shipped in pieces of this size.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;
/// Bytes read from a pipe at once.
const READ_CHUNK: usize = 64 * 1024;
/// Lines buffered between the readers and the main loop.
const CHANNEL_LINES: usize = 1024;
/// How long `ship` keeps reading stdin after SIGINT/SIGTERM, for what the writer said last.
const SIGNAL_DRAIN: Duration = Duration::from_secs(1);

/// Which input a line came from (stdin counts as stdout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    Stdout = 0,
    Stderr = 1,
}

#[derive(Debug)]
enum Msg {
    Line {
        input: Input,
        text: String,
        timestamp_ms: i64,
    },
    Eof(Input),
    /// Wakes the main loop after a signal (`ship` only).
    Signal,
}

/// `watchtower run`.
pub fn run(args: RunArgs) -> anyhow::Result<std::process::ExitCode> {
    let program = &args.command[0];
    let program_name = Path::new(program)
        .file_name()
        .unwrap_or(program.as_os_str())
        .to_string_lossy()
        .into_owned();
    let plan = ship_plan(
        &args.ship,
        args.stderr_stream.as_deref(),
        Source::Run {
            program: &program_name,
        },
    )?;
    let mut shipper = Shipper::start(plan)?;

    let mut child = Command::new(program)
        .args(&args.command[1..])
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_error(program, e))?;
    let pid = child.id();
    let signals = Arc::new(SignalState::new(Some(pid)));
    listen_for_signals(signals.clone(), None)?;

    let (tx, rx) = mpsc::sync_channel(CHANNEL_LINES);
    let passthrough = shipper.passthrough;
    if let Some(out) = child.stdout.take() {
        let echo: Option<Box<dyn Write + Send>> = passthrough.then(|| Box::new(io::stdout()) as _);
        spawn_reader(out, echo, Input::Stdout, tx.clone())?;
    }
    if let Some(err) = child.stderr.take() {
        let echo: Option<Box<dyn Write + Send>> = passthrough.then(|| Box::new(io::stderr()) as _);
        spawn_reader(err, echo, Input::Stderr, tx.clone())?;
    }
    drop(tx);
    shipper.consume(&rx, 2, &signals);

    // Wait for the exit without reaping, so the pid cannot be reused while the signal thread
    // may still forward to it; then stop forwarding, then reap.
    let _ = wait_exited(pid);
    signals.start_flushing();
    let status = child.wait()?;
    let outcome = shipper.finish();
    outcome.print_summary();
    let child_code = exit_status_code(status);
    Ok(std::process::ExitCode::from(if child_code != 0 {
        child_code
    } else if outcome.lost > 0 {
        ExitCode::EventsLost.code()
    } else {
        0
    }))
}

/// `watchtower ship`.
pub fn ship(args: ShipCmdArgs) -> anyhow::Result<std::process::ExitCode> {
    let plan = ship_plan(&args.ship, None, Source::Ship)?;
    let mut shipper = Shipper::start(plan)?;
    let (tx, rx) = mpsc::sync_channel(CHANNEL_LINES);
    let signals = Arc::new(SignalState::new(None));
    listen_for_signals(signals.clone(), Some(tx.clone()))?;
    let echo: Option<Box<dyn Write + Send>> =
        shipper.passthrough.then(|| Box::new(io::stdout()) as _);
    spawn_reader(io::stdin(), echo, Input::Stdout, tx)?;
    let signal = shipper.consume(&rx, 1, &signals);
    signals.start_flushing();
    let outcome = shipper.finish();
    outcome.print_summary();
    Ok(std::process::ExitCode::from(match signal {
        Some(sig) => 128u8.saturating_add(sig as u8),
        None if outcome.lost > 0 => ExitCode::EventsLost.code(),
        None => 0,
    }))
}

// === the shipper ===

/// What the CLI itself counted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct LineCounts {
    /// Lines read, empty ones included.
    lines: u64,
    /// Empty lines, skipped.
    empty: u64,
    /// Events handed to the core (after joining).
    events: u64,
}

struct Shipper {
    group: String,
    /// `[stdout/stdin, stderr]`; one entry unless `--stderr-stream`.
    outputs: Vec<(Handle, WorkerGuard)>,
    logger_name: String,
    joiners: [Joiner; 2],
    counts: LineCounts,
    passthrough: bool,
    quiet: bool,
}

impl Shipper {
    fn start(plan: ShipPlan) -> Result<Shipper, CliError> {
        let mut outputs = vec![start_core(plan.main)?];
        if let Some(stderr) = plan.stderr {
            outputs.push(start_core(stderr)?);
        }
        let joiner = || Joiner::new(plan.multiline_start.clone(), plan.multiline_timeout);
        Ok(Shipper {
            group: plan.group,
            outputs,
            logger_name: plan.logger_name,
            joiners: [joiner(), joiner()],
            counts: LineCounts::default(),
            passthrough: plan.passthrough,
            quiet: plan.quiet,
        })
    }

    /// Handles messages until every input has ended, or until a signal (`ship`) and a short
    /// drain. Returns the signal, if one stopped it.
    fn consume(
        &mut self,
        rx: &Receiver<Msg>,
        mut open: usize,
        signals: &SignalState,
    ) -> Option<i32> {
        let mut drain_until: Option<Instant> = None;
        while open > 0 {
            let deadline = self
                .joiners
                .iter()
                .filter_map(Joiner::deadline)
                .chain(drain_until)
                .min();
            let msg = match deadline {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
            };
            let now = Instant::now();
            match msg {
                Ok(Msg::Line {
                    input,
                    text,
                    timestamp_ms,
                }) => self.line(input, text, timestamp_ms, now),
                Ok(Msg::Eof(input)) => {
                    if let Some(e) = self.joiners[input as usize].finish() {
                        self.emit(input, e);
                    }
                    open -= 1;
                }
                Ok(Msg::Signal) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            for input in [Input::Stdout, Input::Stderr] {
                if let Some(e) = self.joiners[input as usize].poll(now) {
                    self.emit(input, e);
                }
            }
            if drain_until.is_none() && signals.child.is_none() {
                if signals.received() != 0 {
                    drain_until = Some(now + SIGNAL_DRAIN);
                }
            } else if drain_until.is_some_and(|d| now >= d) {
                break;
            }
        }
        for input in [Input::Stdout, Input::Stderr] {
            if let Some(e) = self.joiners[input as usize].finish() {
                self.emit(input, e);
            }
        }
        Some(signals.received()).filter(|s| *s != 0 && signals.child.is_none())
    }

    fn line(&mut self, input: Input, text: String, timestamp_ms: i64, now: Instant) {
        self.counts.lines += 1;
        if text.is_empty() {
            // The service refuses empty messages; they are counted, not shipped.
            self.counts.empty += 1;
            return;
        }
        if let Some(e) = self.joiners[input as usize].push(text, timestamp_ms, now) {
            self.emit(input, e);
        }
    }

    fn emit(&mut self, input: Input, event: Joined) {
        let i = if input == Input::Stderr && self.outputs.len() > 1 {
            1
        } else {
            0
        };
        self.outputs[i].0.log(
            Record::new(event.text)
                .logger_name(&self.logger_name)
                .timestamp_millis(event.timestamp_ms),
        );
        self.counts.events += 1;
    }

    /// Shuts every output down at once (each flushes up to its shutdown timeout) and adds up
    /// what happened.
    fn finish(self) -> Outcome {
        let outputs = &self.outputs;
        let results: Vec<Result<(), FlushError>> = thread::scope(|s| {
            let joins: Vec<_> = outputs
                .iter()
                .map(|(h, _)| s.spawn(move || h.shutdown(h.config().shutdown_timeout())))
                .collect();
            joins
                .into_iter()
                .map(|j| j.join().unwrap_or(Ok(())))
                .collect()
        });
        let mut outcome = Outcome {
            group: self.group.clone(),
            counts: self.counts,
            quiet: self.quiet,
            timed_out: results
                .iter()
                .any(|r| matches!(r, Err(FlushError::Timeout { .. }))),
            ..Outcome::default()
        };
        for (h, _) in outputs {
            let s = h.stats();
            outcome.delivered += s.delivered;
            outcome.truncated += s.truncated;
            outcome.split += s.split;
            for (reason, n) in s.dropped.iter() {
                outcome.add_lost(reason, n);
            }
        }
        outcome
    }
}

fn start_core(config: Config) -> Result<(Handle, WorkerGuard), CliError> {
    config.start().map_err(|e| match e {
        StartError::NoRegion => CliError::new(
            ExitCode::AwsSetup,
            "no AWS region configured: pass --region, set AWS_REGION, or set a region in the \
             AWS profile",
        ),
        other => CliError::new(ExitCode::Failure, other.to_string()),
    })
}

// === the summary ===

/// What happened to the lines, for the summary and the exit code.
#[derive(Debug, Default)]
struct Outcome {
    group: String,
    counts: LineCounts,
    delivered: u64,
    truncated: u64,
    split: u64,
    lost: u64,
    /// Lost events by reason, in [`DropReason::ALL`] order.
    lost_by: Vec<(DropReason, u64)>,
    timed_out: bool,
    quiet: bool,
}

impl Outcome {
    fn add_lost(&mut self, reason: DropReason, n: u64) {
        self.lost += n;
        match self.lost_by.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, m)) => *m += n,
            None => {
                self.lost_by.push((reason, n));
                self.lost_by
                    .sort_by_key(|(r, _)| DropReason::ALL.iter().position(|x| x == r).unwrap_or(0));
            }
        }
    }

    fn print_summary(&self) {
        if !self.quiet || self.lost > 0 {
            eprintln!("{}", self.summary());
        }
    }

    /// One line: what was read, what became of it, and what to do about losses.
    fn summary(&self) -> String {
        let c = &self.counts;
        let mut s = format!(
            "watchtower: {} read ({} skipped",
            count(c.lines, "line"),
            count(c.empty, "empty line")
        );
        let joined = c.lines - c.empty - c.events;
        if joined > 0 {
            s += &format!(", {} joined into multiline events", count(joined, "line"));
        }
        s += &format!(
            "); {} to log group \"{}\": {} delivered",
            count(c.events, "event"),
            self.group,
            self.delivered
        );
        if self.truncated > 0 {
            s += &format!(", {} truncated", self.truncated);
        }
        if self.split > 0 {
            s += &format!(", {} split", self.split);
        }
        s += &format!(", {} lost", self.lost);
        if self.lost > 0 {
            let reasons: Vec<String> = self
                .lost_by
                .iter()
                .map(|(r, n)| format!("{r} {n}"))
                .collect();
            s += &format!(" ({})", reasons.join(", "));
            if let Some((reason, _)) = self.lost_by.iter().max_by_key(|(_, n)| *n) {
                s += &format!(": {}", hint(*reason, self.timed_out));
            }
        }
        s
    }
}

/// `1 line`, `2 lines`.
fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// What to do about events lost for `reason`.
fn hint(reason: DropReason, timed_out: bool) -> &'static str {
    match reason {
        DropReason::QueueFull => "raise --max-queue-bytes or use --overflow block",
        DropReason::Oversize => "raise --max-message-size or use --oversize truncate or split",
        DropReason::TooOld | DropReason::TooNew | DropReason::Expired => {
            "the service refused their timestamps: check this machine's clock and the group's \
             retention"
        }
        DropReason::RetriesExhausted => {
            "CloudWatch Logs could not be reached or kept failing: check the endpoint and the \
             network, or raise --retry-max-elapsed"
        }
        DropReason::ShutdownTimeout if timed_out => {
            "not delivered within --shutdown-timeout: check the endpoint (--endpoint-url, \
             AWS_ENDPOINT_URL) and the network, or raise --shutdown-timeout"
        }
        DropReason::Credentials => {
            "check the AWS credentials and the logs:PutLogEvents, logs:CreateLogGroup and \
             logs:CreateLogStream permissions"
        }
        DropReason::ResourceNotFound => {
            "the log group or stream is missing: drop --no-create-group / --no-create-stream \
             or create them first"
        }
        _ => "see the warnings above",
    }
}

// === reading ===

fn spawn_reader(
    input: impl Read + Send + 'static,
    echo: Option<Box<dyn Write + Send>>,
    which: Input,
    tx: SyncSender<Msg>,
) -> io::Result<()> {
    let name = match which {
        Input::Stdout => "watchtower-stdout",
        Input::Stderr => "watchtower-stderr",
    };
    thread::Builder::new()
        .name(name.into())
        .spawn(move || read_lines(input, echo, which, &tx))
        .map(drop)
}

/// Copies `input` to `echo` chunk by chunk (so prompts without a newline show at once) and
/// sends each line to the main loop.
fn read_lines(
    mut input: impl Read,
    mut echo: Option<Box<dyn Write + Send>>,
    which: Input,
    tx: &SyncSender<Msg>,
) {
    let mut buf = vec![0u8; READ_CHUNK];
    let mut line: Vec<u8> = Vec::new();
    let send = |line: &mut Vec<u8>, timestamp_ms: i64| {
        let text = decode(std::mem::take(line));
        tx.send(Msg::Line {
            input: which,
            text,
            timestamp_ms,
        })
        .is_ok()
    };
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!(
                    "watchtower: warning: reading the input failed: {e}; treating it as ended"
                );
                break;
            }
        };
        let chunk = &buf[..n];
        if let Some(w) = &mut echo {
            // Our own stdout closed (`| head`): keep shipping, stop echoing.
            if w.write_all(chunk).and_then(|()| w.flush()).is_err() {
                echo = None;
            }
        }
        let now = now_millis();
        for piece in chunk.split_inclusive(|b| *b == b'\n') {
            match piece.strip_suffix(b"\n") {
                Some(body) => {
                    line.extend_from_slice(body);
                    if !send(&mut line, now) {
                        return;
                    }
                }
                None => line.extend_from_slice(piece),
            }
        }
        while line.len() >= MAX_LINE_BYTES {
            let cut = utf8_floor(&line, MAX_LINE_BYTES);
            let mut head: Vec<u8> = line.drain(..cut).collect();
            if !send(&mut head, now) {
                return;
            }
        }
    }
    if !line.is_empty() {
        let _ = send(&mut line, now_millis());
    }
    let _ = tx.send(Msg::Eof(which));
}

/// A line's text: without a trailing `\r`, invalid UTF-8 replaced.
fn decode(mut bytes: Vec<u8>) -> String {
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The largest cut `<= max` that does not split a UTF-8 sequence (or `max` if there is none).
fn utf8_floor(bytes: &[u8], max: usize) -> usize {
    let mut cut = max.min(bytes.len());
    while cut > 0 && cut < bytes.len() && (bytes[cut] & 0xC0) == 0x80 {
        cut -= 1;
    }
    if cut == 0 {
        max.min(bytes.len())
    } else {
        cut
    }
}

// === the child ===

fn spawn_error(program: &OsStr, e: io::Error) -> CliError {
    let name = program.to_string_lossy();
    match e.kind() {
        io::ErrorKind::NotFound => CliError::new(
            ExitCode::CommandNotFound,
            format!("cannot run `{name}`: command not found (check the spelling and PATH)"),
        ),
        io::ErrorKind::PermissionDenied => CliError::new(
            ExitCode::CannotExecute,
            format!("cannot run `{name}`: permission denied (is it an executable file?)"),
        ),
        _ => CliError::new(ExitCode::CannotExecute, format!("cannot run `{name}`: {e}")),
    }
}

/// The command's exit status as ours: its code, or 128+N if signal N killed it.
fn exit_status_code(status: ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => (code & 0xff) as u8,
        (None, Some(sig)) => 128u8.saturating_add(sig as u8),
        (None, None) => ExitCode::Failure.code(),
    }
}

/// Blocks until the process `pid` has exited, without reaping it.
fn wait_exited(pid: u32) -> io::Result<()> {
    loop {
        // SAFETY: waitid writes into the zeroed siginfo_t we own; WNOWAIT leaves the child
        // waitable, so `Child::wait` still reaps it afterwards.
        let r = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

// === signals ===

/// Shared between the main thread and the signal thread.
#[derive(Debug)]
struct SignalState {
    /// `run`: the child to forward signals to.
    child: Option<u32>,
    /// Set once the input has ended: from then on a signal exits at once. The lock is held
    /// while forwarding, so no signal reaches the pid once it has been reaped.
    flushing: Mutex<bool>,
    /// The first signal received (`ship`), 0 if none.
    first: AtomicI32,
    /// A signal was received while reading (`ship`).
    seen: AtomicBool,
}

impl SignalState {
    fn new(child: Option<u32>) -> Self {
        SignalState {
            child,
            flushing: Mutex::new(false),
            first: AtomicI32::new(0),
            seen: AtomicBool::new(false),
        }
    }

    fn received(&self) -> i32 {
        self.first.load(Ordering::SeqCst)
    }

    fn start_flushing(&self) {
        *self.flushing.lock().unwrap_or_else(|e| e.into_inner()) = true;
    }
}

/// Starts the thread that handles SIGINT, SIGTERM and SIGHUP:
/// - `run`, while the command runs: forward the signal to it, unless it was typed at the
///   terminal (the kernel sent it to the whole foreground process group, command included);
/// - `ship`, while reading: note it and wake the main loop, which stops after a short drain;
/// - a second signal in `ship`, or any signal while flushing: exit at once.
fn listen_for_signals(state: Arc<SignalState>, wake: Option<SyncSender<Msg>>) -> io::Result<()> {
    let mut signals = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP])?;
    thread::Builder::new()
        .name("watchtower-signals".into())
        .spawn(move || {
            for origin in signals.forever() {
                handle_signal(&state, &origin, wake.as_ref());
            }
        })
        .map(drop)
}

fn handle_signal(state: &SignalState, origin: &Origin, wake: Option<&SyncSender<Msg>>) {
    let sig = origin.signal;
    let flushing = state.flushing.lock().unwrap_or_else(|e| e.into_inner());
    if *flushing {
        exit_now(sig);
    }
    match state.child {
        Some(pid) => {
            if !matches!(origin.cause, Cause::Kernel) {
                // SAFETY: plain kill(2); the pid is our child and not yet reaped (see
                // `SignalState::flushing`).
                unsafe {
                    libc::kill(pid as libc::pid_t, sig);
                }
            }
        }
        None => {
            drop(flushing);
            if state.seen.swap(true, Ordering::SeqCst) {
                exit_now(sig);
            }
            state.first.store(sig, Ordering::SeqCst);
            if let Some(tx) = wake {
                // The loop also checks `first` after every line, so a full channel is fine.
                let _ = tx.try_send(Msg::Signal);
            }
        }
    }
}

fn exit_now(sig: i32) -> ! {
    eprintln!(
        "watchtower: interrupted: exiting without waiting for delivery (undelivered events are \
         lost)"
    );
    std::process::exit(128 + sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> (Vec<String>, Vec<u8>) {
        let (tx, rx) = mpsc::sync_channel(1024);
        let echoed = Arc::new(Mutex::new(Vec::new()));
        struct Shared(Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        read_lines(
            input,
            Some(Box::new(Shared(echoed.clone()))),
            Input::Stdout,
            &tx,
        );
        drop(tx);
        let mut lines = Vec::new();
        for m in rx {
            match m {
                Msg::Line { text, .. } => lines.push(text),
                Msg::Eof(_) => lines.push("<EOF>".into()),
                Msg::Signal => {}
            }
        }
        let echoed = echoed.lock().unwrap().clone();
        (lines, echoed)
    }

    #[test]
    fn lines_are_split_and_the_input_echoed_unchanged() {
        let input = b"a\r\nb\n\nlast without newline \xff";
        let (lines, echoed) = read_all(input);
        assert_eq!(echoed, input);
        assert_eq!(
            lines,
            ["a", "b", "", "last without newline \u{fffd}", "<EOF>"]
        );
    }

    #[test]
    fn cuts_respect_utf8() {
        let s = "aé€".as_bytes();
        assert_eq!(utf8_floor(s, 2), 1);
        assert_eq!(utf8_floor(s, 3), 3);
        assert_eq!(utf8_floor(s, 4), 3);
        assert_eq!(utf8_floor(s, 100), s.len());
    }

    #[test]
    fn the_summary_says_what_was_lost_and_what_to_do() {
        let mut o = Outcome {
            group: "app".into(),
            counts: LineCounts {
                lines: 10,
                empty: 2,
                events: 6,
            },
            delivered: 5,
            truncated: 1,
            ..Outcome::default()
        };
        o.add_lost(DropReason::Oversize, 1);
        assert_eq!(
            o.summary(),
            "watchtower: 10 lines read (2 empty lines skipped, 2 lines joined into multiline \
             events); 6 events to log group \"app\": 5 delivered, 1 truncated, 1 lost (oversize \
             1): raise --max-message-size or use --oversize truncate or split"
        );
        let ok = Outcome {
            group: "g".into(),
            counts: LineCounts {
                lines: 1,
                empty: 0,
                events: 1,
            },
            delivered: 1,
            ..Outcome::default()
        };
        assert_eq!(
            ok.summary(),
            "watchtower: 1 line read (0 empty lines skipped); 1 event to log group \"g\": 1 \
             delivered, 0 lost"
        );
    }
}
