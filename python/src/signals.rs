//! SIGTERM and SIGHUP, handled in Rust for the Python package.
//!
//! A Python-level handler runs only when the main thread next executes bytecode. A main thread
//! blocked in C (a `multiprocessing.Pool` worker waiting on its queue's lock when
//! `Pool.terminate()` sends SIGTERM) never runs it: the process never ends, and neither does
//! the parent waiting for it (about once in a hundred pools, with any Python-level handler).
//! Here the signal's C handler only writes a byte to a socket; a thread of ours reads it,
//! delivers what every handler holds within the longest `FLUSH_TIMEOUT`, then carries out the
//! signal's default action, whatever the main thread is doing. A second signal, or anything
//! wrong with the socket, carries out the default action at once.
//!
//! Fork: the C handler is inherited by a forked child, the watcher thread is not. In a process
//! other than the one that installed it, the handler does what the signal would have done (the
//! child ends, as it would have without us); a child that starts a handler of its own installs
//! its own watcher ([`deliver_on_signals`] again).

use std::io::Read;
use std::os::fd::{AsRawFd, IntoRawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{
    AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering::SeqCst,
};

use pyo3::prelude::*;

/// The process whose watcher reads [`FD`] (0: none yet).
static OWNER: AtomicU32 = AtomicU32::new(0);
/// The socket the C handler writes to, and its identity (a descriptor number closed and reused
/// for another file must not be written to).
static FD: AtomicI32 = AtomicI32::new(-1);
static DEV: AtomicU64 = AtomicU64::new(0);
static INO: AtomicU64 = AtomicU64::new(0);
/// Set by the first signal: a second one carries out the default action at once.
static FIRED: AtomicBool = AtomicBool::new(false);
/// Per signal number: the C handler ours replaced (Python's own, for `_on_signal`), or 0.
static PREV: [AtomicUsize; 65] = [const { AtomicUsize::new(0) }; 65];
/// Some handler keeps records in Python (3.4's `_submit_batch` extension point, a test
/// double client), which only Python code can deliver: signals then go to Python's handler,
/// `_on_signal`, which closes every handler on the main thread, as the package did before.
static IN_PYTHON: AtomicBool = AtomicBool::new(false);

/// Our C handler, as `sigaction` stores it.
fn ours() -> usize {
    on_signal as *const () as usize
}

/// The slot in [`PREV`] of a signal number, if it has one.
fn prev_slot(signal: libc::c_int) -> Option<&'static AtomicUsize> {
    usize::try_from(signal).ok().and_then(|i| PREV.get(i))
}

/// From now on, signals are handed to Python's handler (see [`IN_PYTHON`]).
#[pyfunction]
pub(crate) fn deliver_in_python() {
    IN_PYTHON.store(true, SeqCst);
}

/// What a signal's C-level action is in this process.
#[pyfunction]
pub(crate) fn signal_action(signal: i32) -> &'static str {
    // SAFETY: sigaction with a null new action only reads the current one into `old`.
    let handler = unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(signal, std::ptr::null(), &mut old) != 0 {
            return "other";
        }
        old.sa_sigaction
    };
    if handler == libc::SIG_DFL {
        "default"
    } else if handler == ours() {
        "ours"
    } else {
        "other"
    }
}

/// Handles `signals` in this process: the watcher thread (once per process) and the C handler
/// (installed again on each call, over whatever is there: the caller checked it is the default
/// action, ours, or Python's own handler for the Python-level one it just set).
#[pyfunction]
pub(crate) fn deliver_on_signals(signals: Vec<i32>) -> PyResult<()> {
    let pid = std::process::id();
    if OWNER.load(SeqCst) != pid {
        start_watcher(pid)?;
    }
    for signal in signals {
        // SAFETY: installs an async-signal-safe handler (see `on_signal`); the struct is zeroed
        // then filled, the mask emptied by sigemptyset.
        let installed = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = ours();
            action.sa_flags = libc::SA_RESTART | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            let rc = libc::sigaction(signal, &action, &mut old);
            if let Some(slot) = prev_slot(signal).filter(|_| rc == 0 && old.sa_sigaction != ours())
            {
                slot.store(old.sa_sigaction, SeqCst);
            }
            rc
        };
        if installed != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
    }
    Ok(())
}

/// This process's socket and watcher thread. Nothing is published until both exist.
fn start_watcher(pid: u32) -> std::io::Result<()> {
    let (mut reader, writer) = UnixStream::pair()?;
    // The C handler must never block: a full socket only loses a repeat of the same news.
    writer.set_nonblocking(true)?;
    // SAFETY: fstat on a descriptor `writer` owns, into a zeroed struct.
    let st = unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(writer.as_raw_fd(), &mut st) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        st
    };
    watchtower_logs::thread::spawn("watchtower-signals", move || {
        let mut byte = [0u8; 1];
        if reader.read_exact(&mut byte).is_ok() {
            watchtower_logs::signals::deliver_then_default(i32::from(byte[0]));
        }
    })?;
    // Lives as long as the handler that writes to it, which is the process.
    let fd = writer.into_raw_fd();
    FD.store(fd, SeqCst);
    DEV.store(st.st_dev as u64, SeqCst);
    INO.store(st.st_ino as u64, SeqCst);
    FIRED.store(false, SeqCst);
    OWNER.store(pid, SeqCst);
    Ok(())
}

/// The C handler: tells the watcher; in a forked child without one, on a second signal, or if
/// the socket is gone, does what the signal would have done.
extern "C" fn on_signal(signal: libc::c_int) {
    // SAFETY: only async-signal-safe calls (getpid, fstat, send), on plain data; errno is
    // saved and restored around them.
    unsafe {
        #[cfg(target_os = "linux")]
        let errno = *libc::__errno_location();
        let here = std::process::id() == OWNER.load(SeqCst);
        let handed_over = here
            && (IN_PYTHON.load(SeqCst) && to_python(signal)
                || !FIRED.swap(true, SeqCst) && tell_watcher(signal));
        if !handed_over {
            let _ = signal_hook::low_level::emulate_default_handler(signal);
        }
        #[cfg(target_os = "linux")]
        {
            *libc::__errno_location() = errno;
        }
    }
}

/// Calls the handler ours replaced (Python's), if it was a function; whether it was.
unsafe fn to_python(signal: libc::c_int) -> bool {
    let prev = prev_slot(signal).map_or(0, |slot| slot.load(SeqCst));
    if prev == libc::SIG_DFL || prev == libc::SIG_IGN || prev == libc::SIG_ERR {
        return false;
    }
    // SAFETY: `prev` was a one-argument C signal handler installed without SA_SIGINFO
    // (Python's `signal_handler`), still mapped: the interpreter's code is never unloaded.
    let handler: extern "C" fn(libc::c_int) = std::mem::transmute(prev);
    handler(signal);
    true
}

/// Writes the signal's number to the watcher's socket, if the descriptor is still that socket.
unsafe fn tell_watcher(signal: libc::c_int) -> bool {
    let fd = FD.load(SeqCst);
    let mut st: libc::stat = std::mem::zeroed();
    if libc::fstat(fd, &mut st) != 0
        || st.st_dev as u64 != DEV.load(SeqCst)
        || st.st_ino as u64 != INO.load(SeqCst)
    {
        return false;
    }
    let byte = [signal as u8];
    libc::send(
        fd,
        byte.as_ptr().cast(),
        1,
        libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
    ) == 1
}
