//! `watchtower tail`: streams interleaved in time order; `--follow` prints events shipped after
//! it started, each once; colour only when asked for (or on a terminal), never with NO_COLOR.

mod common;

use std::process::Stdio;

use common::{run, wait_bounded, watchtower, Lines, TIMEOUT};
use serde_json::Value;
use watchtower_testkit::shared_moto;

fn ship(endpoint: &str, group: &str, stream: &str, input: &str) {
    let mut cmd = watchtower(endpoint);
    cmd.args(["ship", "-g", group, "-s", stream, "-q", "--no-passthrough"]);
    let done = run(&mut cmd, input.as_bytes());
    assert_eq!(done.code, Some(0), "ship failed: {}", done.stderr);
}

/// The message of a `--format short` line (`TIME MESSAGE`).
fn short_message(line: &str) -> &str {
    line.split_once(' ').map_or(line, |(_, m)| m)
}

#[test]
fn follow_prints_an_event_shipped_after_it_started_once() {
    let moto = shared_moto();
    let endpoint = moto.endpoint();
    ship(&endpoint, "follow", "a", "before\n");

    let mut tail = watchtower(&endpoint)
        .args([
            "tail",
            "-g",
            "follow",
            "--follow",
            "--since",
            "10m",
            "--poll-interval",
            "100ms",
            "--format",
            "short",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = Lines::new(tail.stdout.take().unwrap());
    let stderr = tail.stderr.take().unwrap();
    // Its first poll is done once the event shipped before it shows.
    out.expect("\"before\"", |l| short_message(l) == "before");

    ship(&endpoint, "follow", "b", "after ✓\n");
    out.expect("\"after ✓\"", |l| short_message(l) == "after ✓");
    // Every poll re-reads the last two minutes: a third event proves several polls went by
    // without printing anything twice.
    ship(&endpoint, "follow", "a", "third\n");
    out.expect("\"third\"", |l| short_message(l) == "third");

    assert!(tail.try_wait().unwrap().is_none(), "--follow keeps running");
    tail.kill().unwrap();
    wait_bounded(&mut tail, TIMEOUT).expect("tail stops when killed");
    let messages: Vec<&str> = out.seen.iter().map(|l| short_message(l)).collect();
    assert_eq!(
        messages,
        ["before", "after ✓", "third"],
        "each event once, in order"
    );
    let mut err = String::new();
    std::io::Read::read_to_string(&mut { stderr }, &mut err).unwrap();
    // Only the mode: moto closes Live Tail sessions at once, so it polls.
    assert_eq!(
        err.lines().last().unwrap_or(""),
        "watchtower: the endpoint closed the Live Tail session at once (it does not keep \
         sessions open); following by polling every 100ms from now on",
        "{err}"
    );
    assert!(!err.contains("warning") && !err.contains("error"), "{err}");
}

#[test]
fn streams_are_interleaved_in_time_order() {
    let moto = shared_moto();
    let endpoint = moto.endpoint();
    // Three processes one after the other: each event is later than the one before.
    ship(&endpoint, "inter", "web/1", "first\n");
    ship(&endpoint, "inter", "web/2", "second\n");
    ship(&endpoint, "inter", "web/1", "third\n");

    let mut cmd = watchtower(&endpoint);
    cmd.args(["tail", "-g", "inter", "--format", "json"]);
    let done = run(&mut cmd, b"");
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let events: Vec<Value> = done
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["stream"].as_str().unwrap(),
                e["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("web/1", "first"), ("web/2", "second"), ("web/1", "third")]
    );
    let ts: Vec<i64> = events
        .iter()
        .map(|e| e["timestamp"].as_i64().unwrap())
        .collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");

    // detailed: TIME STREAM MESSAGE; --stream-prefix narrows it down.
    let mut cmd = watchtower(&endpoint);
    cmd.args(["tail", "-g", "inter", "--stream-prefix", "web/2"]);
    let done = run(&mut cmd, b"");
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let lines: Vec<&str> = done.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].ends_with("Z web/2 second"), "{}", lines[0]);
}

#[test]
fn colour_only_when_asked_for_and_never_with_no_color() {
    let moto = shared_moto();
    let endpoint = moto.endpoint();
    ship(&endpoint, "colour", "s", "hello\n");
    let tail = |extra: &[&str], no_color: Option<&str>| {
        let mut cmd = watchtower(&endpoint);
        cmd.args(["tail", "-g", "colour"]).args(extra);
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let done = run(&mut cmd, b"");
        assert_eq!(done.code, Some(0), "{}", done.stderr);
        let coloured = done.stdout.contains('\x1b');
        let plain = if coloured {
            done.stdout
                .replace("\x1b[32m", "")
                .replace("\x1b[36m", "")
                .replace("\x1b[0m", "")
        } else {
            done.stdout.clone()
        };
        assert!(plain.ends_with("Z s hello\n"), "{:?}", done.stdout);
        coloured
    };
    assert!(
        !tail(&[], None),
        "stdout is a pipe here: no colour by default"
    );
    assert!(tail(&["--color", "always"], None), "--color always colours");
    assert!(
        !tail(&["--color", "always"], Some("1")),
        "NO_COLOR wins over --color"
    );
    assert!(
        tail(&["--color", "always"], Some("")),
        "an empty NO_COLOR is unset"
    );
}
