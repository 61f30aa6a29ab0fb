//! The command `run` starts: spawn errors, its exit status, waiting for it.

use std::ffi::OsStr;
use std::io;
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
