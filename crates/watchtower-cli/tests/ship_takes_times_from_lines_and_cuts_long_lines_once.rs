//! `--timestamp-format` gives each event the time written in its line (lines without one keep
//! their read time and are counted); a line longer than the CLI holds at once (8 MiB) is cut,
//! or split, once and counted once.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{run, watchtower};
use watchtower_testkit::shared_moto;

/// Whole seconds, an hour ago (inside CloudWatch Logs' accepted window).
fn an_hour_ago() -> DateTime<Utc> {
    let t = Utc::now() - Duration::hours(1);
    DateTime::from_timestamp(t.timestamp(), 0).unwrap()
}

#[test]
fn each_event_gets_the_time_written_in_its_line() {
    let moto = shared_moto();
    let t = an_hour_ago();
    let ms = t.timestamp_millis();
    let cases = [
        (
            "rfc3339",
            format!("{} INFO one", t.format("%Y-%m-%dT%H:%M:%S%.3f+00:00")),
            ms,
        ),
        (
            "rfc3339",
            format!(
                "INFO {} two",
                (t + Duration::minutes(1)).format("%Y-%m-%d %H:%M:%S")
            ),
            ms + 60_000,
        ),
        (
            "epoch",
            format!("{} three", t.timestamp_millis() + 120_000),
            ms + 120_000,
        ),
        (
            "clf",
            format!(
                "127.0.0.1 - - [{}] \"GET / HTTP/1.1\" 200",
                (t + Duration::minutes(3)).format("%d/%b/%Y:%H:%M:%S +0000")
            ),
            ms + 180_000,
        ),
        (
            "%d.%m.%Y %H:%M:%S",
            format!(
                "{} four",
                (t + Duration::minutes(4)).format("%d.%m.%Y %H:%M:%S")
            ),
            ms + 240_000,
        ),
    ];
    for (i, (format, line, want)) in cases.iter().enumerate() {
        let stream = format!("s{i}");
        let done = run(
            watchtower(&moto.endpoint()).args([
                "ship",
                "-g",
                "stamped",
                "-s",
                &stream,
                "--no-passthrough",
                "--timestamp-format",
                format,
            ]),
            format!("{line}\nno time on this line\n").as_bytes(),
        );
        assert_eq!(done.code, Some(0), "{}", done.stderr);
        assert!(
            done.stderr
                .contains("1 line without a timestamp in --timestamp-format (read time used)"),
            "{}",
            done.stderr
        );
        let events = moto.events("stamped", &stream);
        let stamped = events
            .iter()
            .find(|e| &e.message == line)
            .expect("the line");
        assert_eq!(stamped.timestamp, *want, "{format}: {line}");
        let untimed = events
            .iter()
            .find(|e| e.message.starts_with("no time"))
            .unwrap();
        assert!(
            (untimed.timestamp - Utc::now().timestamp_millis()).abs() < 600_000,
            "read time for a line without one"
        );
    }
}

#[test]
fn a_line_longer_than_the_cli_holds_is_cut_or_split_once() {
    let moto = shared_moto();
    // 9 MiB without a newline: more than the 8 MiB the reader holds at once.
    let long = "0123456789abcdef".repeat(9 * 1024 * 1024 / 16);
    let input = format!("{long}\nshort\n");

    let done = run(
        watchtower(&moto.endpoint()).args(["ship", "-g", "huge", "-s", "cut", "--no-passthrough"]),
        input.as_bytes(),
    );
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stderr.contains(
            "2 lines read (0 empty lines skipped); 2 events to log group \"huge\": 2 delivered, \
             1 truncated, 0 lost"
        ),
        "{}",
        done.stderr
    );
    let cut: Vec<String> = moto
        .events("huge", "cut")
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(cut, [long[..262_144 - 26].to_owned(), "short".to_owned()]);

    let done = run(
        watchtower(&moto.endpoint()).args([
            "ship",
            "-g",
            "huge",
            "-s",
            "split",
            "--no-passthrough",
            "--oversize",
            "split",
            "--max-message-size",
            "1MiB",
            // One event per batch here, all with one timestamp: one request at a time keeps
            // them in order in the stream.
            "--max-concurrent-requests",
            "1",
        ]),
        input.as_bytes(),
    );
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stderr.contains("2 lines read") && done.stderr.contains(", 1 split, 0 lost"),
        "{}",
        done.stderr
    );
    let parts: Vec<String> = moto
        .events("huge", "split")
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(parts.last().map(String::as_str), Some("short"));
    assert_eq!(parts[..parts.len() - 1].concat(), long, "the pieces add up");
}
