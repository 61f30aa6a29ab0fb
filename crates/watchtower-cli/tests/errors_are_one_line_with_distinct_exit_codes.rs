//! Mistakes and failures end in one `watchtower: error: ...` line naming the fix, with a
//! distinct exit code per kind: 2 bad flags or values, 3 events lost, 4 not found, 5 endpoint
//! unreachable, 6 no region or credentials.

mod common;

use common::{assert_one_error_line, bare, run, watchtower};
use watchtower_testkit::shared_moto;

/// Nothing listens on port 1 of the loopback: connections are refused at once.
const UNREACHABLE: &str = "http://127.0.0.1:1";

fn bare_run(args: &[&str]) -> common::Done {
    let mut cmd = bare();
    cmd.env("AWS_REGION", "us-east-1").args(args);
    run(&mut cmd, b"")
}

#[test]
fn bad_flags_and_values_exit_2() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["ship", "--bogus"],
            &["unexpected argument '--bogus'", "watchtower ship --help"],
        ),
        (
            &["get"],
            &["name a log group", "--group", "watchtower groups"],
        ),
        (&["run", "-g", "x"], &["<COMMAND>"]),
        (&["frobnicate"], &["unrecognized subcommand 'frobnicate'"]),
        (
            &["ship", "--send-interval", "soon"],
            &["--send-interval", "500ms"],
        ),
        (
            &["get", "-g", "x", "--start", "soonish"],
            &["--start", "ISO 8601", "2h ago"],
        ),
        (
            &["get", "-g", "x", "-s", "a", "--stream-prefix", "b"],
            &["--stream-prefix"],
        ),
        (
            &["ship", "--multiline-start", "(unclosed"],
            &["--multiline-start", "regular expression"],
        ),
        (
            &["ship", "--oversize", "shrink"],
            &["--oversize", "truncate"],
        ),
        (
            &["ship", "--endpoint-url", "localhost:4566"],
            &["--endpoint-url", "http://"],
        ),
        (
            &["ship", "-g", "has space"],
            &["invalid log group name", "--group"],
        ),
        (&["ship", "-s", "{nope}"], &["{nope}", "--stream"]),
        (
            &["ship", "--retention-days", "2"],
            &["--retention-days", "3653"],
        ),
        (
            &["ship", "--max-message-size", "2MiB"],
            &["--max-message-size"],
        ),
        (&["ship", "--tag", "novalue"], &["--tag", "KEY=VALUE"]),
        (
            &["get", "-g", "x", "--start", "1h", "--end", "2h"],
            &["--start is after --end"],
        ),
    ];
    for (args, needles) in cases {
        let done = bare_run(args);
        assert_one_error_line(&done, 2, needles);
    }
}

#[test]
fn environment_variables_are_read_and_checked_too() {
    let mut cmd = bare();
    cmd.env("AWS_REGION", "us-east-1")
        .env("WATCHTOWER_SEND_INTERVAL", "whenever")
        .arg("ship");
    let done = run(&mut cmd, b"");
    assert_one_error_line(&done, 2, &["--send-interval", "whenever"]);
}

#[test]
fn an_unreachable_endpoint_exits_5_naming_it() {
    let moto = shared_moto();
    let moto_endpoint = moto.endpoint();
    let mut cmds = Vec::new();
    for args in [
        &["get", "-g", "app"][..],
        &["tail", "-g", "app"],
        &["groups"],
        &["streams", "-g", "app"],
    ] {
        let mut cmd = watchtower(UNREACHABLE);
        cmd.args(args);
        cmds.push(cmd);
    }
    // --endpoint-url wins over AWS_ENDPOINT_URL (here: a working moto).
    let mut cmd = watchtower(&moto_endpoint);
    cmd.args(["groups", "--endpoint-url", UNREACHABLE]);
    cmds.push(cmd);
    // The SDK retries refused connections with backoff: run them side by side.
    let done: Vec<common::Done> = std::thread::scope(|s| {
        let runs: Vec<_> = cmds
            .iter_mut()
            .map(|cmd| s.spawn(move || run(cmd, b"")))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for d in &done {
        assert_one_error_line(
            d,
            5,
            &[
                "cannot reach CloudWatch Logs at http://127.0.0.1:1",
                "--endpoint-url",
            ],
        );
    }
}

#[test]
fn shipping_to_an_unreachable_endpoint_loses_the_events_and_exits_3() {
    let mut cmd = watchtower(UNREACHABLE);
    cmd.args([
        "ship",
        "-g",
        "app",
        "--shutdown-timeout",
        "1s",
        "--no-passthrough",
    ]);
    let done = run(&mut cmd, b"one\ntwo\n");
    assert_eq!(done.code, Some(3), "{}", done.stderr);
    let summary = done.stderr_lines().last().copied().unwrap_or_default();
    assert!(
        summary.starts_with("watchtower: 2 lines read")
            && summary.contains("0 delivered, 2 lost (shutdown_timeout 2)")
            && summary.contains("--shutdown-timeout"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_missing_group_or_stream_exits_4() {
    let moto = shared_moto();
    moto.create_group("present");
    let e = moto.endpoint();
    let done = run(watchtower(&e).args(["get", "-g", "absent"]), b"");
    assert_one_error_line(
        &done,
        4,
        &["log group \"absent\" not found", "watchtower groups"],
    );
    let done = run(watchtower(&e).args(["streams", "-g", "absent"]), b"");
    assert_one_error_line(&done, 4, &["log group \"absent\" not found"]);
    let done = run(
        watchtower(&e).args(["get", "-g", "present", "-s", "nope"]),
        b"",
    );
    assert_one_error_line(
        &done,
        4,
        &[
            "log stream \"nope\" not found",
            "watchtower streams --group present",
        ],
    );
}

#[test]
fn no_region_or_no_credentials_exit_6() {
    for args in [&["groups"][..], &["ship", "-g", "x"]] {
        let done = run(bare().args(args), b"");
        assert_one_error_line(&done, 6, &["no AWS region", "--region", "AWS_REGION"]);
    }
    let moto = shared_moto();
    let done = run(
        bare()
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", moto.endpoint())
            .arg("groups"),
        b"",
    );
    assert_one_error_line(&done, 6, &["credentials", "AWS_PROFILE"]);
}
