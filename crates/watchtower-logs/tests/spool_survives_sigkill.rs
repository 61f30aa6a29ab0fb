//! The durable spool (`spool_dir`): a service killed with a real SIGKILL loses nothing a later
//! process with the same directory cannot deliver, each event once; two processes starting at
//! once on orphaned segments deliver each event once between them; torn and corrupt records
//! are skipped and counted; a directory that cannot be written falls back to memory.
//!
//! `harness = false` (see Cargo.toml): this binary runs itself as the service in child
//! processes; the child mode is an environment variable.
#![cfg(unix)]

mod support;

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use watchtower_logs::{DropReason, Handle, Record};
use watchtower_testkit::MotoLease;

const MODE: &str = "WATCHTOWER_TEST_CHILD_MODE";
const ENDPOINT: &str = "WATCHTOWER_TEST_CHILD_ENDPOINT";
const GROUP: &str = "WATCHTOWER_TEST_CHILD_GROUP";
const DIR: &str = "WATCHTOWER_TEST_SPOOL_DIR";
const COUNT: &str = "WATCHTOWER_TEST_COUNT";
const BASE: &str = "WATCHTOWER_TEST_BASE_MS";

fn main() {
    match std::env::var(MODE).as_deref() {
        Ok("crash") => crash(),
        Ok("replay") => replay(),
        Ok(other) => panic!("unknown child mode {other:?}"),
        Err(_) => parent(),
    }
}

// === the services ===

fn env(name: &str) -> String {
    std::env::var(name).unwrap()
}

fn child_handle(small_queue: bool) -> (Handle, watchtower_logs::WorkerGuard) {
    let mut builder = support::config_for(&env(ENDPOINT), &env(GROUP))
        .spool_dir(env(DIR))
        // Small segments: a few thousand events make several files.
        .spool_max_bytes(1 << 20);
    if small_queue {
        // A replay waits for room while holding its segment, so that two starters at once
        // each find segments to claim.
        builder = builder
            .max_message_size(8 * 1024)
            .max_queue_bytes(64 * 1024);
    }
    builder.build().unwrap().start().unwrap()
}

/// Logs COUNT events to two streams (send interval 60 s: nothing is sent), waits past the
/// spool's 200 ms crash window, and SIGKILLs itself.
fn crash() {
    let (logs, _guard) = child_handle(false);
    let base: i64 = env(BASE).parse().unwrap();
    let n: usize = env(COUNT).parse().unwrap();
    for i in 0..n {
        let record = Record::new(format!("event {i:06}")).timestamp_millis(base + i as i64);
        logs.log_to_stream(stream_of(i), record);
    }
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: kill(2) on our own pid.
    unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
    unreachable!("SIGKILL did not end the process");
}

/// Starts on the same directory, shuts down (which waits for the replay), prints the stats.
fn replay() {
    let (logs, guard) = child_handle(true);
    let result = logs.shutdown(Duration::from_secs(60));
    drop(guard);
    println!("STATS {}", logs.stats());
    let stats = logs.stats();
    println!(
        "REPLAYED {} CORRUPT {} TOO_OLD {}",
        stats.replayed,
        stats.dropped.get(DropReason::SpoolCorrupt),
        stats.dropped.get(DropReason::TooOld)
    );
    result.unwrap();
}

fn stream_of(i: usize) -> &'static str {
    if i.is_multiple_of(2) {
        "even"
    } else {
        "odd"
    }
}

// === the tests ===

type Case = fn(&MotoLease) -> Result<(), String>;

fn parent() {
    let moto = watchtower_testkit::shared_moto();
    let started = Instant::now();
    let cases: Vec<(&str, Case)> = vec![
        (
            "sigkill_then_restart_delivers_each_event_once",
            sigkill_then_restart,
        ),
        ("two_starters_deliver_orphaned_segments_once", two_starters),
        ("events_older_than_14_days_are_counted_as_too_old", too_old),
        (
            "torn_and_corrupt_records_are_skipped_and_counted",
            damaged_segments,
        ),
    ];
    println!("\nrunning {} tests", cases.len());
    let results = cases
        .into_iter()
        .map(|(name, case)| (name.to_string(), case(&moto)))
        .collect();
    let _ = std::fs::remove_dir_all(scratch_root());
    support::report(results, started);
}

