//! Unit tests of the sink and its scanner.

use super::scan::find_quote_or_backslash;
use super::*;

fn reference(body: &str) -> (u64, u64) {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    let events = v["logEvents"].as_array().unwrap();
    let bytes = events
        .iter()
        .map(|e| e["message"].as_str().unwrap().len() as u64 + 26)
        .sum();
    (events.len() as u64, bytes)
}

#[test]
fn counts_like_a_json_parser() {
    let messages = [
        "plain",
        "quote \" backslash \\ slash / tab \t newline \n",
        "é€😀 multi-byte",
        "\u{1}\u{1f}\u{7f} control",
        "{\"nested\": [1, 2, {\"x\": \"y\"}]}",
        "x",
    ];
    let events: Vec<_> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| serde_json::json!({"timestamp": i, "message": m}))
        .collect();
    // serde_json writes non-ASCII as UTF-8; Python's json.dumps writes \uXXXX escapes.
    let utf8 = serde_json::json!({"logGroupName": "g", "logEvents": events, "x": {"a": [true, null, 1.5e3]}})
        .to_string();
    let ascii: String = utf8
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                let mut buf = [0u16; 2];
                c.encode_utf16(&mut buf)
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect();
    for body in [&utf8, &ascii] {
        let s = scan_put_log_events(body.as_bytes()).unwrap();
        assert_eq!((s.events, s.bytes), reference(body), "{body}");
        assert!(s.in_order);
        assert_eq!((s.min_ts, s.max_ts), (0, 5));
        assert_eq!(s.violation(), None);
    }
}

#[test]
fn swar_search_matches_a_plain_search() {
    let mut seed = 12345u64;
    for len in 0..64 {
        for _ in 0..50 {
            let s: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    [b'a', b'"', b'\\', 0x80, 0xff, 0x22 ^ 0x80, 0x5c ^ 1]
                        [(seed >> 33) as usize % 7]
                })
                .collect();
            let want = s.iter().position(|&c| c == b'"' || c == b'\\');
            assert_eq!(find_quote_or_backslash(&s), want, "{s:?}");
        }
    }
}

#[test]
fn finds_what_the_service_refuses() {
    let scan = |b: &str| scan_put_log_events(b.as_bytes()).unwrap();
    let s = scan(r#"{"logEvents":[{"timestamp":2,"message":"a"},{"timestamp":1,"message":"b"}]}"#);
    assert!(!s.in_order);
    assert!(s.violation().unwrap().contains("chronological"));
    let s = scan(r#"{"logEvents":[{"timestamp":1,"message":""}]}"#);
    assert_eq!(s.empty, 1);
    let s = scan(r#"{ "logEvents" : [ ] , "logGroupName" : "g" }"#);
    assert_eq!(s.events, 0);
    assert!(s.violation().is_some());
    let s = scan(
        r#"{"logEvents":[{"timestamp":0,"message":"a"},{"timestamp":86400000,"message":"b"}]}"#,
    );
    assert!(s.violation().unwrap().contains("24 hours"));
    assert!(scan_put_log_events(br#"{"logEvents":[{"message":"unterminated}]}"#).is_err());
    assert!(scan_put_log_events(br#"{"logEvents":[{"message":"bad \q"}]}"#).is_err());
}

#[test]
fn serves_the_calls_and_counts() {
    let sink = Sink::start().unwrap();
    let client = watchtower_testkit::client(&sink.endpoint());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        client
            .create_log_group()
            .log_group_name("g")
            .send()
            .await
            .unwrap();
        client
            .create_log_stream()
            .log_group_name("g")
            .log_stream_name("s")
            .send()
            .await
            .unwrap();
        let groups = client.describe_log_groups().send().await.unwrap();
        assert!(groups.log_groups().is_empty());
        let events = (0..3)
            .map(|i| {
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(i)
                    .message(format!("é{i}"))
                    .build()
                    .unwrap()
            })
            .collect();
        let out = client
            .put_log_events()
            .log_group_name("g")
            .log_stream_name("s")
            .set_log_events(Some(events))
            .send()
            .await
            .unwrap();
        assert_eq!(out.next_sequence_token(), Some("1"));
        let bad = client
            .put_log_events()
            .log_group_name("g")
            .log_stream_name("s")
            .log_events(
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(1)
                    .message("")
                    .build()
                    .unwrap(),
            )
            .send()
            .await;
        assert!(bad.is_err());
    });
    let waited = sink.wait_for(3, Duration::from_secs(5));
    assert!(waited.reached);
    let stats = waited.stats;
    assert_eq!((stats.events, stats.bytes), (3, 3 * (3 + 26)));
    assert_eq!(stats.put_requests, 1);
    assert_eq!(stats.rejected_requests, 1);
    assert_eq!((stats.create_log_group, stats.create_log_stream), (1, 1));
    assert_eq!(stats.describe, 1);
    let remote = SinkClient::new(&sink.endpoint());
    assert_eq!(remote.stats().unwrap(), sink.stats());
    let waited = remote.wait_for(4, Duration::from_millis(100)).unwrap();
    assert!(!waited.reached);
    assert_eq!(waited.stats.events, 3);
    remote.reset().unwrap();
    assert_eq!(sink.stats().events, 0);
}

#[test]
fn gunzips_request_bodies_and_counts_their_bytes_on_the_wire() {
    let sink = Sink::start().unwrap();
    let (logs, guard) = watchtower_logs::Config::builder()
        .log_group_name("g")
        .log_stream_name("s")
        .aws(
            watchtower_logs::AwsSettings::new()
                .sdk_config(watchtower_testkit::sdk_config(&sink.endpoint())),
        )
        .build()
        .unwrap()
        .start()
        .unwrap();
    for i in 0..1000 {
        logs.log(watchtower_logs::Record::new(format!(
            r#"{{"level":"INFO","msg":"request handled","id":{i}}}"#
        )));
    }
    logs.flush(Duration::from_secs(30)).unwrap();
    drop(guard);
    let stats = sink.stats();
    assert_eq!((stats.events, stats.rejected_requests), (1000, 0));
    assert!(stats.body_bytes > stats.bytes, "{stats:?}");
    assert!(stats.wire_bytes * 4 < stats.body_bytes, "{stats:?}");
}
