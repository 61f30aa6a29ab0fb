//! The tracing layer against moto: each event arrives as one JSON CloudWatch event with its
//! level, target, message, typed fields, span stack (with span fields, also those recorded
//! later), the event's own time, and `{logger_name}` = target; it composes with `EnvFilter`
//! and `fmt`, and skips the SDK/HTTP targets only for itself.
//!
//! The subscriber is set per thread (`with_default`), never globally, so tests in this binary
//! do not interfere; delivery is awaited with `flush`, never with sleeps.
#![cfg(feature = "tracing")]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tracing::field::Empty;
use tracing_subscriber::prelude::*;
use watchtower_logs::tracing::CloudWatchLayer;

use support::{config, find, json, now_ms, rfc3339_ms, FLUSH};
use watchtower_testkit::shared_moto;

#[derive(Debug)]
struct Oops;

impl std::fmt::Display for Oops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("oops, it broke")
    }
}

impl std::error::Error for Oops {}

struct Shown;

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("shown with Display")
    }
}

/// A `fmt` writer collecting everything into a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn start(
    moto: &watchtower_testkit::MotoLease,
    group: &str,
) -> (CloudWatchLayer, watchtower_logs::WorkerGuard) {
    watchtower_logs::tracing::layer(config(moto, group).build().unwrap()).unwrap()
}

#[test]
fn event_arrives_as_json_with_level_target_message_fields_spans_and_event_time() {
    let moto = shared_moto();
    let group = "tracing-json";
    let (layer, guard) = start(&moto, group);
    let handle = layer.handle().clone();
    let (before, after) =
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            let outer = tracing::info_span!("request", id = 42u64, path = "/users");
            let _outer = outer.enter();
            let inner = tracing::debug_span!("db", table = "users", rows = Empty);
            let _inner = inner.enter();
            inner.record("rows", 3);
            let before = now_ms();
            tracing::info!(
                target: "app::db",
                count = -7i64,
                ratio = 0.5,
                ok = true,
                name = "alice \"al\"",
                list = ?vec![1, 2],
                shown = %Shown,
                err = &Oops as &(dyn std::error::Error + 'static),
                big = u128::MAX,
                "query {} done",
                "users"
            );
            (before, now_ms())
        });
    // A gap, not a synchronisation: had the shipper stamped the send time, it would now be
    // detectably later than `after`.
    std::thread::sleep(Duration::from_millis(20));
    handle.flush(FLUSH).unwrap();

    let (stream, event) = find(&moto, group, "query users done");
    assert_eq!(
        stream, "app--db",
        "{{logger_name}} is the target, ':' sanitised"
    );
    let v = json(&event);
    assert_eq!(v["level"], "INFO");
    assert_eq!(v["target"], "app::db");
    assert_eq!(v["message"], "query users done");
    assert_eq!(
        v["fields"],
        json!({
            "count": -7,
            "ratio": 0.5,
            "ok": true,
            "name": "alice \"al\"",
            "list": "[1, 2]",
            "shown": "shown with Display",
            "err": "oops, it broke",
            "big": u128::MAX as f64,
        })
    );
    // u128 beyond u64 is an exact JSON integer (serde_json reads it back as a float).
    assert!(event.message.contains(&format!("\"big\":{}", u128::MAX)));
    assert_eq!(
        v["spans"],
        json!([
            {"name": "request", "id": 42, "path": "/users"},
            {"name": "db", "table": "users", "rows": 3},
        ]),
        "spans from the root, with fields recorded at creation and later"
    );
    assert!(
        v.get("file").is_none() && v.get("line").is_none(),
        "off by default"
    );
    // Keys in the documented order.
    let keys = [
        "\"timestamp\"",
        "\"level\"",
        "\"target\"",
        "\"message\"",
        "\"fields\"",
        "\"spans\"",
    ];
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| event.message.find(k).unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "{}",
        event.message
    );
    assert!(event.message.starts_with("{\"timestamp\":\""));

    // The event's time: in the JSON and as the CloudWatch timestamp, the same millisecond,
    // between the clock readings around the call.
    let ts = rfc3339_ms(v["timestamp"].as_str().unwrap());
    assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(ts, event.timestamp);
    assert!(
        before <= ts && ts <= after,
        "event time {ts} not within [{before}, {after}]"
    );
    drop(guard);
}

