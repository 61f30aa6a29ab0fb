use std::io::Read;

use super::*;

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn event(ms: i64, message: &str) -> QueuedEvent {
    QueuedEvent::text(ms, message.to_owned(), u64::MAX)
}

fn decoded(body: &PutBody) -> serde_json::Value {
    let json = if body.gzipped {
        gunzip(&body.bytes)
    } else {
        body.bytes.to_vec()
    };
    serde_json::from_slice(&json).expect("the body is JSON")
}

/// Every byte that JSON must escape, both short escapes, UTF-8 of every width, and a message
/// that is itself JSON: the body decodes (with serde_json) to exactly the events.
#[test]
fn the_body_decodes_to_exactly_the_events() {
    let control: String = (0u8..0x20).map(char::from).collect();
    let messages = [
        String::new(),
        "plain".to_owned(),
        control,
        "quote \" backslash \\ slash / del \u{7f}".to_owned(),
        "é ü 漢字 🦀 \u{2028}\u{2029} \u{fffd}".to_owned(),
        r#"{"level":"INFO","fields":{"message":"a \"quoted\" word\n"}}"#.to_owned(),
        "\\u0000 is text here".to_owned(),
    ];
    let events: Vec<QueuedEvent> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| event(1_700_000_000_000 + i as i64, m))
        .collect();
    for compress in [false, true] {
        let body = PutBody::encode("grp \"x\"", "stream/é", &events, compress);
        let json = decoded(&body);
        assert_eq!(json["logGroupName"], "grp \"x\"");
        assert_eq!(json["logStreamName"], "stream/é");
        let got = json["logEvents"].as_array().expect("logEvents");
        assert_eq!(got.len(), messages.len());
        for (i, (e, m)) in got.iter().zip(&messages).enumerate() {
            assert_eq!(e["message"].as_str(), Some(m.as_str()), "event {i}");
            assert_eq!(e["timestamp"].as_i64(), Some(1_700_000_000_000 + i as i64));
        }
    }
}

/// Random messages (random Unicode scalar values, control characters included) decode to
/// themselves: the escaper agrees with serde_json's parser on every input.
#[test]
fn random_messages_round_trip() {
    let mut rng = fastrand::Rng::with_seed(12);
    for _ in 0..200 {
        let n = rng.usize(0..40);
        let events: Vec<QueuedEvent> = (0..n)
            .map(|i| {
                let len = rng.usize(0..64);
                let message: String = (0..len)
                    .map(|_| match rng.u8(0..4) {
                        0 => char::from(rng.u8(0..0x20)),
                        1 => rng.choice(['"', '\\', '/', '\u{7f}']).unwrap(),
                        2 => char::from_u32(rng.u32(0x80..0x11_0000)).unwrap_or('\u{fffd}'),
                        _ => char::from(rng.u8(0x20..0x7f)),
                    })
                    .collect();
                event(i as i64, &message)
            })
            .collect();
        let body = PutBody::encode("g", "s", &events, rng.bool());
        let json = decoded(&body);
        let got = json["logEvents"].as_array().expect("logEvents");
        assert_eq!(got.len(), events.len());
        for (e, want) in got.iter().zip(&events) {
            assert_eq!(e["message"].as_str(), Some(want.message.as_str()));
        }
    }
}

#[test]
fn json_logs_shrink_at_least_four_times_and_round_trip() {
    let events: Vec<QueuedEvent> = (0..2000)
        .map(|i| {
            event(
                1_700_000_000_000 + i,
                &format!(
                    r#"{{"level":"INFO","target":"app::http","fields":{{"message":"request served","status":200,"latency_ms":{},"path":"/api/v1/items/{}"}}}}"#,
                    i % 97,
                    i * 7
                ),
            )
        })
        .collect();
    let plain = PutBody::encode("g", "s", &events, false);
    let compressed = PutBody::encode("g", "s", &events, true);
    assert!(compressed.gzipped && !plain.gzipped);
    assert!(
        compressed.len() * 4 <= plain.len(),
        "{} -> {}",
        plain.len(),
        compressed.len()
    );
    assert_eq!(gunzip(&compressed.bytes), plain.bytes.to_vec());
}

#[test]
fn small_or_incompressible_bodies_go_as_they_are() {
    assert!(gzip(&[b'a'; MIN_COMPRESS_BYTES - 1]).is_none());
    let mut rng = fastrand::Rng::with_seed(7);
    let noise: Vec<u8> = (0..4096).map(|_| rng.u8(..)).collect();
    assert!(gzip(&noise).is_none());
    assert!(gzip(&[b'a'; MIN_COMPRESS_BYTES]).is_some());
    let small = PutBody::encode("g", "s", &[event(1, "hi")], true);
    assert!(!small.gzipped, "a small body is sent as it is");
}

/// A message queued already escaped (a front end's JSON) is copied into the body as it is and
/// decodes to its text, exactly as the same text queued as text.
#[test]
fn an_escaped_message_encodes_as_its_text() {
    let text = r#"{"message":"a \"quoted\" word\n","n":1}"#;
    let mut escaped = Vec::new();
    crate::escape::push_json_str(&mut escaped, text);
    let escaped = String::from_utf8(escaped[1..escaped.len() - 1].to_vec()).unwrap();
    let as_escaped = QueuedEvent {
        escaped: Some(text.len() as u32),
        ..QueuedEvent::text(7, escaped, u64::MAX)
    };
    assert_eq!(as_escaped.size(), text.len() + 26);
    for compress in [false, true] {
        let one = PutBody::encode("g", "s", std::slice::from_ref(&as_escaped), compress);
        let other = PutBody::encode("g", "s", &[event(7, text)], compress);
        assert_eq!(decoded(&one), decoded(&other));
        assert_eq!(decoded(&one)["logEvents"][0]["message"], text);
    }
}
