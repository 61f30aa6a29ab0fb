//! `watchtower run`: the command's stdout and stderr pass through unchanged and are shipped,
//! stderr optionally to its own stream; watchtower exits with the command's status (128+N if a
//! signal killed it, 3 if it succeeded but events were lost); SIGTERM is forwarded to the
//! command and what it printed on the way out is still delivered.

mod common;

use std::process::Stdio;

use common::{assert_one_error_line, bare, run, wait_bounded, watchtower, Lines, TIMEOUT};
use watchtower_testkit::shared_moto;

fn sorted_messages(moto: &watchtower_testkit::MotoLease, group: &str) -> Vec<String> {
    let mut m: Vec<String> = moto
        .all_events(group)
        .into_iter()
        .map(|(_, e)| e.message)
        .collect();
    m.sort();
    m
}

#[test]
fn exit_code_stdout_and_stderr_are_the_commands() {
    let moto = shared_moto();
    let mut cmd = watchtower(&moto.endpoint());
    cmd.args([
        "run",
        "--group",
        "runs",
        "--stream",
        "{program_name}/{logger_name}",
        "--send-interval",
        "100ms",
        "--",
        "sh",
        "-c",
        "printf 'out 1\\nout ✓ 2\\n'; printf 'err 1\\n' >&2; printf 'no newline at the end'; exit 7",
    ]);
    let done = run(&mut cmd, b"");
    assert_eq!(done.code, Some(7), "{}", done.stderr);
    assert_eq!(done.stdout, "out 1\nout ✓ 2\nno newline at the end");
    assert!(done.stderr.starts_with("err 1\n"), "{}", done.stderr);
    assert!(
        done.stderr
            .contains("4 events to log group \"runs\": 4 delivered, 0 lost"),
        "{}",
        done.stderr
    );
    // stdout and stderr share one stream by default; {program_name} is the command's name.
    assert_eq!(moto.streams("runs"), ["sh/run"]);
    assert_eq!(
        sorted_messages(&moto, "runs"),
        ["err 1", "no newline at the end", "out 1", "out ✓ 2"]
    );
}

#[test]
fn stderr_can_go_to_its_own_stream() {
    let moto = shared_moto();
    let mut cmd = watchtower(&moto.endpoint());
    cmd.args([
        "run",
        "-g",
        "split",
        "-s",
        "app/out",
        "--stderr-stream",
        "app/err",
        "--",
        "sh",
        "-c",
        "echo o1; echo e1 >&2; echo o2; echo e2 >&2",
    ]);
    let done = run(&mut cmd, b"");
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(done.stdout, "o1\no2\n");
    assert!(done.stderr.starts_with("e1\ne2\n"), "{}", done.stderr);
    let msgs = |s: &str| -> Vec<String> {
        moto.events("split", s)
            .into_iter()
            .map(|e| e.message)
            .collect()
    };
    assert_eq!(msgs("app/out"), ["o1", "o2"]);
    assert_eq!(msgs("app/err"), ["e1", "e2"]);
}

#[test]
fn a_command_killed_by_a_signal_exits_128_plus_n() {
    let moto = shared_moto();
    let mut cmd = watchtower(&moto.endpoint());
    cmd.args([
        "run",
        "-g",
        "killed",
        "-s",
        "s",
        "--",
        "sh",
        "-c",
        "echo bye; kill -9 $$",
    ]);
    let done = run(&mut cmd, b"");
    assert_eq!(done.code, Some(128 + 9), "{}", done.stderr);
    assert_eq!(done.stdout, "bye\n");
    assert_eq!(sorted_messages(&moto, "killed"), ["bye"]);
}