#[test]
fn levels_pass_env_filter_and_every_user_target_is_shipped() {
    let moto = shared_moto();
    let group = "tracing-levels";
    let (layer, guard) = start(&moto, group);
    let handle = layer.handle().clone();
    let fmt_out = Buffer::default();
    let writer = fmt_out.clone();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new("debug,noisy=warn"))
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || writer.clone()),
        )
        .with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::error!(target: "levels", "e-1");
        tracing::warn!(target: "levels", "w-1");
        tracing::info!(target: "levels", "i-1");
        tracing::debug!(target: "levels", "d-1");
        tracing::trace!(target: "levels", "t-1");
        tracing::info!(target: "noisy", "noisy-info");
        tracing::warn!(target: "noisy", "noisy-warn");
        // Logged by the application, under names like the shipper's crates: shipped.
        tracing::info!(target: "tower_http::trace", "user-tower-http");
        tracing::info!(target: "hyper_app", "user-hyper-app");
        tracing::info!(target: "h2o", "not-h2");
    });
    handle.flush(FLUSH).unwrap();

    let levels: Vec<(String, String)> = moto
        .events(group, "levels")
        .iter()
        .map(|e| {
            let v = json(e);
            (
                v["level"].as_str().unwrap().to_owned(),
                v["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("ERROR", "e-1"),
        ("WARN", "w-1"),
        ("INFO", "i-1"),
        ("DEBUG", "d-1"),
    ];
    assert_eq!(
        levels,
        expected
            .iter()
            .map(|(l, m)| (l.to_string(), m.to_string()))
            .collect::<Vec<_>>()
    );
    let noisy: Vec<String> = moto
        .events(group, "noisy")
        .iter()
        .map(|e| json(e)["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(noisy, ["noisy-warn"]);
    let mut streams = moto.streams(group);
    streams.sort();
    assert_eq!(
        streams,
        ["h2o", "hyper_app", "levels", "noisy", "tower_http--trace"],
        "every user target is shipped"
    );

    // fmt, beside the layer, printed the same.
    let printed = fmt_out.text();
    for m in ["e-1", "d-1", "user-tower-http", "user-hyper-app", "not-h2"] {
        assert!(printed.contains(m), "fmt must print {m}: {printed}");
    }
    assert!(!printed.contains("t-1") && !printed.contains("noisy-info"));
    drop(guard);
}

#[test]
fn file_and_line_are_included_when_enabled() {
    let moto = shared_moto();
    let group = "tracing-file-line";
    let (layer, guard) = start(&moto, group);
    let handle = layer.handle().clone();
    let layer = layer.with_file(true).with_line_number(true);
    let line =
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            let line = line!() + 1;
            tracing::warn!(target: "where", "located");
            line
        });
    handle.flush(FLUSH).unwrap();
    let v = json(&find(&moto, group, "located").1);
    assert!(
        v["file"]
            .as_str()
            .unwrap()
            .ends_with("tracing_layer_ships_fields_and_spans.rs"),
        "{v}"
    );
    assert_eq!(v["line"], line);
    drop(guard);
}

#[test]
fn spans_can_be_left_out_and_an_event_outside_spans_has_an_empty_list() {
    let moto = shared_moto();
    let group = "tracing-no-spans";
    let (layer, guard) = start(&moto, group);
    let handle = layer.handle().clone();
    let without = layer.clone().with_spans(false);
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        tracing::info!(target: "a", "outside any span");
    });
    tracing::subscriber::with_default(tracing_subscriber::registry().with(without), || {
        let span = tracing::info_span!("ignored", x = 1);
        let _e = span.enter();
        tracing::info!(target: "a", n = 1, "spans off");
    });
    handle.flush(FLUSH).unwrap();
    let outside = json(&find(&moto, group, "outside any span").1);
    assert_eq!(outside["spans"], json!([]));
    assert_eq!(outside["fields"], json!({}));
    let off = json(&find(&moto, group, "spans off").1);
    assert!(off.get("spans").is_none(), "{off}");
    assert_eq!(off["fields"], json!({"n": 1}));
    drop(guard);
}

#[test]
fn events_bridged_from_log_use_their_real_target_file_and_line() {
    // tracing-log turns a `log` record into an event with target "log" and the record's
    // target, module, file and line in `log.*` fields; emulate exactly that.
    let moto = shared_moto();
    let group = "tracing-bridged";
    let (layer, guard) = start(&moto, group);
    let handle = layer.handle().clone();
    let layer = layer.with_file(true).with_line_number(true);
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        tracing::event!(
            target: "log",
            tracing::Level::INFO,
            log.target = "legacy::module",
            log.module_path = "legacy::module",
            log.file = "src/legacy.rs",
            log.line = 7u64,
            "from the log crate"
        );
        tracing::event!(
            target: "log",
            tracing::Level::DEBUG,
            log.target = "rustls::client::hs",
            log.module_path = "rustls::client::hs",
            "bridged-rustls"
        );
    });
    handle.flush(FLUSH).unwrap();
    let (stream, event) = find(&moto, group, "from the log crate");
    assert_eq!(stream, "legacy--module");
    let v = json(&event);
    assert_eq!(v["target"], "legacy::module");
    assert_eq!(v["fields"], json!({}));
    assert_eq!(v["file"], "src/legacy.rs");
    assert_eq!(v["line"], 7);
    // A user's record bridged from a crate named like the TLS stack is the user's: shipped.
    let (stream, _) = find(&moto, group, "bridged-rustls");
    assert_eq!(stream, "rustls--client--hs");
    drop(guard);
}

