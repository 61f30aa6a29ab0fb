//! `watchtower ship` then `watchtower get` against moto gives back exactly what went in: unicode,
//! long lines, joined multiline events; empty lines are skipped and counted; oversize lines
//! follow the oversize policy; lost events make the exit code non-zero.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{run, wait_bounded, watchtower, Lines, TIMEOUT};
use serde_json::Value;
use watchtower_testkit::shared_moto;

/// The messages `get --output json` returns, in order.
fn messages(endpoint: &str, args: &[&str]) -> Vec<String> {
    let mut cmd = watchtower(endpoint);
    cmd.arg("get").args(args).args(["--output", "json"]);
    let done = run(&mut cmd, b"");
    assert_eq!(done.code, Some(0), "get failed: {}", done.stderr);
    done.stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("one JSON object per line");
            v["message"].as_str().expect("message").to_owned()
        })
        .collect()
}

#[test]
fn unicode_long_lines_and_empty_lines_round_trip() {
    let moto = shared_moto();
    let endpoint = moto.endpoint();
    // The largest message that fits the default max_message_size: 262,144 - 26 bytes.
    let at_limit = "x".repeat(262_144 - 26);
    let long_multibyte = "é€😀".repeat(20_000); // 180,000 bytes
    let lines: Vec<String> = vec![
        "plain ascii".into(),
        "ünïcödé ✓ — 日本語テキスト — עברית — 😀👍🏽".into(),
        "\ttabs\tand  double  spaces  ".into(),
        "   leading spaces".into(),
        "{\"json\": [1, 2, {\"k\": \"v\"}]}".into(),
        long_multibyte,
        at_limit,
        "last".into(),
    ];
    let mut input = String::new();
    for (i, l) in lines.iter().enumerate() {
        input.push_str(l);
        input.push('\n');
        if i % 3 == 0 {
            input.push('\n'); // empty lines: skipped and counted
        }
    }
    let mut cmd = watchtower(&endpoint);
    cmd.args(["ship", "--group", "roundtrip", "--stream", "s1"]);
    let done = run(&mut cmd, input.as_bytes());
    assert_eq!(done.code, Some(0), "stderr: {}", done.stderr);
    assert_eq!(
        done.stdout_bytes,
        input.as_bytes(),
        "stdin is passed through unchanged"
    );
    assert!(
        done.stderr
            .contains("11 lines read (3 empty lines skipped)")
            && done
                .stderr
                .contains("8 events to log group \"roundtrip\": 8 delivered")
            && done.stderr.contains(", 0 lost"),
        "summary: {}",
        done.stderr
    );
    assert!(!done.stderr.contains("truncated"), "{}", done.stderr);

    assert_eq!(moto.streams("roundtrip"), ["s1"]);
    let stored: Vec<String> = moto
        .events("roundtrip", "s1")
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(stored, lines, "moto holds exactly the non-empty lines");

    // FilterLogEvents over the group, as text: the input minus its empty lines.
    let mut get = watchtower(&endpoint);
    get.args(["get", "--group", "roundtrip"]);
    let got = run(&mut get, b"");
    assert_eq!(got.code, Some(0), "{}", got.stderr);
    assert_eq!(got.stdout, lines.join("\n") + "\n");
    assert_eq!(got.stderr, "");

    // GetLogEvents on the one stream, as JSON.
    assert_eq!(messages(&endpoint, &["-g", "roundtrip", "-s", "s1"]), lines);
}

