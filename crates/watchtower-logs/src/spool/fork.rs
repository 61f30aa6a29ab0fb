//! Segment locks across `fork`. A child forked without exec (a pre-forking server's workers,
//! `multiprocessing`'s fork) shares its parent's open segment files, and with them their
//! `flock`s: a lock belongs to the open file, which both processes now hold. Were the parent
//! to die, its segments would stay locked, so never replayed, for as long as a child lives.
//!
//! So every segment file this process holds locked is listed here, lock-free, and a
//! `pthread_atfork` handler run in the child (only async-signal-safe calls) points each listed
//! descriptor at `/dev/null` with `dup3`: the child's copy of the open file is closed, which
//! lets go of its share of the lock, and the descriptor's number stays taken, so that the
//! parent's [`Locked`], should the child ever drop its copy, closes nothing of the child's.

use std::fs::File;
use std::ops::{Deref, DerefMut};
#[cfg(unix)]
use std::sync::atomic::{AtomicI32, Ordering::SeqCst};

/// Descriptors of the segment files this process holds locked (-1: a free slot). A process
/// holding more (many shippers with spools) keeps the rest in a forked child.
#[cfg(unix)]
static LOCKED: [AtomicI32; 256] = [const { AtomicI32::new(-1) }; 256];

/// A segment file this process holds locked, listed in [`LOCKED`] while it is open.
#[derive(Debug)]
pub(crate) struct Locked {
    file: File,
    /// Its place in [`LOCKED`].
    #[cfg(unix)]
    slot: Option<usize>,
}

impl Locked {
    /// Lists `file`, which the caller has just locked.
    pub(crate) fn new(file: File) -> Locked {
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            install_fork_handler();
            let fd = file.as_raw_fd();
            let slot = LOCKED
                .iter()
                .position(|s| s.compare_exchange(-1, fd, SeqCst, SeqCst).is_ok());
            Locked { file, slot }
        }
        #[cfg(not(unix))]
        Locked { file }
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        // Unlisted before the file is closed (when the fields drop, after this), so that a
        // listed descriptor is always still this file's. In a forked child the slot may
        // already hold another file's descriptor: only ours is cleared.
        #[cfg(unix)]
        if let Some(slot) = self.slot {
            use std::os::unix::io::AsRawFd;
            let _ = LOCKED[slot].compare_exchange(self.file.as_raw_fd(), -1, SeqCst, SeqCst);
        }
    }
}

impl Deref for Locked {
    type Target = File;

    fn deref(&self) -> &File {
        &self.file
    }
}

impl DerefMut for Locked {
    fn deref_mut(&mut self) -> &mut File {
        &mut self.file
    }
}

/// Registers [`release_in_child`] with `pthread_atfork`, once per process.
#[cfg(unix)]
fn install_fork_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: registers a plain function that lives as long as the process.
        unsafe {
            libc::pthread_atfork(None, None, Some(release_in_child));
        }
    });
}

/// Runs in a forked child, before `fork` returns there: the listed descriptors are pointed at
/// `/dev/null`, and the list emptied (the child holds no lock of its own yet). Only
/// async-signal-safe calls: the parent's other threads may have held any lock when it forked.
#[cfg(unix)]
extern "C" fn release_in_child() {
    // SAFETY: `open`, `dup3`/`dup2`, `fcntl` and `close` on descriptors only; no memory is
    // touched but the atomics.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
        if null < 0 {
            return; // the child keeps its share of the locks until it exits
        }
        for slot in &LOCKED {
            let fd = slot.swap(-1, SeqCst);
            if fd >= 0 {
                #[cfg(any(target_os = "linux", target_os = "android"))]
                libc::dup3(null, fd, libc::O_CLOEXEC);
                #[cfg(not(any(target_os = "linux", target_os = "android")))]
                if libc::dup2(null, fd) >= 0 {
                    libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
                }
            }
        }
        libc::close(null);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A child forked while a segment is locked lets go of its share of the lock at once: the
    /// parent's lock is then the only one, and another open file can take the lock as soon
    /// as the parent closes its own (before, only when the child also exited).
    #[test]
    fn a_forked_child_lets_go_of_the_segment_locks() {
        let dir = std::env::temp_dir().join(format!("wt-fork-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.wal");
        let file = File::create(&path).unwrap();
        assert!(super::super::lock::try_lock(&file).unwrap());
        let locked = Locked::new(file);
        let mut ready = [0 as libc::c_int; 2];
        // SAFETY: a pipe into a local array.
        assert_eq!(unsafe { libc::pipe(ready.as_mut_ptr()) }, 0);
        // SAFETY: the child only writes to the pipe and sleeps (async-signal-safe), and
        // leaves with `_exit`.
        let child = unsafe { libc::fork() };
        assert!(child >= 0, "fork");
        if child == 0 {
            unsafe {
                // `fork` has returned here: the handlers have run.
                libc::write(ready[1], [1u8].as_ptr().cast(), 1);
                libc::sleep(30);
                libc::_exit(0);
            }
        }
        let mut byte = [0u8];
        // SAFETY: reads one byte into a local array.
        assert_eq!(
            unsafe { libc::read(ready[0], byte.as_mut_ptr().cast(), 1) },
            1
        );
        unsafe {
            libc::close(ready[0]);
            libc::close(ready[1]);
        }
        drop(locked);
        let other = File::open(&path).unwrap();
        let taken = super::super::lock::try_lock(&other).unwrap();
        // SAFETY: the child is ours and still sleeping.
        unsafe {
            libc::kill(child, libc::SIGKILL);
            libc::waitpid(child, std::ptr::null_mut(), 0);
        }
        let _ = std::fs::remove_dir_all(&dir);
        assert!(taken, "the sleeping child still held the segment's lock");
    }
}
