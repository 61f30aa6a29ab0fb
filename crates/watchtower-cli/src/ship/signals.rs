//! Signals: forwarded to the command (`run`), or a stop after a short drain (`ship`); a
//! second one, or one while flushing, exits at once, saying how many events were left
//! undelivered. In an interactive `run`, Ctrl-C reaches the command from the terminal; once
//! it has exited, a second Ctrl-C gives up waiting for delivery.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::SignalsInfo;
use signal_hook::low_level::siginfo::{Cause, Origin};

use watchtower_logs::Handle;

use super::Msg;

/// A repeat of the signal just forwarded within this long is the same delivery seen twice
/// (GNU `timeout` signals its command, then the command's whole process group).
const SAME_DELIVERY: Duration = Duration::from_millis(100);

/// The command `run` started.
#[derive(Debug, Clone, Copy)]
pub(super) struct ChildTarget {
    /// Its pid.
    pub(super) pid: u32,
    /// It leads its own process group (input not a terminal): signals sent to our process
    /// group (systemd, GNU `timeout`, `kill -- -PGID`) reach only us, and each one is forwarded
    /// to the command. Otherwise (interactive) it shares ours, and a signal the kernel
    /// sent to the whole foreground group (Ctrl-C) has already reached it.
    pub(super) own_group: bool,
}

/// Shared between the main thread and the signal thread.
#[derive(Debug)]
pub(super) struct SignalState {
    /// `run`: the child to forward signals to.
    pub(super) child: Option<ChildTarget>,
    /// The last signal forwarded and when.
    last_forwarded: Mutex<Option<(i32, Instant)>>,
    /// Set once the input has ended: from then on a signal exits at once. The lock is held
    /// while forwarding, so no signal reaches the pid once it has been reaped.
    flushing: Mutex<bool>,
    /// The first signal received (`ship`), 0 if none.
    first: AtomicI32,
    /// A signal was received while reading (`ship`).
    seen: AtomicBool,
    /// `run` on a terminal: a signal typed there (Ctrl-C) reached the command directly.
    typed: AtomicBool,
    /// The outputs, to count what is still undelivered when exiting at once.
    handles: Mutex<Vec<Handle>>,
}

impl SignalState {
    pub(super) fn new(child: Option<ChildTarget>) -> Self {
        SignalState {
            child,
            last_forwarded: Mutex::new(None),
            flushing: Mutex::new(false),
            first: AtomicI32::new(0),
            seen: AtomicBool::new(false),
            typed: AtomicBool::new(false),
            handles: Mutex::default(),
        }
    }

    /// The outputs whose undelivered events an exit at once reports.
    pub(super) fn set_handles(&self, handles: Vec<Handle>) {
        *self.handles.lock().unwrap_or_else(|e| e.into_inner()) = handles;
    }

    /// Events queued or in flight in every output now.
    pub(super) fn undelivered(&self) -> u64 {
        let handles = self.handles.lock().unwrap_or_else(|e| e.into_inner());
        handles.iter().map(|h| h.stats().queued_events).sum()
    }

    /// Whether a signal typed at the terminal reached the command (`run`).
    pub(super) fn typed(&self) -> bool {
        self.typed.load(Ordering::SeqCst)
    }

    pub(super) fn received(&self) -> i32 {
        self.first.load(Ordering::SeqCst)
    }

    pub(super) fn start_flushing(&self) {
        *self.flushing.lock().unwrap_or_else(|e| e.into_inner()) = true;
    }
}

/// Starts the thread that handles SIGINT, SIGTERM and SIGHUP:
/// - `run`, while the command runs: forward the signal to it unless it already has it (see
///   [`ChildTarget::own_group`]), once per delivery;
/// - `ship`, while reading: note it and wake the main loop, which stops after a short drain;
/// - a second signal in `ship`, or any signal while flushing: exit at once.
pub(super) fn listen_for_signals(
    state: Arc<SignalState>,
    wake: Option<SyncSender<Msg>>,
) -> io::Result<()> {
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
        exit_now(state, sig);
    }
    match state.child {
        Some(child) => {
            if !child.own_group && matches!(origin.cause, Cause::Kernel) {
                // Typed at the terminal: the kernel signalled the whole foreground group.
                state.typed.store(true, Ordering::SeqCst);
                return;
            }
            let mut last = state
                .last_forwarded
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            if matches!(*last, Some((s, at)) if s == sig && now.duration_since(at) < SAME_DELIVERY)
            {
                return;
            }
            *last = Some((sig, now));
            // SAFETY: plain kill(2); the pid is our child's, not yet reaped (see
            // `SignalState::flushing`).
            unsafe {
                libc::kill(child.pid as libc::pid_t, sig);
            }
        }
        None => {
            drop(flushing);
            if state.seen.swap(true, Ordering::SeqCst) {
                exit_now(state, sig);
            }
            state.first.store(sig, Ordering::SeqCst);
            // Reading may be waiting for room in the queue (an outage): say what happens.
            super::eprint_line(
                "watchtower: stopping: delivering what was read (up to --shutdown-timeout); \
                 interrupt again to exit at once",
            );
            if let Some(tx) = wake {
                // The loop also checks `first` after every line, so a full channel is fine.
                let _ = tx.try_send(Msg::Signal);
            }
        }
    }
}

fn exit_now(state: &SignalState, sig: i32) -> ! {
    let left = state.undelivered();
    let events = if left == 1 { "event" } else { "events" };
    eprintln!(
        "watchtower: interrupted: exiting without waiting for delivery; {left} {events} \
         left undelivered (lost)"
    );
    std::process::exit(128 + sig)
}