#[test]
fn multiline_start_joins_continuation_lines_into_one_event() {
    let moto = shared_moto();
    let endpoint = moto.endpoint();
    let input = "\
2026-01-05 10:00:00 INFO starting
2026-01-05 10:00:01 ERROR request failed
Traceback (most recent call last):
  File \"app.py\", line 12, in handle
    raise ValueError(\"bad ünïcode\")

ValueError: bad ünïcode
2026-01-05 10:00:02 INFO recovered
";
    let mut cmd = watchtower(&endpoint);
    cmd.args([
        "ship",
        "-g",
        "multi",
        "-s",
        "app",
        "--multiline-start",
        r"^\d{4}-\d{2}-\d{2} ",
    ]);
    let done = run(&mut cmd, input.as_bytes());
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(done.stdout, input);
    assert!(
        done.stderr.contains(
            "8 lines read (1 empty line skipped, 4 lines joined into multiline events); 3 events"
        ),
        "{}",
        done.stderr
    );
    let expected = [
        "2026-01-05 10:00:00 INFO starting",
        "2026-01-05 10:00:01 ERROR request failed\nTraceback (most recent call last):\n  File \"app.py\", line 12, in handle\n    raise ValueError(\"bad ünïcode\")\nValueError: bad ünïcode",
        "2026-01-05 10:00:02 INFO recovered",
    ];
    assert_eq!(messages(&endpoint, &["-g", "multi"]), expected);
    assert_eq!(messages(&endpoint, &["-g", "multi", "-s", "app"]), expected);
}

#[test]
fn oversize_lines_follow_the_oversize_policy() {
    let moto = shared_moto();
    let endpoint = moto.endpoint();
    // 3-byte characters, so a cut at 1,000 - 26 = 974 bytes falls inside one.
    let long = "€".repeat(1_000);

    let mut truncate = watchtower(&endpoint);
    truncate.args(["ship", "-g", "big", "-s", "t", "--max-message-size", "1000"]);
    let done = run(&mut truncate, format!("{long}\n").as_bytes());
    assert_eq!(
        done.code,
        Some(0),
        "truncation is not a loss: {}",
        done.stderr
    );
    assert!(
        done.stderr.contains("1 delivered, 1 truncated, 0 lost"),
        "{}",
        done.stderr
    );
    let t = messages(&endpoint, &["-g", "big", "-s", "t"]);
    assert_eq!(t, ["€".repeat(324)], "cut at the last whole character");

    let mut split = watchtower(&endpoint);
    split.args([
        "ship",
        "-g",
        "big",
        "-s",
        "p",
        "--max-message-size",
        "1000",
        "--oversize",
        "split",
    ]);
    let done = run(&mut split, format!("{long}\n").as_bytes());
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let parts = messages(&endpoint, &["-g", "big", "-s", "p"]);
    assert!(
        parts.len() == 4 && parts.iter().all(|p| p.len() <= 974),
        "{parts:?}"
    );
    assert_eq!(parts.concat(), long, "the pieces add up to the line");
}

#[test]
fn lost_events_make_ship_exit_with_3_and_say_why() {
    let moto = shared_moto();
    let mut cmd = watchtower(&moto.endpoint());
    cmd.args([
        "ship",
        "-g",
        "lossy",
        "--max-message-size",
        "100",
        "--oversize",
        "drop",
        "--quiet",
    ]);
    let input = format!("short\n{}\nshort again\n", "y".repeat(200));
    let done = run(&mut cmd, input.as_bytes());
    assert_eq!(done.code, Some(3), "{}", done.stderr);
    let summary = done
        .stderr_lines()
        .into_iter()
        .find(|l| l.starts_with("watchtower: 3 lines read"))
        .unwrap_or_else(|| panic!("--quiet still prints the summary on loss: {}", done.stderr))
        .to_owned();
    assert!(
        summary.contains("2 delivered, 1 lost (oversize 1): raise --max-message-size"),
        "{summary}"
    );
    let stored: Vec<String> = moto
        .all_events("lossy")
        .into_iter()
        .map(|(_, e)| e.message)
        .collect();
    assert_eq!(stored, ["short", "short again"]);
}

#[test]
fn get_paginates_to_the_end_and_stops_at_limit() {
    let moto = shared_moto();
    let endpoint = moto.endpoint();
    // More than one 10,000-event page of both APIs.
    let lines: Vec<String> = (0..12_345).map(|i| format!("line {i:05}")).collect();
    let input = lines.join("\n") + "\n";
    let mut cmd = watchtower(&endpoint);
    // These lines are read within a few milliseconds, so many share a timestamp. With batches
    // sent in parallel (the default) the service may store equal-timestamp events of two
    // batches in either order; one request at a time keeps the input order exactly.
    cmd.args([
        "ship",
        "-g",
        "pages",
        "-s",
        "one",
        "--no-passthrough",
        "-q",
        "--max-concurrent-requests",
        "1",
    ]);
    let done = run(&mut cmd, input.as_bytes());
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(done.stdout, "", "--no-passthrough");
    assert_eq!(done.stderr, "", "--quiet without losses");

    for args in [
        &["get", "-g", "pages"][..],
        &["get", "-g", "pages", "-s", "one"],
    ] {
        let mut get = watchtower(&endpoint);
        get.args(args);
        let got = run(&mut get, b"");
        assert_eq!(got.code, Some(0), "{}", got.stderr);
        assert!(
            got.stdout == input,
            "{args:?}: {} lines",
            got.stdout.lines().count()
        );
    }
    for args in [
        &["get", "-g", "pages", "--limit", "10001"][..],
        &["get", "-g", "pages", "-s", "one", "--limit", "10001"],
    ] {
        let mut get = watchtower(&endpoint);
        get.args(args);
        let got = run(&mut get, b"");
        assert_eq!(got.code, Some(0), "{}", got.stderr);
        let want: Vec<&str> = lines[..10_001].iter().map(String::as_str).collect();
        assert!(got.stdout.lines().eq(want), "{args:?}");
    }
}

#[test]
fn sigint_stops_ship_after_delivering_what_it_read() {
    let moto = shared_moto();
    let mut child = watchtower(&moto.endpoint())
        .args(["ship", "-g", "interrupted", "-s", "s"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // stdin stays open: only the signal can end it.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"before the signal\n").unwrap();
    stdin.flush().unwrap();
    let mut out = Lines::new(child.stdout.take().unwrap());
    let mut err = Lines::new(child.stderr.take().unwrap());
    out.expect("the passed-through line", |l| l == "before the signal");
    // SAFETY: plain kill(2) to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let status = wait_bounded(&mut child, TIMEOUT).expect("ship exits after SIGINT");
    assert_eq!(status.code(), Some(128 + 2));
    err.expect("the summary", |l| l.contains("1 delivered, 0 lost"));
    drop(stdin);
    let stored: Vec<String> = moto
        .events("interrupted", "s")
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(stored, ["before the signal"]);
}