/// JSON events are queued already escaped for the request body; those that must be handled as
/// text still arrive intact: one past the size limit (split into parts that join back into its
/// JSON), and every event when the spool is on (it writes the text).
#[test]
fn json_events_split_or_spooled_arrive_as_their_text() {
    let moto = shared_moto();
    let group = "tracing-json-as-text";
    let spool = std::env::temp_dir().join(format!("wt-tracing-json-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    for (stream, spooled) in [("split", false), ("spooled", true)] {
        let builder = config(&moto, group).log_stream_name(stream);
        let builder = if spooled {
            builder.spool_dir(&spool)
        } else {
            builder
                .max_message_size(1026)
                .oversize(watchtower_logs::OversizePolicy::Split)
        };
        let (layer, guard) = watchtower_logs::tracing::layer(builder.build().unwrap()).unwrap();
        let handle = layer.handle().clone();
        let long = "a \"quoted\" \\ line\n".repeat(100); // 2,000 bytes, 3,000 escaped
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            tracing::info!(stream, "short \"one\"");
            tracing::info!(stream, "{long}");
        });
        handle.flush(FLUSH).unwrap();
        let events = moto.events(group, stream);
        let whole: Vec<String> = if spooled {
            events.iter().map(|e| e.message.clone()).collect()
        } else {
            // The short event, then the long one in parts of at most 1,000 bytes.
            assert!(events.len() > 2, "{events:?}");
            assert!(events.iter().all(|e| e.message.len() <= 1000));
            let rest: String = events[1..].iter().map(|e| e.message.as_str()).collect();
            vec![events[0].message.clone(), rest]
        };
        assert_eq!(whole.len(), 2, "{stream}: {whole:?}");
        let short: serde_json::Value = serde_json::from_str(&whole[0]).unwrap();
        assert_eq!(short["message"], "short \"one\"", "{stream}");
        let v: serde_json::Value = serde_json::from_str(&whole[1]).unwrap();
        assert_eq!(v["message"].as_str(), Some(long.as_str()), "{stream}");
        assert_eq!(v["fields"]["stream"], stream);
        assert_eq!(handle.stats().dropped.total(), 0, "{stream}");
        drop(guard);
    }
    let _ = std::fs::remove_dir_all(&spool);
}

/// A JSON event spooled while the endpoint is down is replayed by the next process as the same
/// JSON (the spool holds its text, not the escaped form the queue holds).
#[test]
fn a_spooled_json_event_is_replayed_as_the_same_json() {
    let moto = shared_moto();
    let group = "tracing-json-replayed";
    let spool = std::env::temp_dir().join(format!("wt-tracing-replay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let down = support::config_for(&closed, group)
        .log_stream_name("s")
        .spool_dir(&spool)
        .shutdown_timeout(Duration::from_millis(300));
    let (layer, guard) = watchtower_logs::tracing::layer(down.build().unwrap()).unwrap();
    let handle = layer.handle().clone();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        tracing::info!(user = "a \"b\"", "spooled \"json\"\n\\");
    });
    let _ = handle.shutdown(Duration::from_millis(300));
    drop(guard);

    let up = config(&moto, group).log_stream_name("s").spool_dir(&spool);
    let (handle, guard) = up.build().unwrap().start().unwrap();
    handle.shutdown(FLUSH).unwrap();
    drop(guard);
    assert_eq!(handle.stats().replayed, 1);
    let events = moto.events(group, "s");
    assert_eq!(events.len(), 1, "{events:?}");
    let v = json(&events[0]);
    assert_eq!(v["message"], "spooled \"json\"\n\\");
    assert_eq!(v["fields"]["user"], "a \"b\"");
    let _ = std::fs::remove_dir_all(&spool);
}

/// The size limit counts a JSON event's text, as the service does, not the longer escaped
/// form it is queued in: a JSON text within `max_message_size` whose escaped form is past it
/// arrives whole.
#[test]
fn the_size_limit_counts_the_json_text_not_its_escaped_form() {
    let moto = shared_moto();
    let group = "tracing-json-limit";
    let builder = config(&moto, group)
        .log_stream_name("s")
        .max_message_size(4096 + 26)
        .oversize(watchtower_logs::OversizePolicy::Split);
    let (layer, guard) = watchtower_logs::tracing::layer(builder.build().unwrap()).unwrap();
    let handle = layer.handle().clone();
    // 1,200 quotes: ~2,550 bytes of JSON, ~4,900 escaped.
    let quotes = "\"".repeat(1200);
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        tracing::info!("{quotes}");
    });
    handle.flush(FLUSH).unwrap();
    let events = moto.events(group, "s");
    assert_eq!(events.len(), 1, "split: {events:?}");
    assert!(events[0].message.len() <= 4096);
    assert_eq!(json(&events[0])["message"].as_str(), Some(quotes.as_str()));
    assert_eq!(handle.stats().split, 0);
    drop(guard);
}
