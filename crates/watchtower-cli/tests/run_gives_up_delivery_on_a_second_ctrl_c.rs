//! `run` in an interactive terminal, with real Ctrl-C: a pseudo-terminal is the controlling
//! terminal of watchtower's own session, and `^C` written to it makes the kernel signal the
//! whole foreground process group (watchtower and the command). The first Ctrl-C stops the
//! command, and watchtower says it is delivering; while delivery waits on an endpoint that
//! does not answer, a second Ctrl-C exits at once with the count of events left undelivered.

mod common;

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::Stdio;

use common::{pty, wait_bounded, watchtower, Lines, TIMEOUT};
use watchtower_testkit::{shared_moto, wait_until, Proxy};

#[test]
fn a_second_ctrl_c_exits_at_once_with_the_count_left_undelivered() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    // Nothing is answered: delivery waits (up to --shutdown-timeout, far beyond the test).
    proxy.hold();
    let (mut controller, device) = pty();
    let mut cmd = watchtower(&proxy.endpoint());
    cmd.args([
        "run",
        "-g",
        "ctrl-c",
        "--shutdown-timeout",
        "600s",
        "--",
        "sh",
        "-c",
        "echo ready; while :; do sleep 1; done",
    ])
    .env("TERM", "dumb")
    .stdin(Stdio::from(device.try_clone().unwrap()))
    .stdout(Stdio::from(device.try_clone().unwrap()))
    .stderr(Stdio::from(device));
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            // A new session whose controlling terminal is the pty (stdin), with watchtower's
            // process group in the foreground, as a shell runs a command.
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // And with SIGINT and SIGQUIT as an interactive shell leaves them. A test run
            // started in the background of a script (`.ci/run &`) has them ignored, every
            // process it starts inherits that, and the command would outlive Ctrl-C.
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::signal(libc::SIGQUIT, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn watchtower on a terminal");
    let _group = KillGroupOnDrop(child.id());
    let mut screen = Lines::new(controller.try_clone().unwrap());
    screen.expect("the command's output", |l| l.trim_end() == "ready");

    controller.write_all(b"\x03").unwrap();
    let notice = screen.expect("that it delivers", |l| {
        l.contains("interrupt again to exit at once")
    });
    assert!(
        notice.contains("the command was interrupted; delivering 1 event"),
        "{notice}"
    );
    assert!(
        wait_until(TIMEOUT, || proxy.held_now() > 0),
        "delivery reaches the endpoint"
    );
    assert!(
        child.try_wait().unwrap().is_none(),
        "still waiting for delivery"
    );

    controller.write_all(b"\x03").unwrap();
    let status = wait_bounded(&mut child, TIMEOUT).expect("the second Ctrl-C exits at once");
    assert_eq!(status.code(), Some(130), "128 + SIGINT");
    let last = screen.expect("the count", |l| {
        l.contains("exiting without waiting for delivery")
    });
    assert!(
        last.trim_end()
            .ends_with("exiting without waiting for delivery; 1 event left undelivered (lost)"),
        "{last}"
    );
    proxy.release();
}

/// Kills watchtower's whole process group (it leads its own session; the command is in it)
/// when the test ends, so that a failing run leaves no process behind.
struct KillGroupOnDrop(u32);

impl Drop for KillGroupOnDrop {
    fn drop(&mut self) {
        // SAFETY: plain kill(2) of the group the test created; nothing else is in it.
        unsafe {
            libc::kill(-(self.0 as libc::pid_t), libc::SIGKILL);
        }
    }
}
