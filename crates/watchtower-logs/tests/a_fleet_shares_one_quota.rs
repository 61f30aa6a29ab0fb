//! A fleet of 32 shipper processes against one shared account quota (the proxy's token
//! bucket, ThrottlingException beyond it), all to moto:
//!
//! - PutLogEvents limited to 20 requests/s while every process has a backlog: nothing is
//!   lost, no request breaks a limit, at most 1.3 requests are sent per batch delivered (the
//!   throttled ones included), at least 90 % of the quota is used while all 32 are
//!   backlogged, and the backlog goes in full batches;
//! - CreateLogStream limited to 3 requests/s while the 32 start at once, one new stream each:
//!   everything is delivered.
//!
//! This test binary runs itself as each shipper (`harness = false`: `main` is ours).
#![cfg(unix)]

mod support;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use watchtower_logs::{AwsSettings, Config, Record};
use watchtower_testkit::{shared_moto, FaultPlan, MotoLease, Outcome, Proxy, Quota};

/// Set in a shipper process: `endpoint group stream events batch`.
const CHILD: &str = "WATCHTOWER_TEST_FLEET_SHIPPER";
const PROCESSES: usize = 32;
/// Longest a case may take before its shippers are killed.
const CASE_TIMEOUT: Duration = Duration::from_secs(150);

fn main() {
    match std::env::var(CHILD) {
        Ok(args) => shipper(&args),
        Err(_) => {
            let started = Instant::now();
            println!("\nrunning 2 tests");
            let moto = shared_moto();
            let results = vec![
                (
                    "a_fleet_uses_a_put_quota_without_amplifying".to_string(),
                    put_quota(&moto),
                ),
                (
                    "a_fleet_starting_at_once_gets_its_streams_created".to_string(),
                    create_quota(&moto),
                ),
            ];
            support::report(results, started);
        }
    }
}

/// One shipper: logs its events at once (a backlog), flushes, and exits 0 if every event was
/// delivered. Default retry policy and limiter: what a user gets.
fn shipper(args: &str) {
    let a: Vec<&str> = args.split(' ').collect();
    let (endpoint, group, stream) = (a[0], a[1], a[2]);
    let events: usize = a[3].parse().unwrap();
    let batch: usize = a[4].parse().unwrap();
    let config = Config::builder()
        .log_group_name(group)
        .log_stream_name(stream)
        .max_batch_count(batch)
        .send_interval(Duration::from_secs(5))
        .shutdown_timeout(Duration::from_secs(120))
        .aws(
            AwsSettings::new()
                .endpoint_url(endpoint)
                .region("us-east-1")
                .credentials("testing", "testing-secret-key", None),
        )
        .build()
        .unwrap();
    let (logs, _guard) = config.start().unwrap();
    for i in 0..events {
        logs.log(Record::new(format!(
            r#"{{"level":"INFO","stream":"{stream}","seq":{i},"msg":"order processed"}}"#
        )));
    }
    let flushed = logs.flush(Duration::from_secs(120));
    let stats = logs.stats();
    println!(
        "{stream}: delivered {} of {events}, {} batches, {} retries, {:?}",
        stats.delivered, stats.batches, stats.retries, flushed
    );
    std::process::exit(if stats.delivered == events as u64 {
        0
    } else {
        1
    });
}

/// Starts the fleet, one stream each, and waits for every process.
fn run_fleet(proxy: &Proxy, group: &str, events: usize, batch: usize) -> Result<(), String> {
    let exe = std::env::current_exe().unwrap();
    let mut children: Vec<(String, Child)> = (0..PROCESSES)
        .map(|i| {
            let stream = format!("shipper-{i:02}");
            let args = format!("{} {group} {stream} {events} {batch}", proxy.endpoint());
            let child = Command::new(&exe)
                .env(CHILD, args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            (stream, child)
        })
        .collect();
    let deadline = Instant::now() + CASE_TIMEOUT;
    let mut failed = vec![];
    for (stream, child) in &mut children {
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        if !status.is_some_and(|s| s.success()) {
            let mut said = String::new();
            if let Some(mut out) = child.stdout.take() {
                let _ = std::io::Read::read_to_string(&mut out, &mut said);
            }
            failed.push(format!("{stream}: {status:?}: {}", said.trim()));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("shippers failed: {failed:?}"))
    }
}

/// Every stream holds exactly its `events`, each once.
fn check_delivered(moto: &MotoLease, group: &str, events: usize) -> Result<(), String> {
    let mut per_stream: HashMap<String, usize> = HashMap::new();
    for (stream, _) in moto.all_events(group) {
        *per_stream.entry(stream).or_default() += 1;
    }
    let wrong: Vec<_> = (0..PROCESSES)
        .map(|i| format!("shipper-{i:02}"))
        .filter_map(|s| {
            let n = per_stream.get(&s).copied().unwrap_or(0);
            (n != events).then(|| format!("{s}: {n}"))
        })
        .collect();
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "events lost or doubled (expected {events} each): {wrong:?}"
        ))
    }
}

