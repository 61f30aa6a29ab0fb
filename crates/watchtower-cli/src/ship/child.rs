//! The command `run` starts: spawn errors, its exit status, waiting for it.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::ExitStatus;

use crate::exit_codes::{CliError, ExitCode};

pub(super) fn spawn_error(program: &OsStr, e: io::Error) -> CliError {
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
pub(super) fn exit_status_code(status: ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => (code & 0xff) as u8,
        (None, Some(sig)) => 128u8.saturating_add(sig as u8),
        (None, None) => ExitCode::Failure.code(),
    }
}

/// Blocks until the process `pid` has exited, without reaping it.
pub(super) fn wait_exited(pid: u32) -> io::Result<()> {
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

/// A pseudo-terminal for `run --pty`: the controller side (read like a pipe) and the device
/// side (the command's stdout and stderr), without output post-processing, so lines end in
/// `\n` as the command wrote them.
pub(super) fn pty() -> io::Result<(File, OwnedFd)> {
    let (mut controller, mut device) = (0, 0);
    // SAFETY: openpty writes two new descriptors into the ints we own; null name, termios and
    // window size are allowed.
    if unsafe {
        libc::openpty(
            &mut controller,
            &mut device,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    } != 0
    {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors are new and owned by nothing else.
    let (controller, device) =
        unsafe { (File::from_raw_fd(controller), OwnedFd::from_raw_fd(device)) };
    // SAFETY: termios calls on the device descriptor we own, into a zeroed struct we own.
    unsafe {
        use std::os::fd::AsRawFd;
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(device.as_raw_fd(), &mut t) == 0 {
            t.c_oflag &= !libc::OPOST;
            libc::tcsetattr(device.as_raw_fd(), libc::TCSANOW, &t);
        }
    }
    Ok((controller, device))
}
