//! `watchtower ship` reads a file or a pipe, which can wait: when the queue bound is reached it
//! stops reading until there is room (back-pressure), so every line of an input many times the
//! bound arrives. Dropping stays available with `--overflow drop-newest`.

mod common;

use std::time::Duration;

use common::{run_within, watchtower};
use watchtower_testkit::shared_moto;

/// 200,000 numbered lines, about 60 bytes each (12 MB): 48 times the queue bound below.
fn big_input(lines: usize) -> String {
    let mut s = String::with_capacity(lines * 64);
    for i in 0..lines {
        s.push_str(&format!(
            "{i:07} the quick brown fox jumps over the lazy dog, again\n"
        ));
    }
    s
}

const LINES: usize = 200_000;
/// About 10 s on an idle 2-core machine; generous for a loaded CI machine.
const BIG_INPUT_TIMEOUT: Duration = Duration::from_secs(240);

#[test]
fn every_line_of_a_large_input_arrives_under_a_small_queue_bound() {
    let moto = shared_moto();
    let input = big_input(LINES);
    let mut cmd = watchtower(&moto.endpoint());
    cmd.args([
        "ship",
        "-g",
        "backpressure",
        "-s",
        "big",
        "--no-passthrough",
        "--max-queue-bytes",
        "256KiB",
    ]);
    let done = run_within(&mut cmd, input.as_bytes(), BIG_INPUT_TIMEOUT);
    assert_eq!(done.code, Some(0), "stderr: {}", done.stderr);
    assert!(
        done.stderr.contains(&format!(
            "{LINES} events to log group \"backpressure\": {LINES} delivered, 0 lost"
        )),
        "summary: {}",
        done.stderr
    );
    let stored = moto.events("backpressure", "big");
    assert_eq!(stored.len(), LINES, "moto holds every line");
    // Every line exactly once (batches may interleave lines of equal timestamps).
    let mut numbers: Vec<usize> = stored
        .iter()
        .map(|e| e.message[..7].parse().expect("numbered line"))
        .collect();
    numbers.sort_unstable();
    assert!(numbers.iter().copied().eq(0..LINES), "each line once");
}

#[test]
fn drop_newest_still_drops_and_says_so() {
    let moto = shared_moto();
    let input = big_input(LINES);
    let mut cmd = watchtower(&moto.endpoint());
    cmd.args([
        "ship",
        "-g",
        "dropping",
        "-s",
        "big",
        "--no-passthrough",
        "--max-queue-bytes",
        "256KiB",
        "--overflow",
        "drop-newest",
    ]);
    let done = run_within(&mut cmd, input.as_bytes(), BIG_INPUT_TIMEOUT);
    assert_eq!(done.code, Some(3), "stderr: {}", done.stderr);
    assert!(
        done.stderr.contains("queue_full")
            && done.stderr.contains("--overflow block")
            && done.stderr.contains("see --max-queue-bytes and --overflow"),
        "summary: {}",
        done.stderr
    );
}
