//! The library's own threads: named, and deaf to the process's signals.
//!
//! A signal sent to a process (`kill`, a container stop, Python's `Pool.terminate()`) is
//! handled by one of its threads that does not block it, chosen by the kernel. If that is one
//! of ours, the application's handler runs on a thread it never expected, and in Python the
//! handler does not run at all until the main thread next executes bytecode: a main thread
//! waiting on a lock or a pipe never wakes to run it, and the process never ends. So every
//! thread the library starts blocks the asynchronous signals; the threads it starts in turn
//! (tokio's blocking threads among them) inherit that mask, and signals always go to the
//! application's own threads. Faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS) stay
//! unblocked: they belong to the thread that caused them.

use std::io;
use std::thread::JoinHandle;

/// Starts a thread named `name` with every asynchronous signal blocked (see the
/// [module docs](self)). Front ends that start threads of their own beside the library's use
/// it too.
///
/// ```
/// let handle = watchtower_logs::thread::spawn("my-helper", || 1 + 1)?;
/// assert_eq!(handle.join().unwrap(), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn spawn<F, T>(name: &str, f: F) -> io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // Blocked in this thread for the time of the spawn: the new thread inherits the mask from
    // its first instruction on (blocking them inside it would leave a window).
    let _restore = mask::block_async_signals();
    std::thread::Builder::new().name(name.into()).spawn(f)
}

#[cfg(unix)]
mod mask {
    /// Restores the calling thread's signal mask when dropped.
    pub(super) struct Restore(libc::sigset_t);

    /// Signals raised by the thread's own faults: never blocked.
    const FAULTS: [libc::c_int; 6] = [
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGFPE,
        libc::SIGILL,
        libc::SIGTRAP,
        libc::SIGSYS,
    ];

    /// Blocks every asynchronous signal in the calling thread; `None` if the mask could not
    /// be changed (the thread then starts with the caller's mask, as before).
    pub(super) fn block_async_signals() -> Option<Restore> {
        // SAFETY: sigset_t is plain data, initialised by sigfillset/pthread_sigmask before it is
        // read; pthread_sigmask only changes the calling thread's mask.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut set);
            for signal in FAULTS {
                libc::sigdelset(&mut set, signal);
            }
            let mut old: libc::sigset_t = std::mem::zeroed();
            (libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old) == 0).then_some(Restore(old))
        }
    }

    impl Drop for Restore {
        fn drop(&mut self) {
            // SAFETY: restores a mask pthread_sigmask returned for this very thread.
            unsafe {
                libc::pthread_sigmask(libc::SIG_SETMASK, &self.0, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(not(unix))]
mod mask {
    /// Nothing to restore where there are no signal masks.
    pub(super) struct Restore;

    pub(super) fn block_async_signals() -> Option<Restore> {
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// The calling thread's mask.
    fn current_mask() -> libc::sigset_t {
        // SAFETY: reads this thread's mask into a zeroed sigset_t.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut set);
            set
        }
    }

    fn blocked(set: &libc::sigset_t, signal: libc::c_int) -> bool {
        // SAFETY: sigismember reads an initialised set.
        unsafe { libc::sigismember(set, signal) == 1 }
    }

    #[test]
    fn threads_block_termination_signals_not_faults_and_the_caller_is_unchanged() {
        let before = current_mask();
        let (mask, grandchild) = spawn("mask-test", || {
            let inherited = spawn("mask-test-2", current_mask).unwrap().join().unwrap();
            (current_mask(), inherited)
        })
        .unwrap()
        .join()
        .unwrap();
        for set in [&mask, &grandchild] {
            for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP, libc::SIGQUIT] {
                assert!(blocked(set, signal), "signal {signal} reaches the thread");
            }
            assert!(!blocked(set, libc::SIGSEGV) && !blocked(set, libc::SIGBUS));
        }
        let after = current_mask();
        assert_eq!(
            blocked(&before, libc::SIGTERM),
            blocked(&after, libc::SIGTERM)
        );
    }
}
