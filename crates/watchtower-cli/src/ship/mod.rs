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
//! [`MAX_LINE_BYTES`] without a newline is read in pieces of that size, so memory stays
//! bounded; the oversize policy applies to the line once (cut, split or dropped, counted once).

mod child;
mod progress;
mod reader;
mod shipper;
mod signals;
mod summary;

use std::io::{self, IsTerminal, Write};
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{RunArgs, ShipCmdArgs};
use crate::config::{ship_plan, Source};
use crate::exit_codes::ExitCode;

use child::{exit_status_code, pty, spawn_error, wait_exited};
pub use progress::eprint_line;
use progress::Progress;
use reader::spawn_reader;
use shipper::Shipper;
use signals::{listen_for_signals, ChildTarget, SignalState};

/// Longest line kept in memory; longer ones are shipped in pieces of this size.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;
/// Bytes read from a pipe at once.
const READ_CHUNK: usize = 64 * 1024;
/// Lines buffered between the readers and the main loop.
const CHANNEL_LINES: usize = 1024;
/// How long `ship` keeps reading stdin after SIGINT/SIGTERM, for what the writer said last.
const SIGNAL_DRAIN: Duration = Duration::from_secs(1);
/// After the command of `run` exits, what it wrote is already in the pipes: reading stops
/// once they are quiet this long, even if a process it left behind still holds them open.
const LEFTOVER_QUIET: Duration = Duration::from_millis(100);
/// ... and at the latest this long after the exit, even if such a process keeps writing.
const LEFTOVER_MAX: Duration = Duration::from_secs(2);

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
        /// The rest of a line longer than [`MAX_LINE_BYTES`], after its first piece.
        continued: bool,
    },
    Eof(Input),
    /// Wakes the main loop after a signal (`ship` only).
    Signal,
    /// The command of `run` has exited (not yet reaped).
    Exited,
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

    // Not interactive (systemd, cron, CI, `timeout`): the command leads its own process
    // group, so a signal sent to ours reaches it once, through us. On a terminal it stays in
    // ours, so that it can read the terminal and Ctrl-C reaches it directly.
    let own_group = !io::stdin().is_terminal();
    let mut command = Command::new(program);
    command.args(&args.command[1..]).stdin(Stdio::inherit());
    let terminal = if args.pty {
        let (controller, device) = pty()?;
        command
            .stdout(Stdio::from(device.try_clone()?))
            .stderr(Stdio::from(device));
        Some(controller)
    } else {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        None
    };
    if own_group {
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(|e| spawn_error(program, e))?;
    // Our copies of the terminal's device side: closed, so reading ends when the command's do.
    drop(command);
    let pid = child.id();
    let signals = Arc::new(SignalState::new(Some(ChildTarget { pid, own_group })));
    signals.set_handles(shipper.handles());
    listen_for_signals(signals.clone(), None)?;

    let (tx, rx) = mpsc::sync_channel(CHANNEL_LINES);
    let passthrough = shipper.passthrough;
    let echo = |to_stderr: bool| -> Option<Box<dyn Write + Send>> {
        match (passthrough, to_stderr) {
            (false, _) => None,
            (true, false) => Some(Box::new(io::stdout())),
            (true, true) => Some(Box::new(io::stderr())),
        }
    };
    let mut inputs = 0;
    if let Some(controller) = terminal {
        spawn_reader(controller, echo(false), Input::Stdout, tx.clone(), None)?;
        inputs += 1;
    }
    if let Some(out) = child.stdout.take() {
        spawn_reader(out, echo(false), Input::Stdout, tx.clone(), None)?;
        inputs += 1;
    }
    if let Some(err) = child.stderr.take() {
        spawn_reader(err, echo(true), Input::Stderr, tx.clone(), None)?;
        inputs += 1;
    }
    // `run` waits for the command, not for its pipes: a process it left in the background
    // may hold them open for ever.
    let exited = tx.clone();
    std::thread::Builder::new()
        .name("watchtower-wait".into())
        .spawn(move || {
            let _ = wait_exited(pid);
            let _ = exited.send(Msg::Exited);
        })?;
    drop(tx);
    shipper.consume(&rx, inputs, &signals);

    // Wait for the exit without reaping, so the pid cannot be reused while the signal thread
    // may still forward to it; then stop forwarding, then reap.
    let _ = wait_exited(pid);
    signals.start_flushing();
    if signals.typed() {
        let left = signals.undelivered();
        if left > 0 {
            eprint_line(&format!(
                "watchtower: the command was interrupted; delivering {left} {} (up to \
                 --shutdown-timeout); interrupt again to exit at once",
                if left == 1 { "event" } else { "events" }
            ));
        }
    }
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
    signals.set_handles(shipper.handles());
    listen_for_signals(signals.clone(), Some(tx.clone()))?;
    let echo: Option<Box<dyn Write + Send>> =
        shipper.passthrough.then(|| Box::new(io::stdout()) as _);
    // A bar on a terminal, unless passed-through lines would scroll it away.
    let wanted = !(shipper.quiet || shipper.passthrough && io::stdout().is_terminal());
    let progress = Progress::start(wanted, stdin_file_size(), shipper.handles());
    let counters = progress.as_ref().map(|p| p.counters.clone());
    spawn_reader(io::stdin(), echo, Input::Stdout, tx, counters)?;
    let signal = shipper.consume(&rx, 1, &signals);
    signals.start_flushing();
    let outcome = shipper.finish();
    drop(progress);
    outcome.print_summary();
    Ok(std::process::ExitCode::from(match signal {
        Some(sig) => 128u8.saturating_add(sig as u8),
        None if outcome.lost > 0 => ExitCode::EventsLost.code(),
        None => 0,
    }))
}

/// The size of stdin when it is a regular file (`ship < big.log`), for the progress bar.
fn stdin_file_size() -> Option<u64> {
    let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    meta.is_file().then_some(meta.len())
}
