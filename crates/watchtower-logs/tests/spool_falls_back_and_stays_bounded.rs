//! The durable spool keeps the process logging whatever the disk does: a directory that
//! cannot be made, or a full file system (a small tmpfs), falls back to memory with one
//! warning and a counter; a spool at `spool_max_bytes` applies the overflow policy (drop the
//! newest and say so once, or with `Block` wait for room). Every event is still delivered or
//! counted.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use watchtower_logs::{DropReason, OverflowPolicy, Record, Stats, WarningKind};
use watchtower_testkit::{shared_moto, MotoLease};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wt-spool-fb-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Logs `n` events through an in-process shipper spooling to `dir`; checks that all are
/// delivered, that `spool_fallback` counts the ones not spooled, and that it warned once.
fn falls_back(moto: &MotoLease, group: &str, dir: &Path, n: usize) -> Result<u64, String> {
    let (builder, warnings) = support::core_config(&moto.endpoint(), group);
    let (logs, guard) = builder
        .log_stream_name("s")
        .send_interval(Duration::from_secs(60))
        .spool_dir(dir)
        .spool_sync_interval(Duration::from_millis(5))
        .build()
        .unwrap()
        .start()
        .map_err(|e| e.to_string())?;
    let body = "x".repeat(200);
    for i in 0..n {
        logs.log(Record::new(format!("{i} {body}")));
        if i % 100 == 0 {
            // Let the writer meet the full disk while events still come.
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    logs.shutdown(Duration::from_secs(60))
        .map_err(|e| e.to_string())?;
    drop(guard);
    let stats = logs.stats();
    let told = warnings
        .all()
        .iter()
        .filter(|w| w.kind == WarningKind::SpoolUnavailable)
        .count();
    if stats.delivered != n as u64 || told != 1 || stats.spool_fallback == 0 {
        return Err(format!(
            "delivered {} of {n}, {told} spool warnings, {stats}",
            stats.delivered
        ));
    }
    Ok(stats.spool_fallback)
}

#[test]
fn an_unusable_directory_falls_back_to_memory() {
    let moto = shared_moto();
    unusable_directory(&moto).unwrap();
}

#[test]
fn a_full_disk_falls_back_to_memory() {
    let moto = shared_moto();
    full_disk(&moto).unwrap();
}

#[test]
fn a_full_spool_drops_the_newest_and_says_so() {
    let moto = shared_moto();
    full_spool_drops(&moto).unwrap();
}

#[test]
fn a_full_spool_with_block_waits_for_room() {
    let moto = shared_moto();
    full_spool_blocks(&moto).unwrap();
}

fn unusable_directory(moto: &MotoLease) -> Result<(), String> {
    let dir = scratch("unusable");
    let file = dir.join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let n = 300;
    let fallback = falls_back(moto, "spool-unusable", &file.join("spool"), n);
    let _ = std::fs::remove_dir_all(&dir);
    let fallback = fallback?;
    if fallback != n as u64 {
        return Err(format!("spool_fallback {fallback}, expected {n}"));
    }
    Ok(())
}

fn full_disk(moto: &MotoLease) -> Result<(), String> {
    let dir = scratch("full");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        println!("a_full_disk_falls_back_to_memory: no tmpfs here (mount failed); skipped");
        return Ok(());
    }
    let result = falls_back(moto, "spool-full-disk", &dir, 3000);
    let _ = Command::new("umount").arg(&dir).status();
    let _ = std::fs::remove_dir_all(&dir);
    result.map(|_| ())
}

/// Logs `n` events of about 50 bytes through an in-process shipper whose spool (in the
/// scratch directory `name`) is bounded at 16 KiB under `overflow`, shuts it down and removes
/// the spool: returns its stats and its warnings.
fn fill_bounded(
    moto: &MotoLease,
    group: &str,
    name: &str,
    overflow: OverflowPolicy,
    n: u64,
) -> Result<(Stats, support::Warnings), String> {
    let dir = scratch(name);
    let (builder, warnings) = support::core_config(&moto.endpoint(), group);
    let (logs, guard) = builder
        .log_stream_name("s")
        .send_interval(Duration::from_secs(60))
        .max_message_size(2048)
        .overflow(overflow)
        .spool_dir(&dir)
        .spool_max_bytes(16 * 1024)
        .build()
        .unwrap()
        .start()
        .unwrap();
    for i in 0..n {
        logs.log(Record::new(format!("event {i:06} {}", "y".repeat(40))));
    }
    logs.shutdown(Duration::from_secs(60))
        .map_err(|e| e.to_string())?;
    drop(guard);
    let _ = std::fs::remove_dir_all(&dir);
    Ok((logs.stats(), warnings))
}

fn full_spool_drops(moto: &MotoLease) -> Result<(), String> {
    let group = "spool-full-drop";
    let n = 1000;
    let (stats, warnings) = fill_bounded(moto, group, "full-drop", OverflowPolicy::DropNewest, n)?;
    let full = stats.dropped.get(DropReason::SpoolFull);
    let told = warnings
        .all()
        .iter()
        .filter(|w| w.kind == WarningKind::SpoolFull)
        .count();
    let stored = moto.all_events(group).len() as u64;
    if full == 0 || stats.delivered + full != n || stored != stats.delivered || told != 1 {
        return Err(format!(
            "{told} spool_full warnings, moto holds {stored}, {stats}"
        ));
    }
    Ok(())
}

fn full_spool_blocks(moto: &MotoLease) -> Result<(), String> {
    let group = "spool-full-block";
    let policy = OverflowPolicy::Block {
        timeout: Duration::from_secs(60),
    };
    let n = 1000;
    let (stats, _) = fill_bounded(moto, group, "full-block", policy, n)?;
    let stored = moto.all_events(group).len() as u64;
    if stats.delivered != n || stored != n || stats.dropped.total() != 0 {
        return Err(format!("moto holds {stored} of {n}, {stats}"));
    }
    Ok(())
}
