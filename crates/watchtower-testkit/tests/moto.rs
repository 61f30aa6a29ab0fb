//! The moto runner and the read-back helpers.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use watchtower_testkit::{shared_moto, wait_until, Event, Moto};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn ev(t: i64, m: &str) -> InputLogEvent {
    InputLogEvent::builder()
        .timestamp(t)
        .message(m)
        .build()
        .unwrap()
}

#[test]
fn runner_starts_and_resets() {
    let moto = shared_moto();
    assert!(moto.endpoint().starts_with("http://127.0.0.1:"));
    assert!(moto.groups().is_empty());
    moto.create_group("/a");
    moto.create_group("/a"); // idempotent
    assert_eq!(moto.groups(), vec!["/a".to_string()]);
    moto.reset();
    assert!(moto.groups().is_empty());
}

#[test]
fn lease_resets_between_tests() {
    {
        let moto = shared_moto();
        moto.create_group("left-over");
    }
    let moto = shared_moto();
    assert!(moto.groups().is_empty());
}

#[test]
fn own_instance_dies_on_drop() {
    let moto = Moto::start();
    let port = moto.port();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(moto);
    assert!(wait_until(Duration::from_secs(5), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
    }));
}

#[test]
fn read_back_helpers() {
    let moto = shared_moto();
    let c = moto.client();
    let t = now_ms();
    rt().block_on(async {
        c.create_log_group()
            .log_group_name("g")
            .tags("team", "obs")
            .send()
            .await
            .unwrap();
        c.put_retention_policy()
            .log_group_name("g")
            .retention_in_days(7)
            .send()
            .await
            .unwrap();
    });
    moto.create_stream("g", "s1");
    moto.create_stream("g", "s1"); // idempotent
    moto.create_stream("g", "s2");
    rt().block_on(async {
        c.put_log_events()
            .log_group_name("g")
            .log_stream_name("s1")
            .log_events(ev(t, "one"))
            .log_events(ev(t + 1, "two"))
            .send()
            .await
            .unwrap();
        c.put_log_events()
            .log_group_name("g")
            .log_stream_name("s2")
            .log_events(ev(t, "three"))
            .send()
            .await
            .unwrap();
    });
    assert_eq!(
        moto.events("g", "s1"),
        vec![Event::new(t, "one"), Event::new(t + 1, "two")]
    );
    assert_eq!(moto.streams("g"), vec!["s1".to_string(), "s2".to_string()]);
    let all = moto.all_events("g");
    assert_eq!(all.len(), 3);
    assert_eq!(all[2], ("s2".to_string(), Event::new(t, "three")));
    assert_eq!(moto.retention_days("g"), Some(7));
    assert_eq!(
        moto.tags("g"),
        HashMap::from([("team".to_string(), "obs".to_string())])
    );
    // Missing things read back as empty.
    assert!(moto.events("g", "nope").is_empty());
    assert!(moto.events("nope", "s1").is_empty());
    assert!(moto.streams("nope").is_empty());
    assert_eq!(moto.retention_days("nope"), None);
    assert!(moto.tags("nope").is_empty());

    moto.delete_stream("g", "s2");
    moto.delete_stream("g", "s2"); // idempotent
    assert_eq!(moto.streams("g"), vec!["s1".to_string()]);
    moto.delete_group("g");
    moto.delete_group("g");
    assert!(moto.groups().is_empty());
}

#[test]
fn many_events_paginate() {
    let moto = shared_moto();
    moto.create_group("g");
    moto.create_stream("g", "s");
    let c = moto.client();
    let t = now_ms() - 60_000;
    rt().block_on(async {
        for batch in 0..3 {
            let mut req = c.put_log_events().log_group_name("g").log_stream_name("s");
            for i in 0..5000 {
                let n = batch * 5000 + i;
                req = req.log_events(ev(t + n as i64, &format!("m{n}")));
            }
            req.send().await.unwrap();
        }
    });
    let events = moto.events("g", "s");
    assert_eq!(events.len(), 15_000);
    assert!(events
        .iter()
        .enumerate()
        .all(|(i, e)| e.message == format!("m{i}")));
}

/// What moto does that the core has to cope with (documents the emulator).
#[test]
fn moto_behaviour() {
    let moto = shared_moto();
    let c = moto.client();
    let t = now_ms();
    moto.create_group("g");
    rt().block_on(async {
        // Missing stream / group: ResourceNotFoundException.
        let e = c
            .put_log_events()
            .log_group_name("g")
            .log_stream_name("missing")
            .log_events(ev(t, "x"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("ResourceNotFoundException"));
        let e = c
            .put_log_events()
            .log_group_name("missing")
            .log_stream_name("s")
            .log_events(ev(t, "x"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("ResourceNotFoundException"));
        // Creating twice: ResourceAlreadyExistsException.
        let e = c
            .create_log_group()
            .log_group_name("g")
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("ResourceAlreadyExistsException"));
        c.create_log_stream()
            .log_group_name("g")
            .log_stream_name("s")
            .send()
            .await
            .unwrap();
        // No sequence token needed; moto still returns one.
        let out = c
            .put_log_events()
            .log_group_name("g")
            .log_stream_name("s")
            .log_events(ev(t, "x"))
            .send()
            .await
            .unwrap();
        assert!(out.next_sequence_token().is_some());
        // Out of order: InvalidParameterException.
        let e = c
            .put_log_events()
            .log_group_name("g")
            .log_stream_name("s")
            .log_events(ev(t, "b"))
            .log_events(ev(t - 1, "a"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("InvalidParameterException"));
        // Too old: accepted call, event rejected individually.
        let out = c
            .put_log_events()
            .log_group_name("g")
            .log_stream_name("s")
            .log_events(ev(t - 15 * 86_400_000, "old"))
            .log_events(ev(t, "new"))
            .send()
            .await
            .unwrap();
        let info = out.rejected_log_events_info().expect("rejected info");
        assert!(info.too_old_log_event_end_index().is_some());
    });
    let msgs: Vec<String> = moto
        .events("g", "s")
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(msgs, vec!["x", "new"]);
}
