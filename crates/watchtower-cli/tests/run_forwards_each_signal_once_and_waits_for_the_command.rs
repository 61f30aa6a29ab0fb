//! `watchtower run` with real process groups and real signals: a signal sent to watchtower's
//! whole process group (systemd, GNU `timeout`, `kill -- -PGID`) reaches the command once, from
//! watchtower; `run` exits when the command does, even if a process it left in the background
//! still holds its output.

mod common;

use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{run, wait_bounded, watchtower, Lines, TIMEOUT};
use watchtower_testkit::shared_moto;

/// A command that blocks SIGTERM, prints `ready`, waits for one SIGTERM and then one second
/// more for a duplicate, and prints the pid of every sender: `senders PID [PID]`.
const COUNT_SIGTERMS: &str = r#"
import signal
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
print("ready", flush=True)
senders = [signal.sigwaitinfo({signal.SIGTERM}).si_pid]
again = signal.sigtimedwait({signal.SIGTERM}, 1.0)
if again is not None:
    senders.append(again.si_pid)
print("senders", *senders, flush=True)
"#;

#[test]
fn a_signal_to_the_whole_process_group_reaches_the_command_once() {
    let moto = shared_moto();
    let mut child = watchtower(&moto.endpoint())
        .args([
            "run",
            "-g",
            "signals",
            "--",
            "python3",
            "-c",
            COUNT_SIGTERMS,
        ])
        // watchtower leads a process group of its own, as under a supervisor.
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let watchtower_pid = child.id() as libc::pid_t;
    let mut out = Lines::new(child.stdout.take().unwrap());
    let _err = Lines::new(child.stderr.take().unwrap());
    out.expect("the command's ready line", |l| l == "ready");
    // `kill -- -PGID`: every process of watchtower's group.
    // SAFETY: plain kill(2) to the process group our child leads.
    assert_eq!(unsafe { libc::kill(-watchtower_pid, libc::SIGTERM) }, 0);
    let senders = out.expect("the senders line", |l| l.starts_with("senders"));
    assert_eq!(
        senders,
        format!("senders {watchtower_pid}"),
        "one SIGTERM, forwarded by watchtower"
    );
    let status = wait_bounded(&mut child, TIMEOUT).expect("watchtower exits");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn gnu_timeout_signals_the_command_once() {
    let moto = shared_moto();
    let mut cmd = watchtower(&moto.endpoint());
    // timeout signals watchtower, then its whole process group (watchtower included).
    cmd.args([
        "run",
        "-g",
        "timeout-run",
        "--",
        "python3",
        "-c",
        COUNT_SIGTERMS,
    ]);
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let mut timeout = std::process::Command::new("timeout");
    timeout.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            timeout.env(k, v);
        }
    }
    timeout.arg("2").arg(program).args(args);
    let done = run(&mut timeout, b"");
    let senders: Vec<&str> = done
        .stdout
        .lines()
        .filter(|l| l.starts_with("senders"))
        .collect();
    assert_eq!(senders.len(), 1, "{}\n{}", done.stdout, done.stderr);
    assert_eq!(
        senders[0].split(' ').count(),
        2,
        "one SIGTERM: {}",
        done.stdout
    );
}

#[test]
fn run_exits_with_the_command_even_if_a_background_process_holds_its_output() {
    let moto = shared_moto();
    let started = Instant::now();
    let done = run(
        watchtower(&moto.endpoint()).args([
            "run",
            "-g",
            "leftover",
            "-s",
            "s",
            "--",
            "sh",
            "-c",
            "sleep 30 & echo done",
        ]),
        b"",
    );
    let took = started.elapsed();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(done.stdout, "done\n");
    assert!(
        took < Duration::from_secs(10),
        "run waited {took:?} for the background sleep"
    );
    let stored: Vec<String> = moto
        .events("leftover", "s")
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(stored, ["done"]);
}
