//! PutLogEvents bodies go gzipped (`Content-Encoding: gzip`) by default: the proxy decodes
//! them, checks every limit on what it decoded and forwards that to moto, so the events
//! arrive intact while JSON logs cost at most a quarter of their bytes on the wire. With
//! compression off the bodies are plain.

mod support;

use support::{core_config, Started as _, FLUSH};
use watchtower_logs::Record;
use watchtower_testkit::{shared_moto, Proxy, RecordedRequest};

/// A JSON log line like a service writes: some fields repeat, some vary.
fn json_line(i: usize) -> String {
    let level = ["INFO", "DEBUG", "WARN"][i % 3];
    let status = [200, 200, 200, 404, 500][i % 5];
    serde_json::json!({
        "timestamp": format!("2026-12-01T10:{:02}:{:02}.{:03}Z", i / 3600 % 60, i / 60 % 60, i % 1000),
        "level": level,
        "target": "shop::http::orders",
        "message": "request served",
        "fields": {
            "method": "GET",
            "path": format!("/api/v1/orders/{}", i * 7919 % 100_000),
            "status": status,
            "latency_ms": (i * 37) % 250,
            "request_id": format!("{:016x}", (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        },
        "span": { "name": "handle", "user_id": i % 50 }
    })
    .to_string()
}

/// Ships `n` JSON lines through a proxy to moto; returns the PutLogEvents requests and the
/// messages moto stored.
fn ship(group: &str, n: usize, compression: bool) -> (Vec<RecordedRequest>, Vec<String>) {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let (builder, _warnings) = core_config(&proxy.endpoint(), group);
    let (logs, guard) = builder
        .log_stream_name("s")
        .max_batch_count(1000)
        .compression(compression)
        .started();
    for i in 0..n {
        logs.log(Record::new(json_line(i)));
    }
    logs.flush(FLUSH).expect("flushed");
    drop(guard);
    proxy.assert_no_violations();
    let stored = moto
        .events(group, "s")
        .into_iter()
        .map(|e| e.message)
        .collect();
    (proxy.put_requests(), stored)
}

#[test]
fn json_logs_arrive_intact_for_a_quarter_of_their_bytes() {
    let n = 5000;
    let (puts, stored) = ship("gzip-on", n, true);
    let expected: Vec<String> = (0..n).map(json_line).collect();
    assert_eq!(
        stored, expected,
        "moto holds exactly what was logged, in order"
    );
    assert!(puts.len() >= 5, "{} requests", puts.len());
    let wire: usize = puts.iter().map(|r| r.wire_bytes).sum();
    let decoded: usize = puts.iter().map(|r| r.body.len()).sum();
    for r in &puts {
        assert_eq!(
            r.content_encoding.as_deref(),
            Some("gzip"),
            "request #{}",
            r.seq
        );
        assert!(r.wire_bytes < r.body.len());
    }
    assert!(
        wire * 4 <= decoded,
        "{wire} bytes on the wire for {decoded} bytes of requests: more than a quarter"
    );
    println!(
        "gzip: {n} events, {} requests, {decoded} bytes decoded, {wire} on the wire ({:.3})",
        puts.len(),
        wire as f64 / decoded as f64
    );
}

#[test]
fn with_compression_off_the_bodies_are_plain() {
    let n = 1200;
    let (puts, stored) = ship("gzip-off", n, false);
    assert_eq!(stored.len(), n);
    assert!(!puts.is_empty());
    for r in &puts {
        assert_eq!(r.content_encoding, None, "request #{}", r.seq);
        assert_eq!(r.wire_bytes, r.body.len());
        assert!(r.json().is_some(), "a plain JSON body");
    }
}
