//! SIGTERM and SIGHUP, handled in Rust for the Python package.
//!
//! A Python-level handler runs only when the main thread next executes bytecode. A main thread
//! blocked in C (a `multiprocessing.Pool` worker waiting on its queue's lock when
//! `Pool.terminate()` sends SIGTERM) never runs it: the process never ends, and neither does
//! the parent waiting for it (seen about once in a hundred pools, with any Python handler).
//! Here the signal's C handler only writes a byte to a pipe; a thread of ours reads it,
//! delivers what every handler holds within the longest `FLUSH_TIMEOUT`, then carries out the
//! signal's default action, whatever the main thread is doing.
//!
//! Fork: the C handler is inherited by a forked child, the watcher thread is not. In a process
//! other than the one that installed it, the handler does what the signal would have done (the
//! child ends, as it would have without us) instead of writing to the parent's pipe; a child
//! that starts a handler of its own installs its own watcher ([`deliver_on_signals`] again).

use std::io::Read;
use std::os::fd::IntoRawFd;
use std::os::unix::net::UnixStream;
use std::sync::Mutex;

use pyo3::prelude::*;
use signal_hook::SigId;

/// The process that installed the handlers, and their ids (to replace them in a forked child).
/// Touched only with the GIL held, so never held by another thread when the process forks.
static INSTALLED: Mutex<Option<(u32, Vec<SigId>)>> = Mutex::new(None);

/// Installs, once per process, the handlers of `signals` (whose Python-level action the caller
/// found to be the default) and the watcher thread. Returns False if this process already has
/// them, or if none of the signals has its default action at the C level either.
#[pyfunction]
pub(crate) fn deliver_on_signals(signals: Vec<i32>) -> PyResult<bool> {
    let pid = std::process::id();
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    let signals: Vec<i32> = match installed.take() {
        Some((owner, ids)) if owner == pid => {
            *installed = Some((owner, ids));
            return Ok(false);
        }
        Some((_, ids)) => {
            // Inherited through fork: this process watches for itself from now on.
            for id in ids {
                signal_hook::low_level::unregister(id);
            }
            signals
        }
        // Only where the action is still the default at the C level too: a host that handles
        // them in C (uWSGI's workers, an embedding application) keeps its handlers.
        None => signals
            .into_iter()
            .filter(|s| action_is_default(*s))
            .collect(),
    };
    if signals.is_empty() {
        return Ok(false);
    }
    let (mut reader, writer) = UnixStream::pair()?;
    // The C handler must never block: a full pipe only loses a repeat of the same news.
    writer.set_nonblocking(true)?;
    // Lives as long as the handlers that write to it, which is the process.
    let fd = writer.into_raw_fd();
    let mut ids = Vec::with_capacity(signals.len());
    for signal in signals {
        let action = move || on_signal(signal, pid, fd);
        // SAFETY: the action is async-signal-safe: getpid, write(2) to a non-blocking socket,
        // and signal-hook's emulate_default_handler (sigaction, sigprocmask, raise).
        let id = unsafe { signal_hook::low_level::register(signal, action) }?;
        ids.push(id);
    }
    *installed = Some((pid, ids));
    watchtower_logs::thread::spawn("watchtower-signals", move || {
        let mut byte = [0u8; 1];
        if reader.read_exact(&mut byte).is_ok() {
            watchtower_logs::signals::deliver_then_default(i32::from(byte[0]));
        }
    })?;
    Ok(true)
}

/// Whether `signal`'s action in this process is the default one.
fn action_is_default(signal: i32) -> bool {
    // SAFETY: sigaction with a null new action only reads the current one into `old`.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_DFL
    }
}

/// The C handler: tells the watcher, or, in a forked child without one, does what the signal
/// would have done.
fn on_signal(signal: i32, owner: u32, fd: i32) {
    if std::process::id() == owner {
        let byte = [signal as u8];
        // SAFETY: writes one byte from a live buffer to a descriptor this process keeps open.
        unsafe { libc::write(fd, byte.as_ptr().cast(), 1) };
    } else {
        let _ = signal_hook::low_level::emulate_default_handler(signal);
    }
}