fn scratch_root() -> PathBuf {
    std::env::temp_dir().join(format!("wt-spool-{}", std::process::id()))
}

fn scratch(name: &str) -> PathBuf {
    let dir = scratch_root().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn child(mode: &str, moto: &MotoLease, group: &str, dir: &Path, n: usize, base: i64) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.env(MODE, mode)
        .env(ENDPOINT, moto.endpoint())
        .env(GROUP, group)
        .env(DIR, dir)
        .env(COUNT, n.to_string())
        .env(BASE, base.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs the crash child; checks it died of SIGKILL having sent nothing.
fn crash_child(
    moto: &MotoLease,
    group: &str,
    dir: &Path,
    n: usize,
    base: i64,
) -> Result<(), String> {
    let out = child("crash", moto, group, dir, n, base)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.signal() != Some(libc::SIGKILL) {
        return Err(format!(
            "the crash child ended with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let sent = if moto.groups().iter().any(|g| g == group) {
        moto.all_events(group).len()
    } else {
        0
    };
    if sent != 0 {
        return Err(format!(
            "{sent} events were sent before the kill (send interval 60 s)"
        ));
    }
    Ok(())
}

/// Output of a finished replay child: (replayed, spool_corrupt).
fn replay_output(out: std::process::Output) -> Result<(u64, u64), String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "the replay child failed ({}): {stdout} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let line = stdout
        .lines()
        .find(|l| l.starts_with("REPLAYED "))
        .ok_or_else(|| format!("no REPLAYED line: {stdout}"))?;
    let words: Vec<&str> = line.split(' ').collect();
    Ok((words[1].parse().unwrap(), words[3].parse().unwrap()))
}

/// Checks moto holds each of `0..n` but `missing` exactly once, in its stream, with its time.
fn delivered_once(
    moto: &MotoLease,
    group: &str,
    n: usize,
    base: i64,
    missing: &[usize],
) -> Result<(), String> {
    let mut seen: HashMap<usize, usize> = HashMap::new();
    for (stream, event) in moto.all_events(group) {
        let i: usize = event.message["event ".len()..].parse().unwrap();
        if stream != stream_of(i) || event.timestamp != base + i as i64 {
            return Err(format!(
                "event {i} came back in {stream} at {}",
                event.timestamp
            ));
        }
        *seen.entry(i).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, c)| **c > 1).collect();
    let lost: Vec<usize> = (0..n)
        .filter(|i| !seen.contains_key(i) && !missing.contains(i))
        .collect();
    if !twice.is_empty() || !lost.is_empty() || seen.len() != n - missing.len() {
        return Err(format!(
            "{} distinct events delivered, {} twice, {} lost (first lost: {:?})",
            seen.len(),
            twice.len(),
            lost.len(),
            lost.first()
        ));
    }
    Ok(())
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut wal: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect();
    wal.sort();
    wal
}

fn base_ms() -> i64 {
    support::now_ms() - 3_600_000
}

fn sigkill_then_restart(moto: &MotoLease) -> Result<(), String> {
    let (group, dir, n, base) = ("spool-sigkill", scratch("sigkill"), 2000, base_ms());
    crash_child(moto, group, &dir, n, base)?;
    let out = child("replay", moto, group, &dir, 0, base)
        .output()
        .map_err(|e| e.to_string())?;
    let (replayed, _) = replay_output(out)?;
    if replayed != n as u64 {
        return Err(format!("replayed {replayed}, expected {n}"));
    }
    delivered_once(moto, group, n, base, &[])?;
    if !segments(&dir).is_empty() {
        return Err(format!(
            "segments left after delivery: {:?}",
            segments(&dir)
        ));
    }
    // A third start finds nothing to send again.
    let out = child("replay", moto, group, &dir, 0, base)
        .output()
        .map_err(|e| e.to_string())?;
    let (replayed, _) = replay_output(out)?;
    if replayed != 0 {
        return Err(format!("a second restart replayed {replayed}"));
    }
    delivered_once(moto, group, n, base, &[])
}

fn too_old(moto: &MotoLease) -> Result<(), String> {
    // 15 days ago: the service refuses them; the replay counts them instead of retrying.
    let base = support::now_ms() - 15 * 86_400_000;
    let (group, dir, n) = ("spool-too-old", scratch("too-old"), 100);
    crash_child(moto, group, &dir, n, base)?;
    let out = child("replay", moto, group, &dir, 0, base)
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let (replayed, _) = replay_output(out)?;
    let sent = if moto.groups().iter().any(|g| g == group) {
        moto.all_events(group).len()
    } else {
        0
    };
    if replayed != 0 || sent != 0 || !stdout.contains(&format!("TOO_OLD {n}")) {
        return Err(format!("replayed {replayed}, sent {sent}: {stdout}"));
    }
    if !segments(&dir).is_empty() {
        return Err("the segment of settled events was left".into());
    }
    Ok(())
}

fn two_starters(moto: &MotoLease) -> Result<(), String> {
    let (group, dir, n, base) = ("spool-two-starters", scratch("two"), 6000, base_ms());
    crash_child(moto, group, &dir, n, base)?;
    let files = segments(&dir).len();
    if files < 3 {
        return Err(format!("expected several segments, found {files}"));
    }
    let a = child("replay", moto, group, &dir, 0, base)
        .spawn()
        .map_err(|e| e.to_string())?;
    let b = child("replay", moto, group, &dir, 0, base)
        .spawn()
        .map_err(|e| e.to_string())?;
    let (ra, _) = replay_output(a.wait_with_output().map_err(|e| e.to_string())?)?;
    let (rb, _) = replay_output(b.wait_with_output().map_err(|e| e.to_string())?)?;
    if ra + rb != n as u64 {
        return Err(format!("replayed {ra} + {rb}, expected {n} in all"));
    }
    println!("two starters: {files} segments, replayed {ra} + {rb}");
    delivered_once(moto, group, n, base, &[])
}

fn damaged_segments(moto: &MotoLease) -> Result<(), String> {
    let (group, dir, n, base) = ("spool-damaged", scratch("damaged"), 4000, base_ms());
    crash_child(moto, group, &dir, n, base)?;
    let files = segments(&dir);
    if files.len() < 2 {
        return Err(format!("expected several segments, found {}", files.len()));
    }
    // The first segment loses its last 5 bytes: a torn last record.
    let torn = std::fs::read(&files[0]).unwrap();
    let last = find_last(&torn, b"event ").ok_or("no record in the first segment")?;
    let torn_event: usize = std::str::from_utf8(&torn[last + 6..last + 12])
        .unwrap()
        .parse()
        .unwrap();
    std::fs::write(&files[0], &torn[..torn.len() - 5]).unwrap();
    // The second has one byte flipped in the middle of a record's message.
    let mut flipped = std::fs::read(&files[1]).unwrap();
    let at = find_from(&flipped, b"event ", flipped.len() / 2).ok_or("no record to flip")?;
    let flipped_event: usize = std::str::from_utf8(&flipped[at + 6..at + 12])
        .unwrap()
        .parse()
        .unwrap();
    flipped[at + 2] ^= 0x20;
    std::fs::write(&files[1], &flipped).unwrap();
    let out = child("replay", moto, group, &dir, 0, base)
        .output()
        .map_err(|e| e.to_string())?;
    // The warning tells a write cut short (a process killed mid-write) from damage (the
    // flipped record's warning of the same kind is rate-limited away; the reader's unit tests
    // tell the two apart).
    let warnings = String::from_utf8_lossy(&out.stderr).into_owned();
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    if !warnings
        .lines()
        .any(|l| l.contains(&name) && l.contains("its last record was cut short"))
    {
        return Err(format!("no warning that {name} was cut short: {warnings}"));
    }
    let (replayed, corrupt) = replay_output(out)?;
    if corrupt != 2 || replayed != n as u64 - 2 {
        return Err(format!(
            "replayed {replayed}, spool_corrupt {corrupt}; expected {} and 2",
            n - 2
        ));
    }
    delivered_once(moto, group, n, base, &[torn_event, flipped_event])
}

fn find_from(bytes: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    (from..bytes.len().saturating_sub(needle.len())).find(|&i| bytes[i..].starts_with(needle))
}

fn find_last(bytes: &[u8], needle: &[u8]) -> Option<usize> {
    (0..bytes.len().saturating_sub(needle.len()))
        .rev()
        .find(|&i| bytes[i..].starts_with(needle))
}
