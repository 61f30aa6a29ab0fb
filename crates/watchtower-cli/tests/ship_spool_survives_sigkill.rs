//! `watchtower ship --spool DIR` killed with SIGKILL in the middle of a file, then started
//! again with the same DIR: the restart delivers what the dead one had read but not sent, so
//! that the lines delivered are exactly a prefix of the file, each once; shipping the rest
//! then completes the file, every line once.
//!
//! Delivery is at least once: a batch the service stored whose answer had not reached the
//! process when it died is sent again by the restart. So the kill comes while a request is
//! held by a proxy in front of moto (never forwarded): with one stream, one request is in
//! flight at a time, so every batch before it has had its answer and its acknowledgement.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{run_within, watchtower};
use watchtower_testkit::{shared_moto, MotoLease, Proxy};

const LINES: usize = 200_000;
const GROUP: &str = "spool-ship-sigkill";
/// Generous for a loaded 2-core CI machine.
const TIMEOUT: Duration = Duration::from_secs(240);

fn line(i: usize) -> String {
    format!("{i:07} the quick brown fox jumps over the lazy dog, again\n")
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wt-cli-spool-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ship(endpoint: &str, spool: Option<&Path>) -> Command {
    let mut cmd = watchtower(endpoint);
    cmd.args(["ship", "-g", GROUP, "-s", "s", "--no-passthrough"]);
    cmd.args(["--max-queue-bytes", "1MiB", "--send-interval", "60s"]);
    if let Some(dir) = spool {
        cmd.arg("--spool").arg(dir);
    }
    cmd
}

/// The line numbers moto holds, sorted.
fn delivered(moto: &MotoLease) -> Vec<usize> {
    let mut numbers: Vec<usize> = moto
        .events(GROUP, "s")
        .iter()
        .map(|e| e.message[..7].parse().expect("numbered line"))
        .collect();
    numbers.sort_unstable();
    numbers
}

fn wal_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "wal")
        })
        .count()
}

#[test]
fn ship_killed_mid_file_then_restarted_with_the_same_spool_delivers_every_line_once() {
    let moto = shared_moto();
    let work = scratch();
    let spool = work.join("spool");
    let input = work.join("input.txt");
    std::fs::write(&input, (0..LINES).map(line).collect::<String>()).unwrap();

    // 1. Ship the file through the proxy; once two batches have arrived, hold the requests;
    //    SIGKILL once one is held (the queue bound makes `ship` read the file batch by batch,
    //    so most of it is still unread or unsent).
    let proxy = Proxy::start(&moto.endpoint());
    let mut first = ship(&proxy.endpoint(), Some(&spool))
        .stdin(std::fs::File::open(&input).unwrap())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let arrived = watchtower_testkit::wait_until(TIMEOUT, || proxy.count("PutLogEvents") >= 2);
    proxy.hold();
    let held = watchtower_testkit::wait_until(TIMEOUT, || proxy.held_now() >= 1);
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    assert!(
        arrived && held,
        "no batch arrived, or none was held, within {TIMEOUT:?}"
    );
    let before = delivered(&moto).len();
    assert!(
        before < LINES,
        "killed mid-file: {before} lines were already delivered"
    );
    assert!(wal_files(&spool) > 0, "the dead ship left spool segments");

    // 2. Restart with the same spool and no input: it delivers what the dead one left.
    let done = run_within(&mut ship(&moto.endpoint(), Some(&spool)), b"", TIMEOUT);
    // The SIGKILL may land inside the spool writer's write(2): the segment then ends with a
    // record cut short, which the restart skips, counts (spool_corrupt, exit 3) and names as
    // such. Nothing else may be lost, and what was delivered stays a prefix (checked below).
    let torn_tail = done.stderr.contains("its last record was cut short")
        && done.stderr.contains("1 lost (spool_corrupt 1)");
    assert!(
        done.code == Some(0) || (done.code == Some(3) && torn_tail),
        "exit {:?}, stderr: {}",
        done.code,
        done.stderr
    );
    assert!(
        done.stderr
            .contains("left in the spool by an earlier watchtower"),
        "summary: {}",
        done.stderr
    );
    let numbers = delivered(&moto);
    let read = numbers.len();
    assert!(
        numbers.iter().copied().eq(0..read),
        "a prefix of the file, each line once: {} lines, first gap or repeat at {:?}",
        read,
        numbers.iter().enumerate().find(|(i, n)| *i != **n)
    );
    assert!(
        read > before,
        "the restart delivered the spooled lines ({before} before, {read} after)"
    );
    assert_eq!(
        wal_files(&spool),
        0,
        "every segment was deleted once delivered"
    );
    println!("delivered before the kill: {before}; after the restart: {read} of {LINES}");

    // 3. Ship the rest of the file: every line, once.
    let rest: String = (read..LINES).map(line).collect();
    let done = run_within(&mut ship(&moto.endpoint(), None), rest.as_bytes(), TIMEOUT);
    assert_eq!(done.code, Some(0), "stderr: {}", done.stderr);
    assert!(delivered(&moto).into_iter().eq(0..LINES), "every line once");
    drop(proxy); // the held request is abandoned, never forwarded
    let _ = std::fs::remove_dir_all(&work);
}
