//! Segment ownership: an exclusive `flock` on the segment file, held by the process that
//! writes or replays it. The kernel releases it when that process dies, however it dies, so a
//! segment that can be locked has no owner left.

use std::fs::File;
use std::io;

/// Takes an exclusive lock on `file` without waiting: `Ok(false)` when another open file
/// (in this process or another) holds it.
#[cfg(unix)]
pub(crate) fn try_lock(file: &File) -> io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor this `File` owns; it touches no memory.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.kind() == io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(err)
    }
}

/// Without `flock` the spool cannot tell a live owner from a dead one: every segment is
/// taken as orphaned, so only one process may use a spool directory there.
#[cfg(not(unix))]
pub(crate) fn try_lock(_file: &File) -> io::Result<bool> {
    Ok(true)
}

/// Whether `file` is still linked in its directory (a replayer that deleted it may have
/// released its lock just before we took ours).
#[cfg(unix)]
pub(crate) fn still_linked(file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    file.metadata().map(|m| m.nlink() > 0).unwrap_or(false)
}

/// See the unix version.
#[cfg(not(unix))]
pub(crate) fn still_linked(_file: &File) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_file_cannot_take_the_lock() {
        let dir = std::env::temp_dir().join(format!("wt-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.wal");
        let a = File::create(&path).unwrap();
        assert!(try_lock(&a).unwrap());
        let b = File::open(&path).unwrap();
        assert!(!try_lock(&b).unwrap());
        drop(a);
        assert!(try_lock(&b).unwrap());
        std::fs::remove_file(&path).unwrap();
        assert!(!still_linked(&b));
        let _ = std::fs::remove_dir(&dir);
    }
}
