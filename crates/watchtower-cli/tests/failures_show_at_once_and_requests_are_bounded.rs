//! During an outage `ship` says so at the first failed call, with the cause, while it is still
//! reading (not at the shutdown deadline); a read request that never gets an answer fails
//! within `--timeout`, naming the cause; `--verbose` says where events go and what it took.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{assert_one_error_line, run, wait_bounded, watchtower, Lines, TIMEOUT};
use watchtower_testkit::shared_moto;

/// Nothing listens on port 1 of the loopback: connections are refused at once.
const REFUSING: &str = "http://127.0.0.1:1";

#[test]
fn an_outage_shows_at_the_first_failure_with_its_cause_while_reading() {
    let mut child = watchtower(REFUSING)
        .args([
            "ship",
            "-g",
            "outage",
            "--send-interval",
            "100ms",
            "--shutdown-timeout",
            "1s",
            "--no-passthrough",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // stdin stays open: no shutdown has started when the warning must appear.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"one line\n").unwrap();
    stdin.flush().unwrap();
    let mut err = Lines::new(child.stderr.take().unwrap());
    let warning = err.expect("a warning naming the failure", |l| {
        l.starts_with("watchtower: warning: ") && l.contains("retrying")
    });
    assert!(
        warning.contains("PutLogEvents") || warning.contains("CreateLog"),
        "names the call: {warning}"
    );
    assert!(
        warning.to_ascii_lowercase().contains("connection refused")
            || warning.contains("dispatch failure"),
        "gives the cause: {warning}"
    );
    assert!(!warning.contains("testing"), "no credentials: {warning}");
    assert!(
        child.try_wait().unwrap().is_none(),
        "still running while reading"
    );
    drop(stdin);
    let status = wait_bounded(&mut child, TIMEOUT).expect("exits after its input ends");
    assert_eq!(status.code(), Some(3));
    err.expect("the summary", |l| l.contains("0 delivered, 1 lost"));
}

#[test]
fn a_request_without_an_answer_fails_within_the_timeout() {
    // Accepts connections (the kernel's backlog) but never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    for args in [
        &["get", "-g", "app", "--timeout", "1s"][..],
        &["groups", "--timeout", "1s"],
    ] {
        let started = Instant::now();
        let done = run(watchtower(&endpoint).args(args), b"");
        let took = started.elapsed();
        assert_one_error_line(&done, 5, &["no answer within --timeout", &endpoint]);
        assert!(
            took < Duration::from_secs(15),
            "{args:?} took {took:?} with --timeout 1s"
        );
    }
}

#[test]
fn verbose_says_where_events_go_and_what_it_took() {
    let moto = shared_moto();
    let done = run(
        watchtower(&moto.endpoint()).args([
            "ship",
            "-g",
            "verbose",
            "-s",
            "v",
            "--no-passthrough",
            "-v",
        ]),
        b"a\nb\n",
    );
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let lines = done.stderr_lines();
    assert!(
        lines[0].starts_with("watchtower: shipping to log group \"verbose\", streams \"v\"")
            && lines[0].contains("stop reading until there is room"),
        "{}",
        done.stderr
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("1 PutLogEvents call, 0 retried")),
        "{}",
        done.stderr
    );
    let quiet = run(
        watchtower(&moto.endpoint()).args(["ship", "-g", "verbose", "--no-passthrough", "-q"]),
        b"a\n",
    );
    assert_eq!((quiet.code, quiet.stderr.as_str()), (Some(0), ""));
}
