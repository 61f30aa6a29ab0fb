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
use std::io::{self, Read, Write};
use std::ops::Deref;
#[cfg(unix)]
use std::sync::atomic::{AtomicI32, Ordering::SeqCst};

/// Descriptors of the segment files this process holds, or is about to lock (-1: a free
/// slot). A spool holds at most `spool_max_bytes / 4 MiB` of its own (and what it claimed from
/// dead processes); beyond this many in all, a forked child keeps the rest until it exits.
#[cfg(unix)]
static LOCKED: [AtomicI32; 1024] = [const { AtomicI32::new(-1) }; 1024];

/// A segment file this process holds locked (or is about to lock), listed in [`LOCKED`] while
/// it is open.
#[derive(Debug)]
pub(crate) struct Locked {
    file: File,
    /// Its place in [`LOCKED`].
    #[cfg(unix)]
    slot: Option<usize>,
}

impl Locked {
    /// Lists `file`, which the caller is about to lock (listed first: a child forked between
    /// the lock and the listing would keep its share of the lock).
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

// Reading and writing go through `&File`: no `DerefMut`, which would let a listed file be
// replaced (closed) while still listed.
impl Read for Locked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.file).read(buf)
    }
}

impl Write for Locked {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&self.file).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&self.file).flush()
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    const ALONE: &str = "WATCHTOWER_FORK_TEST_ALONE";

    /// A child forked while a segment is locked lets go of its share of the lock at once: the
    /// parent's lock is then the only one, and another open file can take the lock as soon
    /// as the parent closes its own (before, only when the child also exited).
    #[test]
    fn a_forked_child_lets_go_of_the_segment_locks() {
        // It forks: run alone, in a process of its own, so that no other test's files (locked
        // without `Locked`) are copied into the child.
        if std::env::var_os(ALONE).is_none() {
            let status = std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "spool::fork::tests::a_forked_child_lets_go_of_the_segment_locks",
                    "--test-threads=1",
                ])
                .env(ALONE, "1")
                .status()
                .unwrap();
            assert!(status.success(), "the test, run alone: {status}");
            return;
        }
        let dir = std::env::temp_dir().join(format!("wt-fork-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.wal");
        let locked = Locked::new(File::create(&path).unwrap());
        assert!(super::super::lock::try_lock(&locked).unwrap());
        let mut ready = [0 as libc::c_int; 2];
        // SAFETY: a pipe into a local array.
        assert_eq!(
            unsafe { libc::pipe2(ready.as_mut_ptr(), libc::O_CLOEXEC) },
            0
        );
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
        // SAFETY: reads one byte into a local array; closes the pipe's two ends.
        let read = unsafe { libc::read(ready[0], byte.as_mut_ptr().cast(), 1) };
        unsafe {
            libc::close(ready[0]);
            libc::close(ready[1]);
        }
        drop(locked);
        let other = File::open(&path).unwrap();
        let taken = super::super::lock::try_lock(&other).unwrap();
        // SAFETY: the child is ours; it is still sleeping.
        unsafe {
            libc::kill(child, libc::SIGKILL);
            libc::waitpid(child, std::ptr::null_mut(), 0);
        }
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(read, 1, "the child said it started");
        assert!(taken, "the sleeping child still held the segment's lock");
    }
}
