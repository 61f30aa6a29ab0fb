//! `tail` through the recording proxy in front of moto: without `--follow` it prints each page
//! as it arrives (the first 10,000 events show while the next page is still on its way);
//! `--follow` asks only for events from the newest one seen on, and slows down while the
//! service throttles, then goes on.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{run, wait_bounded, watchtower, Lines, TIMEOUT};
use watchtower_testkit::{shared_moto, Fault, FaultPlan, Outcome, Proxy};

fn ship(endpoint: &str, group: &str, stream: &str, input: &str) {
    let done = run(
        watchtower(endpoint).args([
            "ship",
            "-g",
            group,
            "-s",
            stream,
            "-q",
            "--no-passthrough",
            "--max-concurrent-requests",
            "1",
        ]),
        input.as_bytes(),
    );
    assert_eq!(done.code, Some(0), "ship failed: {}", done.stderr);
}

fn filter_calls(proxy: &Proxy) -> Vec<watchtower_testkit::RecordedRequest> {
    proxy
        .requests()
        .into_iter()
        .filter(|r| r.op == "FilterLogEvents")
        .collect()
}

#[test]
fn tail_prints_the_first_page_before_the_next_one_arrives() {
    let moto = shared_moto();
    let lines: Vec<String> = (0..12_345).map(|i| format!("line {i:05}")).collect();
    ship(&moto.endpoint(), "paged", "s", &(lines.join("\n") + "\n"));

    let proxy = Proxy::start(&moto.endpoint());
    proxy.set_faults(FaultPlan {
        latency: Some((Duration::from_secs(2), Duration::from_secs(2))),
        ..FaultPlan::none().only_ops(&["FilterLogEvents"])
    });
    let mut tail = watchtower(&proxy.endpoint())
        .args(["tail", "paged", "--format", "message"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = Lines::new(tail.stdout.take().unwrap());
    out.expect("the last line of the first page", |l| l == "line 09999");
    let answered = filter_calls(&proxy)
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Forwarded { .. }))
        .count();
    assert_eq!(answered, 1, "printed while the second page was on its way");
    out.expect("the last line", |l| l == "line 12344");
    let status = wait_bounded(&mut tail, TIMEOUT).expect("tail ends");
    assert_eq!(status.code(), Some(0));
    assert_eq!(out.seen, lines, "every line once, in order");
}

#[test]
fn follow_reads_only_what_is_new_and_backs_off_while_throttled() {
    let moto = shared_moto();
    ship(&moto.endpoint(), "following", "a", "first\n");
    let first_ts = moto.events("following", "a")[0].timestamp;

    let proxy = Proxy::start(&moto.endpoint());
    let mut tail = watchtower(&proxy.endpoint())
        .args([
            "tail",
            "following",
            "--follow",
            "--since",
            "10m",
            "--poll-interval",
            "100ms",
            "--format",
            "message",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = Lines::new(tail.stdout.take().unwrap());
    let mut err = Lines::new(tail.stderr.take().unwrap());
    out.expect("\"first\"", |l| l == "first");
    ship(&moto.endpoint(), "following", "b", "second\n");
    out.expect("\"second\"", |l| l == "second");

    // Every poll after the first starts at the newest event seen, not a window back.
    let calls = filter_calls(&proxy);
    assert!(calls.len() >= 2, "{} polls", calls.len());
    for c in &calls[1..] {
        let start = c.json().unwrap()["startTime"].as_i64().unwrap();
        assert!(
            start >= first_ts,
            "poll {} reads from {start} < {first_ts}",
            c.seq
        );
    }

    // Throttled for a while (the SDK's own 3 attempts each time): a warning with the slower
    // interval, then it goes on.
    proxy.set_faults(FaultPlan::sequence([Fault::Throttle; 6]).only_ops(&["FilterLogEvents"]));
    let warning = err.expect("a throttling warning", |l| l.contains("throttled"));
    assert!(warning.contains("polling every 200ms"), "{warning}");
    ship(&moto.endpoint(), "following", "a", "third\n");
    out.expect("\"third\"", |l| l == "third");
    err.expect("that it reads again", |l| l == "watchtower: reading again");

    tail.kill().unwrap();
    wait_bounded(&mut tail, TIMEOUT).expect("tail stops when killed");
    assert_eq!(out.seen, ["first", "second", "third"], "each event once");
}