fn put_quota(moto: &MotoLease) -> Result<(), String> {
    const QUOTA: f64 = 20.0;
    const BURST: f64 = 5.0;
    // Small batches: moto (one Python process on a loaded machine) must keep up with the
    // quota, or it, not the quota, would be the bound.
    const EVENTS: usize = 300;
    const BATCH: usize = 10;
    let group = "fleet-put-quota";
    moto.create_group(group);
    for i in 0..PROCESSES {
        moto.create_stream(group, &format!("shipper-{i:02}"));
    }
    let proxy = Proxy::start(&moto.endpoint());
    // A burst of a quarter second: the share of the quota measured below counts the burst as
    // allowed on top of the rate, so a large one would hide how much of the rate was used.
    proxy.set_faults(FaultPlan::none().with_quota(Quota {
        op: "PutLogEvents".into(),
        per_second: QUOTA,
        burst: BURST,
    }));
    run_fleet(&proxy, group, EVENTS, BATCH)?;
    check_delivered(moto, group, EVENTS)?;
    if proxy.rule_violation_count() > 0 {
        return Err(format!("limit violations: {:?}", proxy.violations()));
    }

    let puts = proxy.put_requests();
    let delivered: Vec<_> = puts
        .iter()
        .filter(|r| r.outcome == Outcome::Forwarded { status: 200 })
        .collect();
    let throttled = puts
        .iter()
        .filter(|r| r.outcome == Outcome::Throttled)
        .count();
    let per_batch = puts.len() as f64 / delivered.len() as f64;
    let events_per_request = (PROCESSES * EVENTS) as f64 / delivered.len() as f64;
    // While all 32 are backlogged: from the moment every shipper has sent its first request
    // (all are started and have a backlog) to the first shipper's last batch.
    let first = puts.iter().map(|r| r.arrived).min().unwrap();
    let mut first_per_stream: HashMap<&str, Instant> = HashMap::new();
    let mut last_per_stream: HashMap<&str, Instant> = HashMap::new();
    for r in &puts {
        let stream = r.stream.as_deref().unwrap_or_default();
        let first = first_per_stream.entry(stream).or_insert(r.arrived);
        *first = (*first).min(r.arrived);
    }
    for r in &delivered {
        let last = last_per_stream
            .entry(r.stream.as_deref().unwrap_or_default())
            .or_insert(r.arrived);
        *last = (*last).max(r.arrived);
    }
    let start = *first_per_stream.values().max().unwrap();
    let end = *last_per_stream.values().min().unwrap();
    let window = end.saturating_duration_since(start).as_secs_f64();
    let in_window = delivered
        .iter()
        .filter(|r| r.arrived > start && r.arrived <= end)
        .count();
    let allowed = QUOTA * window + BURST; // the sustained rate plus one burst
    let used = in_window as f64 / allowed;
    let last = delivered.iter().map(|r| r.arrived).max().unwrap();
    println!(
        "fleet: {} PutLogEvents requests, {} delivered, {throttled} throttled: {per_batch:.3} \
         requests per batch; {events_per_request:.1} events per request (batch {BATCH}); \
         quota used while all backlogged {:.1} % ({in_window} in {window:.1} s); all done in \
         {:.1} s",
        puts.len(),
        delivered.len(),
        used * 100.0,
        last.duration_since(first).as_secs_f64()
    );
    if per_batch > 1.3 {
        return Err(format!(
            "{per_batch:.3} requests per batch delivered (> 1.3)"
        ));
    }
    if used < 0.9 {
        return Err(format!("{:.1} % of the quota used (< 90 %)", used * 100.0));
    }
    if events_per_request < BATCH as f64 * 0.95 {
        return Err(format!(
            "{events_per_request:.1} events per request: batches not full"
        ));
    }
    Ok(())
}

fn create_quota(moto: &MotoLease) -> Result<(), String> {
    const EVENTS: usize = 200;
    let group = "fleet-create-quota";
    moto.create_group(group);
    let proxy = Proxy::start(&moto.endpoint());
    proxy.set_faults(FaultPlan::none().with_quota(Quota::per_second("CreateLogStream", 3.0)));
    run_fleet(&proxy, group, EVENTS, 100)?;
    check_delivered(moto, group, EVENTS)?;
    if proxy.rule_violation_count() > 0 {
        return Err(format!("limit violations: {:?}", proxy.violations()));
    }
    let creates = proxy.count("CreateLogStream");
    let throttled = proxy.fault_counts().throttled;
    println!(
        "fleet: {} streams created with {creates} CreateLogStream requests ({throttled} \
         throttled), {} PutLogEvents requests",
        PROCESSES,
        proxy.count("PutLogEvents")
    );
    if throttled == 0 {
        return Err("the CreateLogStream quota was never reached: the case tests nothing".into());
    }
    Ok(())
}
