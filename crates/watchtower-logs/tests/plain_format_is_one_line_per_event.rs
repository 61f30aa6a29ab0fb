//! `Format::Plain` against moto, for both front ends: one line per event,
//! `TIMESTAMP LEVEL [spans ]target: [file:line: ]message key=value...`, whose timestamp is the
//! CloudWatch event's own.
#![cfg(all(feature = "tracing", feature = "log"))]

mod support;

use tracing_subscriber::prelude::*;
use watchtower_logs::log::CloudWatchLogger;
use watchtower_logs::tracing::CloudWatchLayer;
use watchtower_logs::Format;

use support::{config, find, FLUSH};
use watchtower_testkit::shared_moto;

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

#[test]
fn tracing_plain_lines_carry_spans_target_message_and_fields() {
    let moto = shared_moto();
    let group = "plain-tracing";
    let (handle, guard) = config(&moto, group).build().unwrap().start().unwrap();
    let layer = CloudWatchLayer::new(handle.clone()).with_format(Format::Plain);
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        let span = tracing::info_span!("request", id = 42);
        let _s = span.enter();
        let inner = tracing::info_span!("load");
        let _i = inner.enter();
        tracing::info!(target: "app", n = 3, s = "x y", ok = false, "hello {}", 1);
        drop(_i);
        drop(_s);
        tracing::error!(target: "app", "bare");
    });
    handle.flush(FLUSH).unwrap();

    let (_, e) = find(&moto, group, "hello 1");
    assert_eq!(
        e.message,
        format!(
            "{} INFO request{{id=42}}:load: app: hello 1 n=3 s=\"x y\" ok=false",
            rfc3339(e.timestamp)
        )
    );
    let (_, e) = find(&moto, group, "bare");
    assert_eq!(
        e.message,
        format!("{} ERROR app: bare", rfc3339(e.timestamp))
    );
    drop(guard);
}

#[test]
fn log_plain_lines_carry_target_file_line_message_and_key_values() {
    let moto = shared_moto();
    let group = "plain-log";
    let (logger, guard) = CloudWatchLogger::start(config(&moto, group).build().unwrap()).unwrap();
    let logger = logger
        .with_format(Format::Plain)
        .with_file(true)
        .with_line_number(true);
    log::set_max_level(log::LevelFilter::Trace);
    let line = line!() + 1;
    log::warn!(logger: &logger, target: "billing", card = "visa", amount = 12.5; "declined {}", 2);
    logger.handle().flush(FLUSH).unwrap();

    let (stream, e) = find(&moto, group, "declined 2");
    assert_eq!(stream, "billing");
    assert_eq!(
        e.message,
        format!(
            "{} WARN billing: {}:{line}: declined 2 card=\"visa\" amount=12.5",
            rfc3339(e.timestamp),
            file!()
        )
    );
    drop(guard);
}