#[test]
fn lost_events_turn_success_into_exit_3_but_keep_a_failure_code() {
    let moto = shared_moto();
    let script = format!("echo ok; echo {}; exit $0", "z".repeat(300));
    for (child_code, expected) in [("0", 3), ("5", 5)] {
        let mut cmd = watchtower(&moto.endpoint());
        cmd.args([
            "run",
            "-g",
            "lost",
            "--max-message-size",
            "100",
            "--oversize",
            "drop",
            "--",
            "sh",
            "-c",
            &script,
            child_code,
        ]);
        let done = run(&mut cmd, b"");
        assert_eq!(done.code, Some(expected), "{}", done.stderr);
        assert!(
            done.stderr.contains("1 lost (oversize 1)"),
            "{}",
            done.stderr
        );
    }
}

#[test]
fn sigterm_is_forwarded_and_the_output_still_delivered() {
    let moto = shared_moto();
    // The command traps SIGTERM, says so and exits 0: watchtower exits 0 and ships the line it
    // printed after the signal.
    let mut child = watchtower(&moto.endpoint())
        .args([
            "run",
            "-g",
            "signals",
            "-s",
            "trap",
            "--",
            "sh",
            "-c",
            "trap 'echo got-term; exit 0' TERM; echo ready; while :; do sleep 0.05; done",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = Lines::new(child.stdout.take().unwrap());
    let mut err = Lines::new(child.stderr.take().unwrap());
    out.expect("\"ready\"", |l| l == "ready");
    // SAFETY: plain kill(2) to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    out.expect("\"got-term\"", |l| l == "got-term");
    let status = wait_bounded(&mut child, TIMEOUT).expect("watchtower exits");
    err.expect("the summary", |l| l.contains("2 delivered, 0 lost"));
    assert_eq!(status.code(), Some(0));
    let msgs: Vec<String> = moto
        .events("signals", "trap")
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(msgs, ["ready", "got-term"]);

    // Without a trap, the forwarded SIGTERM kills the command: 128 + 15.
    let mut child = watchtower(&moto.endpoint())
        .args([
            "run",
            "-g",
            "signals",
            "-s",
            "plain",
            "--",
            "sh",
            "-c",
            "echo ready; exec sleep 60",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = Lines::new(child.stdout.take().unwrap());
    out.expect("\"ready\"", |l| l == "ready");
    // SAFETY: as above.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = wait_bounded(&mut child, TIMEOUT).expect("watchtower exits");
    assert_eq!(status.code(), Some(128 + 15));
    let msgs: Vec<String> = moto
        .events("signals", "plain")
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(msgs, ["ready"]);
}

#[test]
fn a_command_that_cannot_run_exits_127_or_126_with_one_line() {
    let mut cmd = bare();
    cmd.env("AWS_REGION", "us-east-1").args([
        "run",
        "--",
        "watchtower-test-no-such-command",
        "arg",
    ]);
    let done = run(&mut cmd, b"");
    assert_one_error_line(
        &done,
        127,
        &[
            "watchtower-test-no-such-command",
            "command not found",
            "PATH",
        ],
    );

    let mut cmd = bare();
    cmd.env("AWS_REGION", "us-east-1").args(["run", "--", "/"]);
    let done = run(&mut cmd, b"");
    assert_one_error_line(&done, 126, &["cannot run `/`", "permission denied"]);
}

#[test]
fn pty_gives_the_command_a_terminal_and_lines_still_arrive() {
    let moto = shared_moto();
    let script =
        "if [ -t 1 ]; then echo stdout-is-a-tty; else echo stdout-is-a-pipe; fi; echo err >&2";
    let mut cmd = watchtower(&moto.endpoint());
    cmd.args([
        "run", "-g", "pty", "-s", "t", "--pty", "--", "sh", "-c", script,
    ]);
    let done = run(&mut cmd, b"");
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(done.stdout, "stdout-is-a-tty\nerr\n", "no \\r added");
    assert_eq!(sorted_messages(&moto, "pty"), ["err", "stdout-is-a-tty"]);

    let mut cmd = watchtower(&moto.endpoint());
    cmd.args(["run", "-g", "pty", "-s", "p", "--", "sh", "-c", script]);
    let done = run(&mut cmd, b"");
    assert_eq!(done.stdout, "stdout-is-a-pipe\n");
}
