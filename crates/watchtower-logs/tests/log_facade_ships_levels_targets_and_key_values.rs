//! The `log` front end against moto, with the logger passed explicitly (`logger:`), so the
//! tests need no global logger: each record arrives as one JSON CloudWatch event with level,
//! target (also as `{logger_name}`), message, typed key-values and the record's own time; the
//! level filter and the skipped targets hold.
#![cfg(feature = "log")]

mod support;

use std::time::Duration;

use log::LevelFilter;
use serde_json::json;
use watchtower_logs::log::CloudWatchLogger;

use support::{config, find, json, now_ms, rfc3339_ms, FLUSH};
use watchtower_testkit::shared_moto;

fn start(
    moto: &watchtower_testkit::MotoLease,
    group: &str,
) -> (CloudWatchLogger, watchtower_logs::WorkerGuard) {
    // The facade's own maximum; no logger is installed in this binary.
    log::set_max_level(LevelFilter::Trace);
    CloudWatchLogger::start(config(moto, group).build().unwrap()).unwrap()
}

#[test]
fn record_arrives_as_json_with_key_values_and_record_time() {
    let moto = shared_moto();
    let group = "log-json";
    let (logger, guard) = start(&moto, group);
    let items = vec!["a", "b"];
    let before = now_ms();
    log::info!(
        logger: &logger,
        target: "shop::cart",
        user = 42,
        total = 19.99,
        express = true,
        plan = "pro",
        items:? = items,
        note:% = format_args!("{}-{}", 1, 2);
        "checkout {} done",
        "#7"
    );
    let after = now_ms();
    // A gap, not a synchronisation: a send-time timestamp would be later than `after`.
    std::thread::sleep(Duration::from_millis(20));
    logger.handle().flush(FLUSH).unwrap();

    let (stream, event) = find(&moto, group, "checkout #7 done");
    assert_eq!(stream, "shop--cart");
    let v = json(&event);
    assert_eq!(v["level"], "INFO");
    assert_eq!(v["target"], "shop::cart");
    assert_eq!(v["message"], "checkout #7 done");
    assert_eq!(
        v["fields"],
        json!({
            "user": 42,
            "total": 19.99,
            "express": true,
            "plan": "pro",
            "items": "[\"a\", \"b\"]",
            "note": "1-2",
        })
    );
    assert!(
        v.get("spans").is_none(),
        "the log front end has no spans: {v}"
    );
    assert!(v.get("file").is_none() && v.get("line").is_none());
    let ts = rfc3339_ms(v["timestamp"].as_str().unwrap());
    assert_eq!(ts, event.timestamp);
    assert!(
        before <= ts && ts <= after,
        "record time {ts} not within [{before}, {after}]"
    );
    drop(guard);
}

#[test]
fn levels_follow_the_logger_filter_and_targets_pick_the_stream() {
    let moto = shared_moto();
    let group = "log-levels";
    let (logger, guard) = start(&moto, group);
    let logger = logger.with_max_level(LevelFilter::Debug);
    log::error!(logger: &logger, target: "levels", "e-1");
    log::warn!(logger: &logger, target: "levels", "w-1");
    log::info!(logger: &logger, target: "levels", "i-1");
    log::debug!(logger: &logger, target: "levels", "d-1");
    log::trace!(logger: &logger, target: "levels", "t-1");
    log::info!(logger: &logger, target: "other", "o-1");
    log::info!(logger: &logger, "default target");
    logger.handle().flush(FLUSH).unwrap();

    let got: Vec<(String, String)> = moto
        .events(group, "levels")
        .iter()
        .map(|e| {
            let v = json(e);
            (
                v["level"].as_str().unwrap().into(),
                v["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("ERROR", "e-1"),
        ("WARN", "w-1"),
        ("INFO", "i-1"),
        ("DEBUG", "d-1"),
    ]
    .iter()
    .map(|(l, m)| (l.to_string(), m.to_string()))
    .collect();
    assert_eq!(got, want);
    assert_eq!(json(&find(&moto, group, "o-1").1)["target"], "other");
    // The default target is the module path: this test crate's name.
    let (stream, e) = find(&moto, group, "default target");
    assert_eq!(json(&e)["target"], module_path!());
    assert_eq!(stream, module_path!().replace(':', "-"));
    drop(guard);
}

#[test]
fn every_user_target_is_shipped_even_named_like_the_http_stack() {
    let moto = shared_moto();
    let group = "log-user-targets";
    let (logger, guard) = start(&moto, group);
    let targets = [
        "tower_http::trace",
        "hyper_app",
        "aws_lambda_handler",
        "tokio_app::jobs",
        "h2o",
    ];
    for target in targets {
        log::info!(logger: &logger, target: target, "user record from {target}");
    }
    logger.handle().flush(FLUSH).unwrap();
    let events = moto.all_events(group);
    assert_eq!(events.len(), targets.len(), "{events:?}");
    for target in targets {
        find(&moto, group, &format!("user record from {target}"));
    }
    drop(guard);
}

#[test]
fn file_and_line_are_included_when_enabled() {
    let moto = shared_moto();
    let group = "log-file-line";
    let (logger, guard) = start(&moto, group);
    let logger = logger.with_file(true).with_line_number(true);
    let line = line!() + 1;
    log::error!(logger: &logger, target: "where", "located");
    logger.handle().flush(FLUSH).unwrap();
    let v = json(&find(&moto, group, "located").1);
    assert_eq!(v["file"], file!());
    assert_eq!(v["line"], line);
    drop(guard);
}
